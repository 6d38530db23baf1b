"""Case documents as PDF: content, masking, hostile input, fonts, the dispute bundle and ZIP.

Pure tests: no Flask app, no database. Every document is read back with pypdf.
"""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pypdf
import pytest
import time_machine
from fpdf import FPDF
from PIL import Image

from app.documents import (
    CaseDocumentData,
    dispute_bundle_pdf,
    dispute_bundle_zip,
    history_pdf,
    labels_from_schema,
    load_form_labels,
    notice_pdf,
    objection_decision_pdf,
    objection_receipt_pdf,
    receipt_pdf,
)
from app.documents import layout
from app.documents.text import mask_identity, safe_filename, to_latin1

FORMS = Path(__file__).resolve().parents[2] / "forms"
NUMBER = "REG-2026-000123"
NIK = "3514012345670001"
MASKED = "3514********0001"
HASH = "9f2c" * 16
RECEIVED = datetime(2026, 3, 16, 7, 5, tzinfo=timezone.utc)  # Senin 14:05 WIB
MADE_AT = datetime(2026, 5, 11, 2, 30, tzinfo=timezone.utc)  # the bundle put together: Senin 09:30 WIB
HOSTILE = ("X" * 1500 + " <script>alert('x')</script> \U0001F600\U0001F389 مرحبا بالعالم "
           "\u202eexe.txt \x00\x07 {nb} 中文 ẞ ā \u2013 \u201ckutip\u201d")


# -- helpers -------------------------------------------------------------------------
def png(width=400, height=300, color=(200, 50, 50)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def jpeg(width=300, height=500) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 200)).save(buf, "JPEG")
    return buf.getvalue()


def small_pdf(pages: int) -> bytes:
    doc = FPDF()
    doc.set_font("Helvetica", size=16)
    for i in range(pages):
        doc.add_page()
        doc.cell(0, 10, f"Isi lampiran PDF halaman {i + 1}")
    return bytes(doc.output())


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in read(pdf).pages)


def flat(text: str) -> str:
    """Whitespace removed: line wraps and justification do not matter."""
    return "".join(text.split())


def contains(pdf_text: str, *expected: str) -> None:
    body = flat(pdf_text)
    for item in expected:
        assert flat(item) in body, f"{item!r} not in document"


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in read(pdf).pages)


# -- fixtures ------------------------------------------------------------------------
@pytest.fixture(params=["unicode", "core"])
def font_mode(request, monkeypatch):
    """Run with DejaVu Sans (when installed) and with the latin-1 core-font fallback."""
    if request.param == "core":
        monkeypatch.setattr(layout, "FONT_DIRS", ("/nonexistent-font-dir",))
    elif layout.unicode_font_files() is None:
        pytest.skip("DejaVu Sans (fonts-dejavu-core) not installed")
    layout.unicode_font_files.cache_clear()
    yield request.param
    layout.unicode_font_files.cache_clear()


@pytest.fixture(scope="module")
def labels():
    return load_form_labels(FORMS)


def base_case(**changes) -> dict:
    case = {
        "jenis_pemohon": "perorangan", "nama_lengkap": "Siti Aminah", "nik": NIK,
        "alamat": "Jl. Raya Raci No. 1, Bangil", "pekerjaan": "Wartawan", "telepon": "081234567890",
        "email": "siti@example.id", "rincian_informasi": "Dokumen RKA Dinas PU tahun 2025",
        "tujuan_penggunaan": "Bahan liputan anggaran", "cara_memperoleh": "salinan_softcopy",
        "cara_mendapatkan_salinan": "email", "lampiran_identitas": "lampiran:1",
        "tanggal_diterima": "2026-03-16T07:05:00+00:00", "batas_pemberitahuan": "2026-03-30T16:59:59+00:00",
    }
    case.update(changes)
    return case


def refused_case(**changes) -> dict:
    return base_case(
        keputusan="ditolak", dasar_penolakan=["h"], uji_konsekuensi="Membuka data akan mengungkap rahasia pribadi.",
        jangka_waktu_pengecualian="Selama pemilik data masih hidup", isi_pemberitahuan="Informasi dikecualikan.",
        **changes)


