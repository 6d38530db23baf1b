"""Pemberitahuan Tertulis (UU 14/2008 Pasal 22 ayat (7)) and the extension notice (ayat (8))."""

from __future__ import annotations

from collections.abc import Mapping

from app.documents.layout import Document
from app.documents.model import CaseDocumentData
from app.documents.text import fmt_date, fmt_datetime, label_for, stringify
from app.domain import data_contract as contract
from app.domain.roles import DISKOMINFO, SIGNER_TITLES
from app.domain.statuses import ART17_GROUNDS, art17_label

NOTICE_TITLE = "Pemberitahuan Tertulis"
EXTENSION_TITLE = "Pemberitahuan Perpanjangan Waktu"

# The decision sentence of the letter, per code of the form field "keputusan".
DECISIONS: dict[str, str] = {
    "diterima_seluruhnya": "Permohonan informasi DITERIMA SELURUHNYA.",
    "diterima_sebagian": "Permohonan informasi DITERIMA SEBAGIAN; sebagian informasi dikecualikan.",
    "ditolak": "Permohonan informasi DITOLAK karena informasi yang diminta merupakan informasi yang dikecualikan.",
    "tidak_dikuasai": "Informasi yang diminta TIDAK DIKUASAI oleh Badan Publik ini.",
    "perpanjang": "Jangka waktu pemberitahuan tertulis DIPERPANJANG.",
}

OBJECTION_RIGHT = (
    "Hak mengajukan keberatan: apabila Pemohon tidak puas atas keputusan ini, Pemohon berhak "
    "mengajukan keberatan secara tertulis kepada Atasan PPID Dinas Komunikasi dan Informatika "
    "Kabupaten Pasuruan paling lambat 30 hari kerja sejak pemberitahuan tertulis ini diterima "
    "(UU 14/2008 Pasal 35 dan 36), dengan menyebutkan Nomor Pendaftaran permohonan. Keberatan dapat "
    "diajukan melalui layanan PPID daring. Atasan PPID memberikan tanggapan tertulis paling lambat "
    "30 hari kerja sejak keberatan diterima."
)


def ground_label(letter) -> str:
    """``"Pasal 17 huruf a: ..."`` for a known letter (each of several, one per line); the raw value otherwise."""
    if isinstance(letter, list):
        return "\n".join(ground_label(one) for one in letter if one)
    key = stringify(letter).strip().lower()
    return art17_label(key) if key in ART17_GROUNDS else stringify(letter)


def held_text(case: Mapping, decision: str) -> str:
    if decision == "tidak_dikuasai" or case.get(contract.INFORMASI_DIKUASAI) == "tidak":
        return "Informasi tidak dikuasai oleh Badan Publik ini"
    if case.get(contract.INFORMASI_DIKUASAI) == "ya" or decision in (
            "diterima_seluruhnya", "diterima_sebagian", "ditolak"):
        return "Informasi dikuasai oleh Badan Publik ini"
    return ""


def request_summary(doc: Document, data: CaseDocumentData) -> None:
    case = data.case_data
    doc.field("Nomor Pendaftaran", data.registration_number, bold=True)
    doc.field("Tanggal permohonan diterima", fmt_datetime(data.received_at))
    doc.field("Nama Pemohon", case.get(contract.NAMA_LENGKAP))
    doc.field("Alamat", case.get(contract.ALAMAT))
    doc.block("Rincian informasi yang dimohon", case.get(contract.RINCIAN_INFORMASI))


def place_date(value) -> str:
    """``"Bangil, Senin, 16 Maret 2026"``, or just ``"Bangil"`` without a date."""
    day = fmt_date(value)
    return f"Bangil, {day}" if day else "Bangil"


PPID_POSITION = SIGNER_TITLES[DISKOMINFO]


def letter_head(doc: Document, number, issued) -> None:
    """The letter's number and date of issue (set by the step that issued it)."""
    doc.field("Nomor surat", number, bold=True)
    doc.field("Tanggal surat", fmt_date(issued))


def sign_ppid(doc: Document, case: Mapping, issued_key: str = contract.TANGGAL_PEMBERITAHUAN,
              name_key: str = contract.NAMA_PPID, position_key: str = contract.JABATAN_PPID) -> None:
    """Signed by the officer whose account issued the letter: their name and position (account settings)."""
    doc.signature(place_date(case.get(issued_key)),
                  [case.get(position_key) or PPID_POSITION,
                   "Dinas Komunikasi dan Informatika Kabupaten Pasuruan"],
                  case.get(name_key))


