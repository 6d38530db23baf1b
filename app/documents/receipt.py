"""Tanda Bukti Penerimaan Permohonan Informasi Publik."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from app.documents.layout import Document
from app.documents.model import CaseDocumentData
from app.documents.text import fmt_date, fmt_datetime, label_for, mask_identity, stringify
from app.domain import data_contract as contract

RECEIPT_TITLE = "Tanda Bukti Penerimaan Permohonan Informasi Publik"
LAPOR_NOTE = (
    "Pengaduan atas layanan dapat disampaikan melalui SP4N-LAPOR! (www.lapor.go.id)."
)


def case_url(base_url: str, registration_number: str) -> str:
    """``<base_url>/cek/<number>`` (the number URL-quoted); only the path without a base."""
    return f"{(base_url or '').rstrip('/')}/cek/{quote(registration_number, safe='')}"


def identity_value(case: Mapping, show_personal: bool) -> tuple[str, str]:
    """(label, value) of the applicant's identity number, masked unless ``show_personal``."""
    if case.get(contract.JENIS_PEMOHON) == "badan_hukum" or (
            case.get(contract.NOMOR_AKTA) and not case.get(contract.NIK)):
        label, value = "Nomor akta / SK pengesahan", stringify(case.get(contract.NOMOR_AKTA))
    else:
        label, value = "NIK", stringify(case.get(contract.NIK))
    return label, value if show_personal else mask_identity(value)


def applicant_fields(doc: Document, case: Mapping, labels, show_personal: bool) -> None:
    doc.heading("Data Pemohon")
    doc.field("Jenis pemohon", label_for(labels, contract.JENIS_PEMOHON, case.get(contract.JENIS_PEMOHON)))
    doc.field("Nama lengkap", case.get(contract.NAMA_LENGKAP), bold=True)
    label, value = identity_value(case, show_personal)
    doc.field(label, value)
    doc.field("Alamat", case.get(contract.ALAMAT))
    doc.field("Pekerjaan", case.get(contract.PEKERJAAN))
    doc.field("Nomor telepon / HP", case.get(contract.TELEPON))
    doc.field("E-mail", case.get(contract.EMAIL))


def request_fields(doc: Document, case: Mapping, labels) -> None:
    doc.heading("Informasi yang Diminta")
    doc.block("Rincian informasi yang dibutuhkan", case.get(contract.RINCIAN_INFORMASI))
    doc.block("Tujuan penggunaan informasi", case.get(contract.TUJUAN_PENGGUNAAN))
    doc.field("Cara memperoleh informasi",
              label_for(labels, contract.CARA_MEMPEROLEH, case.get(contract.CARA_MEMPEROLEH)))
    doc.field("Cara mendapatkan salinan",
              label_for(labels, contract.CARA_MENDAPATKAN_SALINAN, case.get(contract.CARA_MENDAPATKAN_SALINAN)))


def has_identity_attachment(data: CaseDocumentData) -> bool:
    return bool(data.case_data.get(contract.LAMPIRAN_IDENTITAS)) or any(
        a[0] == "lampiran_identitas" for a in data.attachments)


def render_receipt(doc: Document, data: CaseDocumentData, labels=None, *, show_personal: bool = False,
                   base_url: str = "") -> None:
    case = data.case_data
    doc.new_section(RECEIPT_TITLE)
    doc.doc_title(RECEIPT_TITLE.upper(), "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik")
    doc.big_number("Nomor Pendaftaran", data.registration_number)
    doc.field("Diterima pada", fmt_datetime(data.received_at))
    doc.field("Status permohonan", data.status)
    applicant_fields(doc, case, labels, show_personal)
    request_fields(doc, case, labels)
    doc.field("Lampiran identitas",
              "Diterima (hanya dapat dilihat petugas yang menangani)" if has_identity_attachment(data) else "")
    if case.get(contract.LAMPIRAN_KUASA):
        doc.field("Surat kuasa / akta pendirian", "Diterima (hanya dapat dilihat petugas yang menangani)")

    doc.heading("Jangka Waktu dan Biaya")
    due, promised = fmt_date(case.get(contract.BATAS_PEMBERITAHUAN)), fmt_date(case.get(contract.TARGET_LAYANAN))
    doc.field("Batas waktu pemberitahuan tertulis",
              "10 hari kerja sejak permohonan diterima" + (f", paling lambat {due}" if due else ""), bold=True)
    if promised:
        doc.field("Janji layanan PPID Diskominfo", f"4 hari kerja, yaitu {promised}")
    doc.field("Biaya", "Tidak dipungut biaya")
    doc.notice_box(
        "Jangka waktu dapat diperpanjang satu kali paling lama 7 hari kerja dengan alasan tertulis "
        "(UU 14/2008 Pasal 22 ayat (7) dan (8)). Bila pemberitahuan tertulis tidak diterima dalam jangka "
        "waktu tersebut, Pemohon dapat mengajukan keberatan kepada Atasan PPID (Pasal 35 ayat (1) huruf g)."
    )

    doc.heading("Memantau Permohonan")
    url = case_url(base_url, data.registration_number)
    doc.paragraph(
        "Simpan tanda bukti ini. Perkembangan permohonan dapat dipantau dengan Nomor Pendaftaran di atas "
        f"melalui alamat: {url}", align="L")
    doc.paragraph(LAPOR_NOTE + " Tanda bukti ini dibuat secara elektronik oleh sistem layanan PPID.",
                  size=8.5, align="L")
