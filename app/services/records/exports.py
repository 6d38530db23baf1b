"""Event-log exports of every case's history: XES (IEEE 1849-2016) for process mining, and CSV.

One exported event per task completion (`task_completed` audit events) and one per timer that
fired. A fired timer is a step of an event's payload that was a waiting timer just before it
(listed in the previous event's `timers`), or, failing that record, a step whose name is in
the event's `timers_cleared` and which is an event. Claims and the `case_started` event (always
followed by the completion of the start form) are not exported. Nothing here knows a process or
task by name: names come from the audit events.

No personal data: no form data at all, and the applicant's own steps show the role
("Pemohon"), never the applicant's name. Officers are named (they act in office).
Each case carries the hash of its last audit event (as `audit.final_hash` gives it), so an exported
history can later be proved against the stored chain (`ppid audit verify` / `hash`).

Filters: the period is on the event's date in WIB (both ends included); the OPD is the
case's current `opd_code`.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

from app.domain.timeutil import to_wib
from app.persistence.models import AuditEvent, ProcessInstance, db


XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
)
APPLICANT_ROLE = "pemohon"
APPLICANT_LABEL = "Pemohon"
#: what a spreadsheet reads as the start of a formula (OWASP "CSV injection"), fullwidth forms included
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: a bare dash (no figure) or a plain signed number: harmless, left as it is
_PLAIN_NUMBER = re.compile(r"-|[-+]?\d+(?:\.\d+)?%?")
CSV_COLUMNS = ("case", "process", "seq", "event", "event_type", "timestamp_wib", "resource", "role", "lane", "opd",
               "case_final_hash")


@dataclass(frozen=True)
class LogEvent:
    seq: int
    name: str
    event_type: str
    at: datetime
    resource: str
    role: str
    lane: str | None


@dataclass(frozen=True)
class LogCase:
    registration_number: str
    process_id: str
    opd_code: str | None
    final_hash: str | None
    events: list[LogEvent]


def _fired_timers(payload: dict, waiting_before: set[str]) -> list[dict]:
    cleared = set(payload.get("timers_cleared") or ())
    return [s for s in payload.get("steps") or ()
            if s.get("id") in waiting_before or (s.get("name") in cleared and str(s.get("kind", "")).endswith("Event"))]


def _resource(event: AuditEvent) -> str:
    return APPLICANT_LABEL if event.actor_role == APPLICANT_ROLE else (event.actor_name or "")


def _case_events(events: list[AuditEvent], first: date | None, last: date | None) -> list[LogEvent]:
    out, waiting = [], set()
    for event in events:
        payload = json.loads(event.payload)
        items: list[LogEvent] = []
        if event.event_type == "task_completed":
            items.append(LogEvent(event.seq, event.task_name or event.task_spec_id or event.event_type,
                                  event.event_type, event.at, _resource(event), event.actor_role or "", event.lane))
        if event.event_type in ("task_completed", "timer_fired"):
            for step in _fired_timers(payload, waiting):
                items.append(LogEvent(event.seq, step.get("name") or step.get("id") or event.event_type,
                                      "timer_fired", event.at, _resource(event), event.actor_role or "",
                                      step.get("lane")))
        if "timers" in payload:
            waiting = {t.get("spec_id") for t in payload["timers"]}
        day = to_wib(event.at).date()
        if (first is None or day >= first) and (last is None or day <= last):
            out += items
    return out


def iter_cases(first: date | None = None, last: date | None = None, opd: str | None = None) -> Iterator[LogCase]:
    """Every case (oldest first) with its exportable events in the period; cases without any are left out."""
    query = db.select(ProcessInstance.id, ProcessInstance.registration_number, ProcessInstance.process_id,
                      ProcessInstance.opd_code).order_by(ProcessInstance.id)
    if opd:
        query = query.where(ProcessInstance.opd_code == opd)
    for instance_id, number, process_id, opd_code in db.session.execute(query).all():
        events = list(db.session.scalars(db.select(AuditEvent).filter_by(instance_id=instance_id)
                                         .order_by(AuditEvent.seq)))
        exported = _case_events(events, first, last)
        if exported:
            yield LogCase(number, process_id, opd_code, events[-1].hash, exported)


def _xes_time(value: datetime) -> str:
    local = to_wib(value)
    return local.isoformat(timespec="milliseconds")


def _attr(parent, kind: str, key: str, value) -> None:
    etree.SubElement(parent, kind, key=key, value=str(value))


def export_xes(out, first: date | None = None, last: date | None = None, opd: str | None = None) -> tuple[int, int]:
    """Write the XES log to the binary file `out`; returns (traces, events)."""
    traces = events = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("log", {"xes.version": "1849-2016", "xes.features": "nested-attributes"}, nsmap={None: XES_NS}):
            for name, prefix, uri in EXTENSIONS:
                xf.write(etree.Element("extension", name=name, prefix=prefix, uri=uri))
            trace_global = etree.Element("global", scope="trace")
            _attr(trace_global, "string", "concept:name", "__INVALID__")
            xf.write(trace_global)
            event_global = etree.Element("global", scope="event")
            _attr(event_global, "string", "concept:name", "__INVALID__")
            _attr(event_global, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
            _attr(event_global, "string", "lifecycle:transition", "complete")
            xf.write(event_global)
            xf.write(etree.Element("classifier", name="Activity", keys="concept:name"))
            xf.write(etree.Element("classifier", name="Resource", keys="org:resource"))
            log_name = etree.Element("string", key="concept:name", value="PPID Kabupaten Pasuruan")
            xf.write(log_name)
            for case in iter_cases(first, last, opd):
                trace = etree.Element("trace")
                _attr(trace, "string", "concept:name", case.registration_number)
                _attr(trace, "string", "ppid:process", case.process_id)
                _attr(trace, "string", "ppid:opd", case.opd_code or "")
                _attr(trace, "string", "ppid:final_hash", case.final_hash or "")
                for item in case.events:
                    event = etree.SubElement(trace, "event")
                    _attr(event, "string", "concept:name", item.name)
                    _attr(event, "date", "time:timestamp", _xes_time(item.at))
                    _attr(event, "string", "org:resource", item.resource)
                    _attr(event, "string", "org:role", item.role)
                    _attr(event, "string", "lifecycle:transition", "complete")
                    _attr(event, "string", "ppid:event", item.event_type)
                    _attr(event, "int", "ppid:seq", item.seq)
                    if item.lane:
                        _attr(event, "string", "ppid:lane", item.lane)
                    events += 1
                xf.write(trace)
                traces += 1
    return traces, events


def xes_bytes(first: date | None = None, last: date | None = None, opd: str | None = None) -> bytes:
    buffer = io.BytesIO()
    export_xes(buffer, first, last, opd)
    return buffer.getvalue()


def safe_cell(value: Any) -> Any:
    """A cell value no spreadsheet runs as a formula: text starting like one gets a leading quote.

    Numbers, dates and other typed values stay as they are (a negative number is a number).
    Every CSV and XLSX writer passes its cells through here (ASVS 5.3.10).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]


def safe_sheet_row(sheet, values) -> None:
    """Append a row to an openpyxl sheet with every text cell stored as a string, never a formula."""
    sheet.append(safe_row(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def export_csv(out, first: date | None = None, last: date | None = None, opd: str | None = None) -> tuple[int, int]:
    """Write the event log as CSV to the text file `out`; returns (cases, events)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    cases = events = 0
    for case in iter_cases(first, last, opd):
        cases += 1
        for item in case.events:
            writer.writerow(safe_row((case.registration_number, case.process_id, item.seq, item.name,
                                      item.event_type, to_wib(item.at).strftime("%Y-%m-%d %H:%M:%S"), item.resource,
                                      item.role, item.lane or "", case.opd_code or "", case.final_hash or "")))
            events += 1
    return cases, events


def csv_text(first: date | None = None, last: date | None = None, opd: str | None = None) -> str:
    buffer = io.StringIO()
    export_csv(buffer, first, last, opd)
    return buffer.getvalue()