def render_extension(doc: Document, data: CaseDocumentData) -> None:
    case = data.case_data
    doc.new_section(EXTENSION_TITLE)
    doc.doc_title(EXTENSION_TITLE.upper(), "Pemberitahuan tertulis menurut UU 14/2008 Pasal 22 ayat (8)")
    letter_head(doc, case.get(contract.NOMOR_SURAT_PERPANJANGAN), case.get(contract.TANGGAL_PERPANJANGAN))
    request_summary(doc, data)
    doc.heading("Perpanjangan Jangka Waktu")
    doc.paragraph(DECISIONS["perpanjang"], bold=True, align="L")
    doc.block("Alasan perpanjangan", case.get(contract.ALASAN_PERPANJANGAN))
    new_due = fmt_date(case.get(contract.BATAS_PERPANJANGAN))
    doc.field("Batas waktu baru",
              "17 hari kerja sejak permohonan diterima (10 hari kerja ditambah perpanjangan paling lama "
              "7 hari kerja)" + (f", paling lambat {new_due}" if new_due else ""), bold=True)
    doc.field("Biaya", "Tidak dipungut biaya")
    doc.notice_box(
        "Perpanjangan hanya dapat diberikan satu kali. Apabila pemberitahuan tertulis tidak diterima "
        "dalam jangka waktu di atas, Pemohon dapat mengajukan keberatan kepada Atasan PPID "
        "(UU 14/2008 Pasal 35 ayat (1) huruf g)."
    )
    if case.get(contract.ISI_PEMBERITAHUAN) and stringify(case.get(contract.KEPUTUSAN)) == "perpanjang":
        doc.block("Keterangan", case.get(contract.ISI_PEMBERITAHUAN))
    if case.get(contract.NAMA_PENANDATANGAN_PERPANJANGAN):
        sign_ppid(doc, case, contract.TANGGAL_PERPANJANGAN, contract.NAMA_PENANDATANGAN_PERPANJANGAN,
                  contract.JABATAN_PENANDATANGAN_PERPANJANGAN)
    else:  # a letter of a version that did not record its own signer
        sign_ppid(doc, case, contract.TANGGAL_PERPANJANGAN if case.get(contract.TANGGAL_PERPANJANGAN)
                  else contract.TANGGAL_PEMBERITAHUAN)


def render_notice(doc: Document, data: CaseDocumentData, labels=None) -> None:
    case = data.case_data
    decision = stringify(case.get(contract.KEPUTUSAN)).strip()
    if decision == "perpanjang":
        render_extension(doc, data)
        return
    doc.new_section(NOTICE_TITLE)
    doc.doc_title(NOTICE_TITLE.upper(), "Menurut UU 14/2008 tentang Keterbukaan Informasi Publik Pasal 22 ayat (7)")
    letter_head(doc, case.get(contract.NOMOR_SURAT_PEMBERITAHUAN), case.get(contract.TANGGAL_PEMBERITAHUAN))
    request_summary(doc, data)

    doc.heading("Keputusan")
    doc.paragraph(DECISIONS.get(decision) or label_for(labels, contract.KEPUTUSAN, decision) or "-", bold=True,
                  align="L")
    doc.field("Penguasaan informasi", held_text(case, decision))
    if decision == "tidak_dikuasai" or case.get(contract.INFORMASI_DIKUASAI) == "tidak":
        # what the notice told the applicant, the same for everyone who reads it (never the OPD's internal answer)
        doc.field("Badan publik yang menguasai informasi", case.get(contract.BADAN_PUBLIK_LAIN) or "Tidak diketahui")

    if decision in ("ditolak", "diterima_sebagian"):
        doc.heading("Informasi yang Dikecualikan (UU 14/2008 Pasal 17)")
        doc.field("Dasar pengecualian", ground_label(case.get(contract.DASAR_PENOLAKAN)), bold=True)
        doc.block("Uji konsekuensi", case.get(contract.UJI_KONSEKUENSI))
        doc.field("Jangka waktu pengecualian", case.get(contract.JANGKA_WAKTU_PENGECUALIAN))
        if decision == "diterima_sebagian" or case.get(contract.BAGIAN_DIHITAMKAN):
            doc.block("Bagian yang dihitamkan dan alasannya", case.get(contract.BAGIAN_DIHITAMKAN))

    granted = decision in ("diterima_seluruhnya", "diterima_sebagian")
    doc.heading("Informasi yang Diberikan" if granted else "Keterangan")
    if granted:
        doc.field("Bentuk dan format informasi", case.get(contract.BENTUK_INFORMASI))
        doc.field("Waktu penyampaian informasi", fmt_date(case.get(contract.RENCANA_TANGGAL_PENYAMPAIAN)), bold=True)
        doc.field("Cara penyampaian informasi",
                  label_for(labels, contract.RENCANA_CARA_PENYAMPAIAN, case.get(contract.RENCANA_CARA_PENYAMPAIAN)))
        doc.field("Cara memperoleh informasi",
                  label_for(labels, contract.CARA_MEMPEROLEH, case.get(contract.CARA_MEMPEROLEH)))
        if case.get(contract.CARA_MENDAPATKAN_SALINAN):
            doc.field("Cara mendapatkan salinan",
                      label_for(labels, contract.CARA_MENDAPATKAN_SALINAN, case.get(contract.CARA_MENDAPATKAN_SALINAN)))
    doc.field("Biaya", "Tidak dipungut biaya")
    doc.block("Isi pemberitahuan tertulis", case.get(contract.ISI_PEMBERITAHUAN))
    if case.get(contract.ALASAN_PERPANJANGAN):
        doc.field("Perpanjangan waktu", "Jangka waktu telah diperpanjang satu kali (paling lama 17 hari kerja)")

    doc.notice_box(OBJECTION_RIGHT)  # after every written notice (UU 14/2008 Pasal 35 ayat (1) huruf a-g)
    sign_ppid(doc, case)