def dispute_case(**changes) -> dict:
    return refused_case(
        ajukan_keberatan="ya", alasan_keberatan=["a"], uraian_keberatan="Penolakan tidak berdasar.",
        nomor_keberatan="KEB-2026-0007", tanggal_keberatan="2026-04-01T02:00:00+00:00",
        status_keberatan="Ditolak", keputusan_keberatan="ditolak",
        pertimbangan_keberatan="Pengecualian sudah melalui uji konsekuensi.", nama_atasan="Drs. Budi Santoso",
        jabatan_atasan="Sekretaris Daerah Kabupaten Pasuruan", ajukan_sengketa="ya",
        tanggal_pengajuan_sengketa="2026-05-04", nomor_register_ki="123/REG-PSI/V/2026",
        uraian_sengketa="Pemohon meminta Komisi Informasi memeriksa penolakan.", **changes)


def history(n: int = 3) -> list[dict]:
    return [dict(at=RECEIVED + timedelta(hours=i), event_type="task_completed", actor_name=f"Petugas Nomor{i}",
                 actor_role="diskominfo", task_name="Periksa kelengkapan", summary=f"Ringkasan langkah{i}")
            for i in range(n)]


def make(case: dict | None = None, **kwargs) -> CaseDocumentData:
    kwargs.setdefault("status", "Ditolak")
    kwargs.setdefault("history", history())
    return CaseDocumentData(NUMBER, RECEIVED, case_data=case if case is not None else base_case(), **kwargs)


# -- the model ---------------------------------------------------------------------------
def test_model_rejects_a_naive_received_at():
    with pytest.raises(ValueError):
        CaseDocumentData(NUMBER, datetime(2026, 3, 16, 9, 0))


# -- receipt -----------------------------------------------------------------------------
def test_receipt_holds_number_date_labels_deadline_and_masked_nik(font_mode, labels):
    pdf = receipt_pdf(make(), labels, base_url="https://ppid.pasuruankab.go.id/")
    text = text_of(pdf)
    contains(text, NUMBER, "Tanda Bukti Penerimaan Permohonan Informasi Publik".upper(),
             "Senin, 16 Maret 2026 14:05 WIB", "Siti Aminah", MASKED, "Perorangan",
             "Mendapatkan salinan informasi (softcopy)", "Dokumen RKA Dinas PU tahun 2025",
             "Bahan liputan anggaran", "10 hari kerja", "Senin, 30 Maret 2026", "Tidak dipungut biaya",
             f"https://ppid.pasuruankab.go.id/cek/{NUMBER}", "Pemerintah Kabupaten Pasuruan".upper(),
             "Jl. Raya Raci KM 9 Bangil")
    assert NIK not in flat(text)
    assert "salinan_softcopy" not in text


def test_receipt_shows_the_full_nik_when_asked():
    text = text_of(receipt_pdf(make(), show_personal=True))
    contains(text, NIK)
    assert MASKED not in flat(text)


def test_receipt_without_labels_shows_raw_codes_and_masks_a_deed_number():
    case = base_case(jenis_pemohon="badan_hukum", nik=None, nomor_akta="AHU-0012345.AH.01.07")
    text = text_of(receipt_pdf(make(case)))
    contains(text, "salinan_softcopy", "badan_hukum", "AHU-************1.07")
    assert "AHU-0012345" not in flat(text)


def test_receipt_fits_on_one_page(labels):
    assert len(read(receipt_pdf(make(), labels)).pages) == 1


# -- notice ------------------------------------------------------------------------------
def test_refusal_notice_cites_article_17_and_the_right_to_object(font_mode, labels):
    text = text_of(notice_pdf(make(refused_case()), labels))
    contains(text, NUMBER, "PEMBERITAHUAN TERTULIS", "DITOLAK", "Pasal 17 huruf h: Mengungkap rahasia pribadi",
             "Membuka data akan mengungkap rahasia pribadi.", "Selama pemilik data masih hidup",
             "Tidak dipungut biaya", "Informasi dikecualikan.", "30 hari kerja", "Atasan PPID",
             "Informasi dikuasai oleh Badan Publik ini")


def test_partial_notice_lists_redactions_and_the_right_to_object(labels):
    case = base_case(keputusan="diterima_sebagian", dasar_penolakan=["a"], bagian_dihitamkan="Nama saksi dihitamkan",
                     bentuk_informasi="Salinan elektronik (PDF)", isi_pemberitahuan="Sebagian diberikan.")
    text = text_of(notice_pdf(make(case), labels))
    contains(text, "DITERIMA SEBAGIAN", "Pasal 17 huruf a", "Nama saksi dihitamkan", "Salinan elektronik (PDF)",
             "Hak mengajukan keberatan", "E-mail")


