"""Riwayat penanganan: the case history as a table, the diagram, the audit hash."""

from __future__ import annotations

import io
import logging
from typing import Any

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.documents.images import image_size, is_image
from app.documents.layout import Document
from app.documents.model import CaseDocumentData
from app.documents.text import fmt_datetime, fmt_short, one_line, or_dash, stringify
from app.domain.roles import role_label

log = logging.getLogger(__name__)

HISTORY_TITLE = "Riwayat Penanganan Permohonan"
CELL_LIMIT = 400  # characters per table cell: a row must always fit on one page
COLUMNS = ("Waktu (WIB)", "Pelaku", "Peran", "Langkah", "Ringkasan")
WIDTHS = (25, 30, 27, 36, 52)

# Event types of the audit trail, in Indonesian (unknown types are shown as they are).
EVENT_LABELS: dict[str, str] = {
    "case_started": "Permohonan diajukan",
    "task_completed": "Langkah diselesaikan",
    "task_claimed": "Tugas diambil",
    "task_unclaimed": "Tugas dilepas",
    "timer_fired": "Batas waktu tercapai",
    "case_migrated": "Dipindah ke versi proses baru",
    "case_redispatched": "Diteruskan ke OPD lain",
    "personal_data_erased": "Data pribadi dihapus",
    "incident_opened": "Insiden: langkah gagal dijalankan",
    "incident_resolved": "Insiden diselesaikan",
}


def hash_line(value: str | None) -> str:
    return f"Hash rantai audit terakhir: {value or '-'}"


def _row(doc: Document, entry: Any) -> tuple[str, ...]:
    if not isinstance(entry, dict):
        entry = {"summary": stringify(entry)}
    event = stringify(entry.get("event_type"))
    step = stringify(entry.get("task_name")) or EVENT_LABELS.get(event, event)
    role = stringify(entry.get("actor_role"))
    cells = (fmt_short(entry.get("at")), stringify(entry.get("actor_name")), role_label(role) if role else "",
             step, stringify(entry.get("summary")))
    return tuple(or_dash(doc.clean(one_line(stringify(c), CELL_LIMIT))) for c in cells)


def history_table(doc: Document, history: list) -> None:
    if not history:
        doc.paragraph("Belum ada riwayat yang tercatat.")
        return
    doc.set_font(doc.family, "", 8)
    head = FontFace(emphasis="BOLD", fill_color=(226, 232, 240))
    with doc.table(col_widths=WIDTHS, width=sum(WIDTHS), line_height=4, headings_style=head,
                   text_align="LEFT", cell_fill_mode="ROWS", cell_fill_color=(246, 248, 250)) as table:
        table.row(COLUMNS)
        for entry in history:
            table.row(_row(doc, entry))
    doc.ln(3)


def diagram(doc: Document, png: bytes) -> None:
    """The process diagram, scaled to the page; a note instead when it cannot be drawn."""
    size = image_size(png) if is_image(png) else None
    if size is None:
        doc.paragraph("Diagram proses tidak dapat ditampilkan.")
        return
    width, height = size
    landscape = width > height * 1.2
    doc.running_title = HISTORY_TITLE
    doc.add_page(orientation="L" if landscape else "P")
    doc.set_font(doc.family, "B", 10.5)
    doc.cell(0, 6, "Diagram proses", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = doc.get_y() + 2
    box_h = doc.h - doc.b_margin - top - 24  # room for the hash lines below
    scale = min(doc.epw / width, box_h / height)
    w_mm, h_mm = width * scale, height * scale
    try:
        doc.image(io.BytesIO(png), x=doc.l_margin + (doc.epw - w_mm) / 2, y=top, w=w_mm, h=h_mm)
    except Exception:  # corrupt or unsupported image: the history stays readable
        log.warning("diagram image could not be embedded", exc_info=True)
        doc.paragraph("Diagram proses tidak dapat ditampilkan.")
        return
    doc.set_y(top + h_mm + 2)


def render_history(doc: Document, data: CaseDocumentData, labels=None) -> None:
    doc.new_section(HISTORY_TITLE)
    doc.doc_title(HISTORY_TITLE.upper(), "Catatan setiap langkah dari rantai audit sistem layanan PPID")
    doc.field("Nomor Pendaftaran", data.registration_number, bold=True)
    doc.field("Diterima pada", fmt_datetime(data.received_at))
    doc.field("Status permohonan", data.status)
    doc.field("Jumlah catatan", str(len(data.history)))
    doc.heading("Riwayat")
    history_table(doc, list(data.history))
    if data.diagram_png:
        diagram(doc, data.diagram_png)
    if doc.will_page_break(20):
        doc.add_page()
    doc.ln(2)
    doc.set_font(doc.family, "B", 9)
    doc.multi_cell(0, 5, doc.clean(hash_line(data.verification_hash)), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(doc.family, "", 8)
    doc.multi_cell(0, 4, doc.clean(
        "Salinan cetak ini dapat dicocokkan dengan hash terakhir rantai audit permohonan pada sistem "
        "(perintah: ppid audit verify)."), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
