"""Objection (keberatan) receipt, the Atasan PPID's decision, and the dispute record."""

from __future__ import annotations

from app.documents.layout import OFFICE_SHORT, Document
from app.documents.model import CaseDocumentData
from app.documents.notice import place_date
from app.documents.text import fmt_date, fmt_datetime, label_for, stringify
from app.domain import data_contract as contract
from app.domain.statuses import ART35_REASONS, art35_label

OBJECTION_RECEIPT_TITLE = "Tanda Bukti Pengajuan Keberatan"
DECISION_TITLE = "Keputusan Atasan PPID atas Keberatan"
DISPUTE_TITLE = "Catatan Sengketa Informasi"
KOMISI = "Komisi Informasi Provinsi Jawa Timur"

DECISIONS: dict[str, str] = {
    "dikabulkan": "Keberatan DIKABULKAN.",
    "ditolak": "Keberatan DITOLAK.",
}

DISPUTE_RIGHT = (
    "Apabila Pemohon tidak puas atas keputusan Atasan PPID, atau tidak menerima tanggapan dalam "
    "30 hari kerja sejak keberatan diterima, Pemohon dapat mengajukan sengketa informasi kepada "
    f"{KOMISI} paling lambat 14 hari kerja sejak tanggapan diterima atau sejak jangka waktu "
    "tersebut berakhir (UU 14/2008 Pasal 37)."
)


def reason_label(letter) -> str:
    """``"Pasal 35 ayat (1) huruf c: ..."`` for a known letter (each of several, one per line); the raw
    value otherwise."""
    if isinstance(letter, list):
        return "\n".join(reason_label(one) for one in letter if one)
    key = stringify(letter).strip().lower()
    return art35_label(key) if key in ART35_REASONS else stringify(letter)


def objection_fields(doc: Document, data: CaseDocumentData, *, with_number: bool = True) -> None:
    case = data.case_data
    if with_number:
        doc.field("Nomor Keberatan", case.get(contract.NOMOR_KEBERATAN), bold=True)
    doc.field("Nomor Pendaftaran permohonan", data.registration_number)
    doc.field("Tanggal pengajuan keberatan", fmt_datetime(case.get(contract.TANGGAL_KEBERATAN)))
    doc.field("Nama Pemohon", case.get(contract.NAMA_LENGKAP))
    doc.field("Nama kuasa pemohon", case.get(contract.NAMA_KUASA))
    doc.field("Alasan keberatan", reason_label(case.get(contract.ALASAN_KEBERATAN)))


def render_objection_receipt(doc: Document, data: CaseDocumentData, labels=None) -> None:
    case = data.case_data
    doc.new_section(OBJECTION_RECEIPT_TITLE)
    doc.doc_title(OBJECTION_RECEIPT_TITLE.upper(), "UU 14/2008 tentang Keterbukaan Informasi Publik Pasal 35 dan 36")
    doc.big_number("Nomor Keberatan", case.get(contract.NOMOR_KEBERATAN))
    objection_fields(doc, data, with_number=False)
    doc.block("Uraian singkat keberatan", case.get(contract.URAIAN_KEBERATAN))
    doc.field("Status keberatan", case.get(contract.STATUS_KEBERATAN))
    doc.heading("Jangka Waktu")
    due = fmt_date(case.get(contract.BATAS_PUTUSAN_KEBERATAN))
    doc.field("Batas waktu tanggapan Atasan PPID",
              "30 hari kerja sejak keberatan diterima" + (f", paling lambat {due}" if due else ""), bold=True)
    doc.field("Biaya", "Tidak dipungut biaya")
    doc.notice_box(
        "Keberatan ini ditujukan kepada Atasan PPID Dinas Komunikasi dan Informatika Kabupaten "
        "Pasuruan, yang memberikan tanggapan tertulis paling lambat 30 hari kerja sejak keberatan "
        "diterima. " + DISPUTE_RIGHT
    )
    doc.paragraph(f"{place_date(case.get(contract.TANGGAL_KEBERATAN))}. Tanda bukti ini dibuat secara elektronik oleh "
                  "sistem layanan PPID saat keberatan diterima.", size=8, align="L")


