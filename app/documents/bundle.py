"""The dispute bundle (berkas sengketa) for the Komisi Informasi, as PDF and as ZIP.

The PDF: a cover listing the contents with page numbers, then the request receipt, the
notice(s), the objection receipt, the Atasan PPID's decision (if any), the dispute record,
the history, the image attachments (one page each), and the PDF attachments appended
with pypdf. Appended pages keep their content but lose their annotations (links, form
widgets, actions), so no script or launch action of an uploaded file enters the bundle.
An attachment that cannot be read is listed on the cover, never fatal.

The body is rendered twice: once to learn its page numbers, once with the final numbering
("Halaman n dari N" over the whole bundle) after the cover's length is known.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from app.documents.history import HISTORY_TITLE, render_history
from app.documents.images import image_size, sniff
from app.documents.layout import OFFICE_SHORT, Document, build
from app.documents.model import CaseDocumentData
from app.documents.notice import EXTENSION_TITLE, NOTICE_TITLE, render_extension, render_notice
from app.documents.objection import (
    DECISION_TITLE, DISPUTE_TITLE, KOMISI, OBJECTION_RECEIPT_TITLE, putusan_summary,
    render_dispute_record, render_objection_decision, render_objection_receipt,
)
from app.documents.receipt import RECEIPT_TITLE, render_receipt
from app.documents.text import fmt_date, fmt_datetime, one_line, or_dash, safe_filename, stringify, unique_name
from app.domain.timeutil import WIB

log = logging.getLogger(__name__)

BUNDLE_TITLE = "Berkas Sengketa Informasi"
MAX_APPENDED_PAGES = 500  # per attachment; longer files are listed, not appended
FIELD_TITLES = {"lampiran_identitas": "Lampiran identitas", "lampiran_jawaban": "Lampiran jawaban OPD"}


@dataclass
class _Attachment:
    number: int
    field: str
    name: str  # the safe name, as stored in the ZIP
    content: bytes | None
    kind: str  # "image", "pdf", "other", "missing"
    reader: PdfReader | None = None
    pages: int = 0
    page: int | None = None  # first page in the bundle (image or appended PDF)
    note: str = ""


def _bundle_file_name(data: CaseDocumentData) -> str:
    return safe_filename(f"berkas-sengketa-{data.registration_number}.pdf", default="berkas-sengketa.pdf")


def _zip_names(data: CaseDocumentData) -> tuple[str, list[str]]:
    """The bundle's file name and each attachment's safe, unique name in the ZIP."""
    used: set[str] = set()
    bundle = unique_name(_bundle_file_name(data), used)
    return bundle, [unique_name(safe_filename(a[1]), used) for a in data.attachments]


def _open_pdf(content: bytes) -> tuple[PdfReader | None, str]:
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            return None, "berkas PDF terkunci kata sandi"
        count = len(reader.pages)
    except Exception:
        log.info("attachment PDF could not be read", exc_info=True)
        return None, "berkas PDF tidak dapat dibaca"
    if count == 0:
        return None, "berkas PDF tanpa halaman"
    if count > MAX_APPENDED_PAGES:
        return None, f"berkas PDF lebih dari {MAX_APPENDED_PAGES} halaman"
    try:  # a trial copy: a file that opens but cannot be copied is listed, not appended
        PdfWriter().append(reader, import_outline=False, excluded_fields=["/Annots", "/B"])
    except Exception:
        log.info("attachment PDF could not be copied", exc_info=True)
        return None, "berkas PDF tidak dapat digabungkan"
    return reader, ""


def _classify(data: CaseDocumentData) -> list[_Attachment]:
    _, names = _zip_names(data)
    out = []
    for i, (att, name) in enumerate(zip(data.attachments, names), start=1):
        field, content = stringify(att[0]), att[3] if len(att) > 3 else None
        if not isinstance(content, (bytes, bytearray)) or not content:
            out.append(_Attachment(i, field, name, None, "missing", note="isi berkas tidak tersedia"))
            continue
        content = bytes(content)
        kind = sniff(content)
        if kind in ("png", "jpeg"):
            ok = image_size(content) is not None
            out.append(_Attachment(i, field, name, content, "image" if ok else "other",
                                   note="" if ok else "gambar tidak dapat dimuat"))
        elif kind == "pdf":
            reader, note = _open_pdf(content)
            out.append(_Attachment(i, field, name, content, "pdf" if reader else "other", reader,
                                   len(reader.pages) if reader else 0, note=note))
        else:
            out.append(_Attachment(i, field, name, content, "other"))
    return out


def _field_title(field: str) -> str:
    return FIELD_TITLES.get(field) or (field.replace("_", " ").capitalize() if field else "-")


def _render_body(data, items, labels, show_personal, base_url, offset, total):
    """The bundle after the cover; returns the document and [(title, local first page)]."""
    case = data.case_data
    sections: list[tuple[str, int]] = []

    def render(doc: Document) -> None:
        sections.clear()  # build() may render twice

        def part(title, render_part, *args, **kwargs):
            sections.append((title, doc.pages_count + 1))
            render_part(doc, data, *args, **kwargs)

        part(RECEIPT_TITLE, render_receipt, labels, show_personal=show_personal, base_url=base_url)
        keputusan = stringify(case.get("keputusan")).strip()
        if case.get("alasan_perpanjangan") and keputusan != "perpanjang":
            part(EXTENSION_TITLE, render_extension)
        if keputusan:
            part(EXTENSION_TITLE if keputusan == "perpanjang" else NOTICE_TITLE, render_notice, labels)
        if case.get("nomor_keberatan") or case.get("alasan_keberatan"):
            part(OBJECTION_RECEIPT_TITLE, render_objection_receipt, labels)
        if case.get("keputusan_keberatan"):
            part(DECISION_TITLE, render_objection_decision, labels)
        part(DISPUTE_TITLE, render_dispute_record, labels)
        part(HISTORY_TITLE, render_history)
        for item in items:
            if item.kind == "image":
                _image_page(doc, item)

    doc = build(lambda: Document(data.registration_number, page_offset=offset, total_pages=total), render)
    return doc, sections


def _image_page(doc: Document, item: _Attachment) -> None:
    doc.running_title = "Lampiran"
    doc.add_page()
    item.page = doc.pages_count
    doc.heading(f"Lampiran {item.number}: {item.name} ({_field_title(item.field)})")
    top = doc.get_y()
    try:
        doc.image(io.BytesIO(item.content), x=doc.l_margin, y=top, w=doc.epw,
                  h=doc.h - doc.b_margin - top - 2, keep_aspect_ratio=True)
    except Exception:
        log.warning("image attachment could not be embedded", exc_info=True)
        item.note = "gambar tidak dapat dimuat"
        doc.paragraph("Gambar tidak dapat ditampilkan; berkas tersedia dalam arsip ZIP.")


def _attachment_status(item: _Attachment, offset: int, first_appended: dict[int, int]) -> str:
    if item.kind == "image" and item.page:
        return f"Dimuat sebagai gambar, halaman {offset + item.page}"
    if item.kind == "pdf":
        start = first_appended[item.number]
        return f"Digabungkan, halaman {start}\u2013{start + item.pages - 1}"
    if item.kind == "missing":
        return "Isi berkas tidak tersedia"
    reason = f" ({item.note})" if item.note else ""
    return f"Tidak dimuat{reason}; tersedia dalam arsip ZIP"


def _render_cover(data, items, sections, cover_pages, body_pages, labels, made_at):
    total = cover_pages + body_pages + sum(i.pages for i in items if i.kind == "pdf")
    doc = Document(data.registration_number, page_offset=0, total_pages=total)
    case = data.case_data
    doc.new_section(BUNDLE_TITLE)
    doc.doc_title(BUNDLE_TITLE.upper(), f"Disampaikan kepada {KOMISI}")
    doc.field("Nomor Pendaftaran", data.registration_number, bold=True)
    doc.field("Pemohon informasi", case.get("nama_lengkap"))
    doc.field("Badan publik (termohon)", OFFICE_SHORT)
    doc.field("Tanggal permohonan diterima", fmt_datetime(data.received_at))
    doc.field("Status permohonan", data.status)
    doc.field("Nomor Keberatan", case.get("nomor_keberatan"))
    doc.field("Putusan Atasan PPID", putusan_summary(case, labels))
    doc.field("Nomor register Komisi Informasi", case.get("nomor_register_ki") or "Belum diterima")
    doc.field("Tanggal pengajuan sengketa", fmt_date(case.get("tanggal_pengajuan_sengketa")))

    head = FontFace(emphasis="BOLD", fill_color=(226, 232, 240))
    doc.heading("Daftar Isi")
    doc.set_font(doc.family, "", 8.5)
    with doc.table(col_widths=(12, 128, 30), width=170, line_height=4.5, headings_style=head,
                   text_align="LEFT", cell_fill_mode="ROWS", cell_fill_color=(246, 248, 250)) as table:
        table.row(("No.", "Dokumen", "Halaman"))
        table.row(("1", BUNDLE_TITLE + " (sampul dan daftar isi)", "1"))
        for n, (title, page) in enumerate(sections, start=2):
            table.row((str(n), title, str(cover_pages + page)))
        if not case.get("keputusan_keberatan"):
            table.row(("-", "Keputusan Atasan PPID atas keberatan: tidak ada" + (
                " (tidak ditanggapi dalam 30 hari kerja)" if case.get("keberatan_tidak_ditanggapi") else ""), "-"))

    doc.heading("Daftar Lampiran")
    if not items:
        doc.paragraph("Tidak ada lampiran.")
    else:
        first_appended, page = {}, cover_pages + body_pages + 1
        for item in items:
            if item.kind == "pdf":
                first_appended[item.number] = page
                page += item.pages
        doc.set_font(doc.family, "", 8.5)
        with doc.table(col_widths=(10, 62, 38, 60), width=170, line_height=4.5, headings_style=head,
                       text_align="LEFT", cell_fill_mode="ROWS", cell_fill_color=(246, 248, 250)) as table:
            table.row(("No.", "Nama berkas (dalam arsip ZIP)", "Jenis lampiran", "Keterangan"))
            for item in items:
                cells = (str(item.number), item.name, _field_title(item.field),
                         _attachment_status(item, cover_pages, first_appended))
                table.row(tuple(or_dash(doc.clean(one_line(stringify(c), 200))) for c in cells))
    doc.ln(2)
    doc.notice_box(
        "Berkas ini disusun oleh sistem layanan PPID dari data permohonan. Seluruh lampiran juga "
        "tersedia dalam bentuk aslinya pada arsip ZIP berkas sengketa. Riwayat penanganan memuat "
        "hash rantai audit terakhir untuk pencocokan dengan sistem.", fill=(240, 244, 248))
    doc.set_font(doc.family, "", 8)
    doc.multi_cell(0, 4, doc.clean(f"Disusun: {fmt_datetime(made_at)}"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return doc


def _strip_actions(writer: PdfWriter, start: int) -> None:
    """Drop page-level additional actions of appended pages (annotations are not copied)."""
    for page in writer.pages[start:]:
        if "/AA" in page:
            del page[NameObject("/AA")]


def dispute_bundle_pdf(data: CaseDocumentData, labels=None, *, made_at: datetime, show_personal: bool = False,
                       base_url: str = "") -> bytes:
    """The dispute bundle as one PDF (cover, documents, history, images, appended PDFs), put together at
    `made_at` (printed on the cover): the same data and time give the same bytes."""
    items = _classify(data)
    appended = sum(i.pages for i in items if i.kind == "pdf")
    body, sections = _render_body(data, items, labels, show_personal, base_url, 0, None)
    body_pages = body.pages_count
    cover_pages = 1
    for _ in range(4):
        cover = _render_cover(data, items, sections, cover_pages, body_pages, labels, made_at)
        if cover.pages_count == cover_pages:
            break
        cover_pages = cover.pages_count
    body, sections = _render_body(data, items, labels, show_personal, base_url, cover_pages,
                                  cover_pages + body_pages + appended)

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover.to_bytes())), import_outline=False)
    writer.append(PdfReader(io.BytesIO(body.to_bytes())), import_outline=False)
    outline = [(BUNDLE_TITLE, 0)] + [(title, cover_pages + page - 1) for title, page in sections]
    for item in items:
        if item.kind != "pdf":
            continue
        start = len(writer.pages)
        try:
            writer.append(item.reader, import_outline=False, excluded_fields=["/Annots", "/B"])
        except Exception:  # checked by a trial copy in _open_pdf; never fail the bundle
            log.warning("attachment PDF could not be appended", exc_info=True)
            continue
        _strip_actions(writer, start)
        outline.append((f"Lampiran {item.number}: {item.name}", start))
    for item in items:
        if item.kind == "image" and item.page:
            outline.append((f"Lampiran {item.number}: {item.name}", cover_pages + item.page - 1))
    for title, index in sorted(outline, key=lambda t: t[1]):
        writer.add_outline_item(stringify(title)[:200], index)
    writer.add_metadata({"/Title": f"{BUNDLE_TITLE} {data.registration_number}", "/Author": OFFICE_SHORT})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def dispute_bundle_zip(data: CaseDocumentData, labels=None, *, made_at: datetime, show_personal: bool = False,
                       base_url: str = "") -> bytes:
    """A ZIP with the bundle PDF and every available attachment under a safe, unique name, dated `made_at`
    (WIB, as ZIP dates have no zone)."""
    bundle_name, names = _zip_names(data)
    pdf = dispute_bundle_pdf(data, labels, made_at=made_at, show_personal=show_personal, base_url=base_url)
    stamp = made_at.astimezone(WIB).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(bundle_name, date_time=stamp), pdf)
        for att, name in zip(data.attachments, names):
            content = att[3] if len(att) > 3 else None
            if isinstance(content, (bytes, bytearray)) and content:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, bytes(content))
    return out.getvalue()
