"""The boundary to SP4N-LAPOR!, the national complaint system (the service card's "SPAN LAPOR").

A complaint that also lives in LAPOR! carries its tracking ID in the case data key
`nomor_lapor` (recorded by an officer in the complaint's forms). This module is the only
place that knows about LAPOR!: `LaporClient` is what the product needs from it, and
`ManualLaporExport`, the only implementation for now, makes no network call at all: it
produces the CSV of complaints an officer carries into LAPOR! by hand. A client for a real
LAPOR! API would implement the same two methods.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain import data_contract as contract
from app.domain.timeutil import parse_iso, to_wib
from app.persistence.models import Opd, ProcessInstance, db

from app.services.casework.cases import identity_secrets, scrub
from app.services.records.exports import safe_row
from app.services.modelling.versions import definition_for

#: the processes whose cases are complaints (the BPMN file names of processes/)
COMPLAINT_PROCESSES: tuple[str, ...] = ("pengaduan_layanan",)


@dataclass(frozen=True)
class Complaint:
    """One complaint as LAPOR! needs it: never the complainant's identity."""

    number: str
    received_at: datetime | None
    category: str
    description: str
    unit: str
    tracking_id: str
    status: str
    forward_by: datetime | None
    follow_up_by: datetime | None
    late: bool
    anonymous: bool


class LaporClient(Protocol):
    """What the product needs from SP4N-LAPOR!."""

    def submit(self, complaint: Complaint) -> str:
        """Hand a complaint over; returns its LAPOR! tracking ID ("" when not known yet)."""

    def status(self, tracking_id: str) -> str | None:
        """The complaint's status in LAPOR!, None when it cannot be read."""


class ManualLaporExport:
    """LAPOR! by hand: complaints are collected into a CSV an officer enters into LAPOR!.

    `submit` returns the tracking ID already recorded in the case ("" until the officer types
    the one LAPOR! gives into the case); `status` cannot read LAPOR! and returns None.
    """

    COLUMNS = ("Nomor pengaduan", "Tanggal (WIB)", "Kategori", "Uraian", "Unit tujuan", "Nomor LAPOR!",
               "Status", "Batas penerusan (WIB)", "Batas tindak lanjut (WIB)", "Terlambat")

    def __init__(self) -> None:
        self.complaints: list[Complaint] = []

    def submit(self, complaint: Complaint) -> str:
        self.complaints.append(complaint)
        return complaint.tracking_id

    def status(self, tracking_id: str) -> str | None:
        return None

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.COLUMNS)
        for c in self.complaints:
            writer.writerow(safe_row([c.number, _wib(c.received_at), c.category, c.description, c.unit,
                                      c.tracking_id, c.status, _wib(c.forward_by), _wib(c.follow_up_by),
                                      "ya" if c.late else "tidak"]))
        return out.getvalue()


def _wib(value: datetime | None) -> str:
    return to_wib(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _when(value) -> datetime | None:
    try:
        return parse_iso(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _choice_title(instance: ProcessInstance, field: str, value) -> str:
    """The title the version's forms give a choice (the value itself when none does)."""
    for schema in (definition_for(instance).forms or {}).values():
        prop = (schema.get("properties") or {}).get(field) if isinstance(schema, dict) else None
        for option in (prop or {}).get("oneOf", []):
            if option.get("const") == value and option.get("title"):
                return option["title"]
    return "" if value is None else str(value)


def complaint_of(instance: ProcessInstance, units: dict[str, str] | None = None) -> Complaint:
    """A complaint case as LAPOR! sees it; the description is scrubbed of identity when anonymous."""
    data = instance.case_data or {}
    anonymous = data.get(contract.ANONIM) is True
    description = str(data.get(contract.URAIAN_PENGADUAN) or "")
    if anonymous:
        description = scrub(description, identity_secrets(instance))
    code = data.get(contract.OPD) or ""
    units = units if units is not None else {o.code: o.name for o in db.session.scalars(db.select(Opd))}
    return Complaint(
        number=instance.registration_number,
        received_at=_when(data.get(contract.TANGGAL_PENGADUAN)) or instance.created_at,
        category=_choice_title(instance, contract.KATEGORI_PENGADUAN, data.get(contract.KATEGORI_PENGADUAN)),
        description=description, unit=units.get(code, code), tracking_id=str(data.get(contract.NOMOR_LAPOR) or ""),
        status=instance.status, forward_by=_when(data.get(contract.BATAS_PENERUSAN)),
        follow_up_by=_when(data.get(contract.BATAS_TINDAK_LANJUT)), late=instance.late, anonymous=anonymous,
    )


def complaints(include_finished: bool = False,
               process_ids: tuple[str, ...] = COMPLAINT_PROCESSES) -> list[Complaint]:
    """Complaint cases, oldest first; open ones only unless include_finished."""
    query = db.select(ProcessInstance).where(ProcessInstance.process_id.in_(process_ids)).order_by(ProcessInstance.id)
    if not include_finished:
        query = query.where(ProcessInstance.finished.is_(False))
    units = {o.code: o.name for o in db.session.scalars(db.select(Opd))}
    return [complaint_of(instance, units) for instance in db.session.scalars(query)]


def export_complaints(client: ManualLaporExport | None = None, include_finished: bool = False) -> str:
    """The CSV of (open) complaints for the officer who enters them into LAPOR!."""
    client = client or ManualLaporExport()
    for complaint in complaints(include_finished):
        client.submit(complaint)
    return client.csv()