def test_granted_notice_states_the_objection_right_too(labels):
    """A full grant can still be objected to (art. 35(1) d-g: not as asked, not fulfilled, cost, late)."""
    case = base_case(keputusan="diterima_seluruhnya", bentuk_informasi="Salinan elektronik (PDF)",
                     isi_pemberitahuan="Informasi dikirim melalui e-mail.")
    text = text_of(notice_pdf(make(case), labels))
    contains(text, "DITERIMA SELURUHNYA", "Salinan elektronik (PDF)", "Tidak dipungut biaya", "Hak mengajukan keberatan")


def test_not_held_notice_names_the_other_body():
    case = base_case(keputusan="tidak_dikuasai", badan_publik_lain="Dinas Pekerjaan Umum Provinsi Jawa Timur",
                     isi_pemberitahuan="Silakan menghubungi badan publik tersebut.")
    text = text_of(notice_pdf(make(case)))
    contains(text, "TIDAK DIKUASAI", "Dinas Pekerjaan Umum Provinsi Jawa Timur", "Informasi tidak dikuasai")


def test_extension_notice_gives_reason_and_new_limit():
    case = base_case(keputusan="perpanjang", alasan_perpanjangan="Dokumen tersebar di tiga bidang.",
                     batas_perpanjangan="2026-04-08T16:59:59+00:00", isi_pemberitahuan="Mohon menunggu.")
    text = text_of(notice_pdf(make(case)))
    contains(text, "PEMBERITAHUAN PERPANJANGAN WAKTU", "Dokumen tersebar di tiga bidang.", "17 hari kerja",
             "Rabu, 8 April 2026", NUMBER)


# -- objection ---------------------------------------------------------------------------
def test_objection_receipt(font_mode):
    text = text_of(objection_receipt_pdf(make(dispute_case())))
    contains(text, "TANDA BUKTI PENGAJUAN KEBERATAN", "KEB-2026-0007", NUMBER, "Rabu, 1 April 2026 09:00 WIB",
             "Pasal 35 ayat (1) huruf a: Penolakan atas permintaan informasi", "Penolakan tidak berdasar.",
             "30 hari kerja")


def test_objection_decision(font_mode):
    text = text_of(objection_decision_pdf(make(dispute_case())))
    contains(text, "KEPUTUSAN ATASAN PPID ATAS KEBERATAN", "KEB-2026-0007", NUMBER, "Keberatan DITOLAK",
             "Pengecualian sudah melalui uji konsekuensi.", "Drs. Budi Santoso",
             "Sekretaris Daerah Kabupaten Pasuruan", "Komisi Informasi Provinsi Jawa Timur", "14 hari kerja")



def test_granted_objection_says_what_is_to_be_done_and_by_when(font_mode):
    case = {**dispute_case(), "keputusan_keberatan": "dikabulkan", "tindak_lanjut_keberatan": "Berikan salinan RKA 2025.",
            "batas_hari_kerja_tindak_lanjut": 10, "batas_tindak_lanjut_keberatan": "2026-12-10T16:59:59+00:00"}
    text = text_of(objection_decision_pdf(make(case)))
    contains(text, "Keberatan DIKABULKAN", "Yang wajib diberikan / dilakukan PPID", "Berikan salinan RKA 2025.",
             "10 hari kerja sejak putusan (paling lambat Kamis, 10 Desember 2026)")


def test_receipt_acknowledges_a_power_of_attorney_without_showing_it(font_mode):
    case = base_case(jenis_pemohon="kelompok", lampiran_kuasa="lampiran:9")
    text = text_of(receipt_pdf(make(case)))
    contains(text, "Surat kuasa / akta pendirian", "Diterima (hanya dapat dilihat petugas yang menangani)")
    assert "lampiran:9" not in text
    assert "Surat kuasa" not in text_of(receipt_pdf(make(base_case())))

# -- history -----------------------------------------------------------------------------
def test_history_table_and_hash_line(font_mode):
    pdf = history_pdf(make(history=history(40), verification_hash=HASH))
    text = text_of(pdf)
    contains(text, NUMBER, "RIWAYAT PENANGANAN PERMOHONAN", "Petugas Nomor0", "Petugas Nomor39",
             "Periksa kelengkapan", "Ringkasan langkah1", "Petugas PPID Diskominfo", "16 Mar 2026 14:05",
             f"Hash rantai audit terakhir: {HASH}")
    assert flat(text).rfind(flat(f"Hash rantai audit terakhir: {HASH}")) > flat(text).rfind("langkah39")
    pages = read(pdf).pages
    contains(pages[-1].extract_text(), f"Halaman {len(pages)} dari {len(pages)}")