def render_objection_decision(doc: Document, data: CaseDocumentData, labels=None) -> None:
    case = data.case_data
    decision = stringify(case.get(contract.KEPUTUSAN_KEBERATAN)).strip()
    doc.new_section(DECISION_TITLE)
    doc.doc_title(DECISION_TITLE.upper(), "UU 14/2008 tentang Keterbukaan Informasi Publik Pasal 36")
    objection_fields(doc, data)
    doc.block("Uraian singkat keberatan", case.get(contract.URAIAN_KEBERATAN))
    doc.heading("Putusan")
    doc.paragraph(DECISIONS.get(decision) or label_for(labels, contract.KEPUTUSAN_KEBERATAN, decision)
                  or "Belum ada putusan.", bold=True, align="L")
    doc.field("Nomor putusan", case.get(contract.NOMOR_PUTUSAN_KEBERATAN))
    doc.field("Tanggal putusan", fmt_datetime(case.get(contract.TANGGAL_PUTUSAN_KEBERATAN)))
    doc.block("Pertimbangan", case.get(contract.PERTIMBANGAN_KEBERATAN))
    if decision == "dikabulkan":
        doc.block("Yang wajib diberikan / dilakukan PPID", case.get(contract.TINDAK_LANJUT_KEBERATAN))
        doc.field("Batas waktu pelaksanaan", follow_up_deadline(case))
        doc.notice_box(
            "PPID Dinas Komunikasi dan Informatika Kabupaten Pasuruan melaksanakan putusan ini dan "
            "menyampaikan informasi kepada Pemohon sesuai permohonan. " + DISPUTE_RIGHT
        )
    elif decision == "ditolak":
        doc.notice_box(DISPUTE_RIGHT)
    elif case.get(contract.KEBERATAN_TIDAK_DITANGGAPI):
        doc.notice_box(
            "Atasan PPID tidak memberikan tanggapan dalam 30 hari kerja sejak keberatan diterima. "
            + DISPUTE_RIGHT
        )
    doc.signature(place_date(case.get(contract.TANGGAL_PUTUSAN_KEBERATAN)),
                  ["Atasan PPID", case.get(contract.JABATAN_ATASAN)], case.get(contract.NAMA_ATASAN))


def render_dispute_record(doc: Document, data: CaseDocumentData, labels=None) -> None:
    case = data.case_data
    doc.new_section(DISPUTE_TITLE)
    doc.doc_title(DISPUTE_TITLE.upper(), f"Permohonan penyelesaian sengketa informasi kepada {KOMISI} "
              "(UU 14/2008 Pasal 37)")
    doc.field("Nomor register Komisi Informasi", case.get(contract.NOMOR_REGISTER_KI) or "Belum diterima", bold=True)
    doc.field("Tanggal pengajuan sengketa", fmt_date(case.get(contract.TANGGAL_PENGAJUAN_SENGKETA)))
    doc.field("Pemohon", case.get(contract.NAMA_LENGKAP))
    doc.field("Termohon", OFFICE_SHORT)
    doc.field("Nomor Pendaftaran permohonan", data.registration_number)
    doc.field("Tanggal permohonan diterima", fmt_datetime(data.received_at))
    doc.field("Status permohonan", data.status)
    doc.field("Nomor Keberatan", case.get(contract.NOMOR_KEBERATAN))
    doc.field("Tanggal keberatan", fmt_datetime(case.get(contract.TANGGAL_KEBERATAN)))
    doc.field("Alasan keberatan", reason_label(case.get(contract.ALASAN_KEBERATAN)))
    doc.field("Putusan Atasan PPID", putusan_summary(case, labels))
    doc.block("Uraian sengketa", case.get(contract.URAIAN_SENGKETA))


def putusan_summary(case, labels=None) -> str:
    decision = stringify(case.get(contract.KEPUTUSAN_KEBERATAN)).strip()
    if decision:
        text = label_for(labels, contract.KEPUTUSAN_KEBERATAN, decision)
        if text == decision and decision in DECISIONS:
            text = DECISIONS[decision].rstrip(".").capitalize()
        day = fmt_date(case.get(contract.TANGGAL_PUTUSAN_KEBERATAN))
        return f"{text} ({day})" if day else text
    if case.get(contract.KEBERATAN_TIDAK_DITANGGAPI):
        return "Tidak ditanggapi dalam 30 hari kerja"
    return ""


def follow_up_deadline(case) -> str:
    """'10 hari kerja sejak putusan (paling lambat Kamis, 10 Desember 2026)' for a granted objection."""
    days = stringify(case.get(contract.BATAS_HARI_KERJA_TINDAK_LANJUT)).strip()
    if not days:
        return ""
    text = f"{days} hari kerja sejak putusan"
    day = fmt_date(case.get(contract.BATAS_TINDAK_LANJUT_KEBERATAN))
    return f"{text} (paling lambat {day})" if day else text
