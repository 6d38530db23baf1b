"""The registers UU 14/2008 requires: the request register and the objection register.

Rows come from each case's data (the keys below, set by the forms and scripts of the process;
see docs/PROCESS_CONVENTIONS.md) and from its audit events (when a key was set). Every key
may be missing: the cell is then empty. A case is an information request when its data has
`rincian_informasi`; it is in the objection register when its data has `nomor_keberatan`.
Choice values are shown with the titles their form gives them (`oneOf` const/title).

Request register (register permohonan):
| column | key |
|---|---|
| Nomor pendaftaran | `nomor_pendaftaran` (else the case's registration number) |
| Kanal | `kanal_permohonan`: online, at the counter, by phone or by letter (a case from before the key: online) |
| Tanggal permohonan | `tanggal_diterima` (else the case's creation time), WIB date |
| Nama pemohon | `nama_lengkap` (else the case's applicant name) |
| Alamat | `alamat` |
| Kontak | `telepon` and `email` (art. 22(2): the applicant's address and contact) |
| Informasi yang diminta | `rincian_informasi` |
| Tujuan penggunaan | `tujuan_penggunaan` |
| Informasi dikuasai | `informasi_dikuasai` (ya/tidak); "Tidak" when `keputusan` is `tidak_dikuasai` or the status is Informasi Tidak Dikuasai |
| Bentuk informasi | `cara_memperoleh` |
| Keputusan | `keputusan` |
| Alasan penolakan | `dasar_penolakan` (Pasal 17 letters, several at once, each shown with `art17_label`) |
| Tanggal pemberitahuan tertulis | time of the task completion that last set `keputusan` |
| Cara penyampaian | `cara_penyerahan` (how the information was delivered) |
| Tanggal penyampaian | `tanggal_penyerahan` |
| OPD | the case's OPD (`opd`) |
| Status | `status`; a dispute filed with the Komisi Informasi (`status_sengketa` "Sengketa Diajukan") reads "Sengketa di Komisi Informasi", never "Selesai" |

Objection register (register keberatan):
| column | key |
|---|---|
| Nomor keberatan | `nomor_keberatan` |
| Tanggal keberatan | `tanggal_keberatan` (else the time `nomor_keberatan` was set), WIB date |
| Pemohon | `nama_lengkap`; `nama_kuasa` when filed by a proxy |
| Nomor pendaftaran | `nomor_pendaftaran` |
| Alasan keberatan | `alasan_keberatan` (Pasal 35 ayat (1) letters, several at once, each shown with `art35_label`) |
| Keputusan | `keputusan_keberatan`; "Tidak ditanggapi" when the Atasan let the 30 working days pass without one (`keberatan_tidak_ditanggapi`) |
| Tanggal putusan | time of the task completion that set `keputusan_keberatan` |
| Tindak lanjut | `tindak_lanjut_keberatan` (what a granted objection obliges the PPID to give or do) |
| Batas pelaksanaan | `batas_tindak_lanjut_keberatan` (set by the process from the working days given), WIB date |
| Nama atasan PPID | `nama_atasan` |
| Jabatan atasan PPID | `jabatan_atasan` |
| Status keberatan | `status_keberatan` |
| OPD | the case's OPD |

No NIK, deed number or identity scan is ever read into a register.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from app.domain import data_contract as contract
from app.domain import statuses
from app.domain.timeutil import parse_iso, to_wib
from app.engine import ProcessDefinition
from app.persistence.models import AuditEvent, Opd, ProcessInstance, ProcessVersion, db

from app.services.casework.counter import channel_label
from app.services.records.exports import safe_cell, safe_sheet_row
from app.services.modelling.versions import definition_for

REQUEST_MARKER = contract.REQUEST_MARKER
OBJECTION_MARKER = contract.OBJECTION_MARKER
NOT_HELD_VALUE = "tidak_dikuasai"


@dataclass(frozen=True)
class RequestRow:
    nomor_pendaftaran: str
    kanal: str
    tanggal_permohonan: date | None
    nama_pemohon: str
    alamat: str
    kontak: str
    informasi_diminta: str
    tujuan_penggunaan: str
    informasi_dikuasai: str
    bentuk_informasi: str
    keputusan: str
    alasan_penolakan: str
    tanggal_pemberitahuan: date | None
    cara_penyampaian: str
    tanggal_penyampaian: date | None
    opd: str
    status: str


@dataclass(frozen=True)
class ObjectionRow:
    nomor_keberatan: str
    tanggal_keberatan: date | None
    pemohon: str
    nomor_pendaftaran: str
    alasan_keberatan: str
    keputusan: str
    tanggal_putusan: date | None
    tindak_lanjut: str
    batas_pelaksanaan: date | None
    nama_atasan: str
    jabatan_atasan: str
    status_keberatan: str
    opd: str


HEADINGS = {
    "nomor_pendaftaran": "Nomor Pendaftaran", "kanal": "Kanal", "tanggal_permohonan": "Tanggal Permohonan",
    "nama_pemohon": "Nama Pemohon", "alamat": "Alamat", "kontak": "Kontak",
    "informasi_diminta": "Informasi yang Diminta", "cara_penyampaian": "Cara Penyampaian",
    "tanggal_penyampaian": "Tanggal Penyampaian",
    "tujuan_penggunaan": "Tujuan Penggunaan", "informasi_dikuasai": "Informasi Dikuasai",
    "bentuk_informasi": "Bentuk Informasi", "keputusan": "Keputusan", "alasan_penolakan": "Alasan Penolakan",
    "tanggal_pemberitahuan": "Tanggal Pemberitahuan Tertulis", "opd": "OPD", "status": "Status",
    "nomor_keberatan": "Nomor Keberatan", "tanggal_keberatan": "Tanggal Keberatan", "pemohon": "Pemohon",
    "alasan_keberatan": "Alasan Keberatan", "tanggal_putusan": "Tanggal Putusan",
    "tindak_lanjut": "Tindak Lanjut Putusan", "batas_pelaksanaan": "Batas Pelaksanaan Putusan",
    "nama_atasan": "Nama Atasan PPID", "jabatan_atasan": "Jabatan Atasan PPID", "status_keberatan": "Status Keberatan",
}


# -- reading cases -----------------------------------------------------------------------------

_labels: dict[str, dict[str, dict[str, str]]] = {}


def choice_labels(version: ProcessVersion | ProcessDefinition) -> dict[str, dict[str, str]]:
    """{field: {value: title}} from every form of a version (cached by content hash)."""
    found = _labels.get(version.content_hash)
    if found is None:
        found = {}
        for schema in (version.forms or {}).values():
            for name, prop in ((schema or {}).get("properties") or {}).items():
                for option in (prop or {}).get("oneOf") or ():
                    if isinstance(option, dict) and "const" in option:
                        found.setdefault(name, {})[str(option["const"])] = str(option.get("title") or option["const"])
        _labels[version.content_hash] = found
    return found


def label(labels: dict, key: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    return labels.get(key, {}).get(str(value), str(value))


def text(data: dict, key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def wib_day(value: Any) -> date | None:
    """The WIB date of an ISO text or an aware datetime; None when missing or unreadable."""
    if isinstance(value, datetime):
        return to_wib(value).date()
    if isinstance(value, str) and value:
        try:
            return to_wib(parse_iso(value)).date()
        except ValueError:
            return None
    return None


def times_set(instance_id: int, keys: tuple[str, ...]) -> dict[str, datetime]:
    """When each key was last changed by a task completion (or a timer), from the audit events."""
    found: dict[str, datetime] = {}
    events = db.session.execute(db.select(AuditEvent.at, AuditEvent.payload).filter(
        AuditEvent.instance_id == instance_id, AuditEvent.event_type.in_(("task_completed", "timer_fired")))
        .order_by(AuditEvent.seq))
    for at, payload in events:
        if not any(f'"{key}"' in payload for key in keys):
            continue
        changes = json.loads(payload).get("changes") or {}
        for key in keys:
            if key in changes:
                found[key] = at
    return found


def marked_cases(marker: str, opd: str | None):
    """(case, its data) of every case whose data holds `marker` (of one OPD when given), oldest first."""
    query = db.select(ProcessInstance).order_by(ProcessInstance.id)
    if opd:
        query = query.where(ProcessInstance.opd_code == opd)
    for instance in db.session.scalars(query):
        data = instance.case_data or {}
        if marker in data:
            yield instance, data


def _in_period(day: date | None, first: date | None, last: date | None) -> bool:
    if first is None and last is None:
        return True
    return day is not None and (first is None or day >= first) and (last is None or day <= last)


def _art(letter: Any, labeller) -> str:
    """The label of a letter of the law, or of each of several ("a; g")."""
    if isinstance(letter, list):
        return "; ".join(_art(one, labeller) for one in letter if one)
    if not isinstance(letter, str) or not letter:
        return ""
    try:
        return labeller(letter)
    except KeyError:
        return letter


def held(data: dict, labels: dict) -> str:
    value = data.get(contract.INFORMASI_DIKUASAI)
    if (data.get(contract.KEPUTUSAN) == NOT_HELD_VALUE
            or data.get(contract.STATUS) == statuses.INFORMASI_TIDAK_DIKUASAI):
        return "Tidak"
    if value in (None, ""):
        return ""
    return {"ya": "Ya", "tidak": "Tidak"}.get(str(value), label(labels, contract.INFORMASI_DIKUASAI, value))


# -- the registers -----------------------------------------------------------------------------


def request_row(instance: ProcessInstance, data: dict) -> RequestRow:
    labels = choice_labels(definition_for(instance))
    notice = (times_set(instance.id, (contract.KEPUTUSAN,)).get(contract.KEPUTUSAN) if data.get(contract.KEPUTUSAN)
              else None)
    return RequestRow(
        nomor_pendaftaran=text(data, contract.NOMOR_PENDAFTARAN) or instance.registration_number,
        kanal=channel_label(data.get(contract.KANAL_PERMOHONAN)),
        tanggal_permohonan=wib_day(data.get(contract.TANGGAL_DITERIMA)) or wib_day(instance.created_at),
        nama_pemohon=text(data, contract.NAMA_LENGKAP) or instance.applicant_name or "",
        alamat=text(data, contract.ALAMAT),
        kontak=" / ".join(v for v in (text(data, contract.TELEPON), text(data, contract.EMAIL)) if v),
        informasi_diminta=text(data, contract.RINCIAN_INFORMASI),
        tujuan_penggunaan=text(data, contract.TUJUAN_PENGGUNAAN),
        informasi_dikuasai=held(data, labels),
        bentuk_informasi=label(labels, contract.CARA_MEMPEROLEH, data.get(contract.CARA_MEMPEROLEH)),
        keputusan=label(labels, contract.KEPUTUSAN, data.get(contract.KEPUTUSAN)),
        alasan_penolakan=_art(data.get(contract.DASAR_PENOLAKAN), statuses.art17_label),
        tanggal_pemberitahuan=wib_day(notice),
        cara_penyampaian=label(labels, contract.CARA_PENYERAHAN, data.get(contract.CARA_PENYERAHAN)),
        tanggal_penyampaian=wib_day(data.get(contract.TANGGAL_PENYERAHAN)),
        opd=_opd_name(instance.opd_code),
        status=(statuses.SENGKETA if data.get(contract.STATUS_SENGKETA) == "Sengketa Diajukan"
                else text(data, contract.STATUS)),
    )


def _opd_name(code: str | None) -> str:
    """The register names the OPD (a reader does not know the codes)."""
    if not code:
        return ""
    opd = db.session.get(Opd, code)
    return opd.name if opd else code


def request_register(first: date | None = None, last: date | None = None, opd: str | None = None) -> list[RequestRow]:
    """The request register: one row per request received in the period (WIB dates, both included)."""
    rows = []
    for instance, data in marked_cases(REQUEST_MARKER, opd):
        received = wib_day(data.get(contract.TANGGAL_DITERIMA)) or wib_day(instance.created_at)
        if _in_period(received, first, last):
            rows.append(request_row(instance, data))
    return rows


def objection_row(instance: ProcessInstance, data: dict) -> ObjectionRow:
    labels = choice_labels(definition_for(instance))
    times = times_set(instance.id, (contract.NOMOR_KEBERATAN, contract.KEPUTUSAN_KEBERATAN))
    filer = text(data, contract.NAMA_LENGKAP) or instance.applicant_name or ""
    if data.get(contract.NAMA_KUASA):
        filer = f"{filer} (kuasa: {data[contract.NAMA_KUASA]})"
    return ObjectionRow(
        nomor_keberatan=text(data, contract.NOMOR_KEBERATAN),
        tanggal_keberatan=wib_day(data.get(contract.TANGGAL_KEBERATAN)) or wib_day(times.get(contract.NOMOR_KEBERATAN)),
        pemohon=filer,
        nomor_pendaftaran=text(data, contract.NOMOR_PENDAFTARAN) or instance.registration_number,
        alasan_keberatan=_art(data.get(contract.ALASAN_KEBERATAN), statuses.art35_label),
        keputusan=label(labels, contract.KEPUTUSAN_KEBERATAN, data.get(contract.KEPUTUSAN_KEBERATAN))
        or ("Tidak ditanggapi" if data.get(contract.KEBERATAN_TIDAK_DITANGGAPI) else ""),
        tanggal_putusan=(wib_day(times.get(contract.KEPUTUSAN_KEBERATAN)) if data.get(contract.KEPUTUSAN_KEBERATAN)
                         else None),
        tindak_lanjut=text(data, contract.TINDAK_LANJUT_KEBERATAN),
        batas_pelaksanaan=wib_day(data.get(contract.BATAS_TINDAK_LANJUT_KEBERATAN)),
        nama_atasan=text(data, contract.NAMA_ATASAN),
        jabatan_atasan=text(data, contract.JABATAN_ATASAN),
        status_keberatan=text(data, contract.STATUS_KEBERATAN),
        opd=_opd_name(instance.opd_code),
    )


def objection_register(first: date | None = None, last: date | None = None,
                       opd: str | None = None) -> list[ObjectionRow]:
    """The objection register: one row per objection filed in the period (WIB dates, both included)."""
    rows = []
    for instance, data in marked_cases(OBJECTION_MARKER, opd):
        row = objection_row(instance, data)
        if _in_period(row.tanggal_keberatan, first, last):
            rows.append(row)
    return rows


# -- files ------------------------------------------------------------------------------------


def _columns(rows: list, kind: str) -> list[str]:
    cls = type(rows[0]) if rows else (ObjectionRow if kind == "keberatan" else RequestRow)
    return [f.name for f in fields(cls)]


def to_csv(rows: list, kind: str = "permohonan") -> str:
    """The register as CSV text (dates as YYYY-MM-DD)."""
    columns = _columns(rows, kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF: a CR inside a text cell is quoted, not a new row
    writer.writerow([HEADINGS[c] for c in columns])
    for row in rows:
        writer.writerow([_cell(safe_cell(getattr(row, c))) for c in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def to_xlsx(rows: list, kind: str = "permohonan") -> bytes:
    """The register as an Excel workbook (one sheet, dates as date cells)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = _columns(rows, kind)
    book = Workbook()
    sheet = book.active
    sheet.title = f"Register {kind}"[:31]
    safe_sheet_row(sheet, [HEADINGS[c] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        safe_sheet_row(sheet, [getattr(row, c) if getattr(row, c) is not None else "" for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.startswith("tanggal"):
            for cell in sheet[letter][1:]:
                cell.number_format = "DD/MM/YYYY"
        width = max([len(HEADINGS[column])] + [len(_cell(getattr(r, column))) for r in rows[:200]])
        sheet.column_dimensions[letter].width = min(max(12, width + 2), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