def test_history_embeds_the_diagram_and_survives_a_broken_one():
    assert image_count(history_pdf(make(diagram_png=png(1200, 500)))) == 1
    text = text_of(history_pdf(make(diagram_png=b"\x89PNG\r\n\x1a\nrusak", history=[])))
    contains(text, "Diagram proses tidak dapat ditampilkan", "Belum ada riwayat", "Hash rantai audit terakhir: -")


def test_history_with_hundreds_of_entries_flows_over_pages():
    pdf = history_pdf(make(history=history(250), verification_hash=HASH))
    assert len(read(pdf).pages) > 3
    contains(text_of(pdf), "Petugas Nomor249", HASH)


# -- hostile values ------------------------------------------------------------------------
def hostile_data() -> CaseDocumentData:
    case = {key: HOSTILE for key in (
        "nama_lengkap", "alamat", "pekerjaan", "telepon", "email", "rincian_informasi", "tujuan_penggunaan",
        "uji_konsekuensi", "jangka_waktu_pengecualian", "bagian_dihitamkan", "bentuk_informasi",
        "isi_pemberitahuan", "uraian_keberatan", "nama_kuasa", "pertimbangan_keberatan", "nama_atasan",
        "jabatan_atasan", "uraian_sengketa", "nomor_register_ki", "badan_publik_lain", "nomor_keberatan")}
    case.update(nik=NIK, keputusan="diterima_sebagian", dasar_penolakan="zz", alasan_keberatan=7,
                cara_memperoleh=["a", None], keputusan_keberatan={"x": 1}, tanggal_keberatan="bukan tanggal",
                batas_pemberitahuan=12345, tanggal_pengajuan_sengketa="2026-13-45")
    entries = [dict(at=datetime(2026, 3, 16, 9, 0), event_type=HOSTILE, actor_name=HOSTILE, actor_role=HOSTILE,
                    task_name=HOSTILE, summary=HOSTILE + "\n" * 400 + HOSTILE * 3), "bukan dict", {}]
    attachments = [(HOSTILE, HOSTILE, HOSTILE, b"\x89PNG\r\n\x1a\nrusak"), (None, "..", "x", b"%PDF-1.7 rusak"),
                   ("f", "/", "", b""), ("g", "x.jpg", "image/jpeg", None)]
    return CaseDocumentData(NUMBER, RECEIVED, HOSTILE, case, entries, attachments, HOSTILE, b"bukan png")


@pytest.mark.parametrize("render", [receipt_pdf, notice_pdf, objection_receipt_pdf, objection_decision_pdf,
                                    history_pdf, functools.partial(dispute_bundle_pdf, made_at=MADE_AT)])
def test_hostile_values_do_not_break_the_documents(font_mode, render):
    text = text_of(render(hostile_data()))
    contains(text, NUMBER, "kutip")
    if font_mode == "core":
        assert "\U0001F600" not in text and "مرحبا" not in text


@pytest.mark.parametrize("render", [receipt_pdf, notice_pdf, objection_receipt_pdf, objection_decision_pdf,
                                    functools.partial(dispute_bundle_pdf, made_at=MADE_AT)])
def test_markup_and_page_aliases_are_printed_as_plain_text(font_mode, render):
    case = dispute_case(nama_lengkap="<script>alert('x')</script> <b>tebal</b> **md** {nb} {\x7fnb}")
    text = text_of(render(make(case)))
    contains(text, "<script>alert('x')</script> <b>tebal</b> **md** {nb} {nb}")


def test_empty_case_shows_dashes(font_mode):
    data = CaseDocumentData(NUMBER, RECEIVED)
    for render in (receipt_pdf, notice_pdf, objection_receipt_pdf, objection_decision_pdf, history_pdf):
        contains(text_of(render(data)), NUMBER, ": -")
    assert read(dispute_bundle_pdf(data, made_at=MADE_AT)).pages


# -- dispute bundle -------------------------------------------------------------------------
def bundle_data(**kwargs) -> CaseDocumentData:
    attachments = [
        ("lampiran_identitas", "ktp.jpg", "image/jpeg", jpeg()),
        ("lampiran_jawaban", "../../etc/passwd", "text/plain", b"root:x:0:0"),
        ("lampiran_jawaban", "jawaban.pdf", "application/pdf", small_pdf(3)),
        ("lampiran_jawaban", "rusak.pdf", "application/pdf", b"%PDF-1.4 rusak"),
        ("lampiran_jawaban", "C:\\Users\\x\\foto.png", "image/png", png()),
        ("lampiran_jawaban", "hilang.pdf", "application/pdf", None),
        ("lampiran_jawaban", "jawaban.pdf", "application/pdf", b"%PDF-1.4 rusak juga"),
    ]
    kwargs.setdefault("attachments", attachments)
    kwargs.setdefault("verification_hash", HASH)
    return make(dispute_case(alasan_perpanjangan="Dokumen tersebar."), **kwargs)


def test_dispute_bundle_contains_every_document_images_and_appended_pdfs(font_mode, labels):
    pdf = dispute_bundle_pdf(bundle_data(), labels, made_at=MADE_AT)
    reader = read(pdf)
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n".join(pages)
    contains(pages[0], "BERKAS SENGKETA INFORMASI", "Komisi Informasi Provinsi Jawa Timur", NUMBER,
             "123/REG-PSI/V/2026", "Tanda Bukti Penerimaan Permohonan Informasi Publik",
             "Pemberitahuan Tertulis", "Tanda Bukti Pengajuan Keberatan", "Keputusan Atasan PPID atas Keberatan",
             "Catatan Sengketa Informasi", "Riwayat Penanganan Permohonan", "passwd", "ktp.jpg",
             "berkas PDF tidak dapat dibaca", "Isi berkas tidak tersedia")
    contains(text, "TANDA BUKTI PENERIMAAN", "PEMBERITAHUAN PERPANJANGAN WAKTU", "Pasal 17 huruf h",
             "KEB-2026-0007", "Keberatan DITOLAK", "Pemohon meminta Komisi Informasi memeriksa penolakan.",
             "Senin, 4 Mei 2026", f"Hash rantai audit terakhir: {HASH}", MASKED)
    contains(pages[0], "Disusun: Senin, 11 Mei 2026 09:30 WIB")
    assert NIK not in flat(text)
    # The three pages of the PDF attachment are appended at the very end, in order.
    assert [flat(p) for p in pages[-3:]] == [flat(f"Isi lampiran PDF halaman {i}") for i in (1, 2, 3)]
    total = len(pages)
    dash = "\u2013" if font_mode == "unicode" else "-"  # the core fonts have no en dash
    contains(pages[0], f"Halaman 1 dari {total}", f"Digabungkan, halaman {total - 2}{dash}{total}")
    contains(pages[-4], f"dari {total}")
    assert image_count(pdf) == 2  # the KTP scan and the PNG; the text file is listed only
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0] == "Berkas Sengketa Informasi" and any("jawaban.pdf" in t for t in titles)


def test_dispute_bundle_page_numbers_in_the_table_of_contents_are_right(labels):
    reader = read(dispute_bundle_pdf(bundle_data(), labels, made_at=MADE_AT))
    pages = [flat(page.extract_text() or "") for page in reader.pages]
    cover = pages[0]
    for title in ("CATATANSENGKETAINFORMASI", "RIWAYATPENANGANANPERMOHONAN", "KEPUTUSANATASANPPIDATASKEBERATAN"):
        first = next(i for i, page in enumerate(pages) if title in page) + 1
        plain = {"CATATANSENGKETAINFORMASI": "CatatanSengketaInformasi",
                 "RIWAYATPENANGANANPERMOHONAN": "RiwayatPenangananPermohonan",
                 "KEPUTUSANATASANPPIDATASKEBERATAN": "KeputusanAtasanPPIDatasKeberatan"}[title]
        assert f"{plain}{first}" in cover


def test_dispute_bundle_without_a_decision_says_so():
    case = dispute_case(keberatan_tidak_ditanggapi=True)
    del case["keputusan_keberatan"]
    text = text_of(dispute_bundle_pdf(make(case), made_at=MADE_AT))
    contains(text, "tidak ditanggapi dalam 30 hari kerja", "Tidak ada lampiran.")
    assert "KEPUTUSAN ATASAN PPID ATAS KEBERATAN" not in text


def test_dispute_bundle_zip_has_the_pdf_and_safely_named_attachments():
    data = bundle_data()
    archive = zipfile.ZipFile(io.BytesIO(dispute_bundle_zip(data, made_at=MADE_AT)))
    names = archive.namelist()
    assert names == [f"berkas-sengketa-{NUMBER}.pdf", "ktp.jpg", "passwd", "jawaban.pdf", "rusak.pdf",
                     "foto.png", "jawaban-2.pdf"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
    assert archive.read("passwd") == b"root:x:0:0"
    assert archive.read("ktp.jpg") == data.attachments[0][3]
    assert read(archive.read(names[0])).pages
    assert archive.testzip() is None
    assert {info.date_time for info in archive.infolist()} == {(2026, 5, 11, 9, 30, 0)}  # WIB, as ZIP dates have no zone


def test_the_same_bundle_put_together_at_the_same_time_is_the_same_bytes(labels):
    """The bundle reads no clock: the time it is put together is given, so it can be made again to check it
    (the bundle handed to the Komisi Informasi and one made later from the same case and time agree)."""
    data = bundle_data()
    with time_machine.travel(datetime(2026, 5, 11, 2, 30, tzinfo=timezone.utc), tick=False):
        pdf = dispute_bundle_pdf(data, labels, made_at=MADE_AT)
        archive = dispute_bundle_zip(data, labels, made_at=MADE_AT)
    with time_machine.travel(datetime(2027, 1, 2, 3, 4, 5, tzinfo=timezone.utc), tick=False):
        assert dispute_bundle_pdf(data, labels, made_at=MADE_AT) == pdf
        assert dispute_bundle_zip(data, labels, made_at=MADE_AT) == archive
        assert dispute_bundle_zip(data, labels, made_at=MADE_AT + timedelta(days=1)) != archive


# -- helpers -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\ktp.jpg", "ktp.jpg"), ("..", "lampiran"), ("", "lampiran"),
    (".bashrc", "bashrc"), ("a<b>:c?.pdf", "a_b_c_.pdf"), ("ktp\x00.jpg", "ktp.jpg"), ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_mask_and_latin1():
    assert mask_identity(NIK) == MASKED
    assert mask_identity("12345678") == "********"
    assert mask_identity(None) == ""
    assert to_latin1("Bangil \u2013 “Pasuruan” é ẞ \U0001F600") == 'Bangil - "Pasuruan" é ? ?'


def test_labels_come_from_the_form_schemas(labels):
    assert labels["cara_memperoleh"]["salinan_hardcopy"] == "Mendapatkan salinan informasi (hardcopy)"
    assert labels["keputusan"]["ditolak"].startswith("Permohonan ditolak")
    schema = {"properties": {"x": {"oneOf": [{"const": "a", "title": "A"}]}},
              "allOf": [{"then": {"properties": {"y": {"oneOf": [{"const": 1, "title": "Satu"}]}}}}]}
    assert labels_from_schema(schema) == {"x": {"a": "A"}, "y": {"1": "Satu"}}


def test_appended_attachments_lose_scripts_and_annotations():
    """An uploaded PDF with a link, a page action and an open action enters the bundle inert."""
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=14)
    doc.cell(0, 10, "Lampiran bertaut", link="https://example.org/")
    reader = pypdf.PdfReader(io.BytesIO(bytes(doc.output())))
    writer = pypdf.PdfWriter()
    writer.append(reader)
    name = pypdf.generic.NameObject
    action = pypdf.generic.DictionaryObject({
        name("/S"): name("/JavaScript"), name("/JS"): pypdf.generic.TextStringObject("app.alert('x');")})
    writer._root_object[name("/OpenAction")] = action
    writer.pages[0][name("/AA")] = pypdf.generic.DictionaryObject({name("/O"): action})
    hostile = io.BytesIO()
    writer.write(hostile)
    assert b"/JavaScript" in hostile.getvalue() and b"/Annots" in hostile.getvalue()

    pdf = dispute_bundle_pdf(make(dispute_case(), attachments=[("lampiran_jawaban", "tautan.pdf",
                                                                 "application/pdf", hostile.getvalue())]),
                             made_at=MADE_AT)
    bundle = read(pdf)
    assert "Lampiran bertaut" in (bundle.pages[-1].extract_text() or "")
    assert b"/JavaScript" not in pdf and b"app.alert" not in pdf
    assert all("/Annots" not in p and "/AA" not in p for p in bundle.pages)
    assert "/OpenAction" not in bundle.trailer["/Root"] and "/Names" not in bundle.trailer["/Root"]
