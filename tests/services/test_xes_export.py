"""The event-log exports of the mixed cases: XES read back with pm4py, CSV, filters, no personal data."""
import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.timeutil import to_wib
from app.persistence.models import AuditEvent, ProcessInstance, db
from app.services.records.audit import final_hash
from app.services.records.exports import CSV_COLUMNS, csv_text, xes_bytes

from tests.services.case_mix import MIX_SIZE, mixed_cases  # noqa: F401  (fixture)

pm4py = pytest.importorskip("pm4py")
TIMER_KINDS = ("BoundaryEvent", "IntermediateCatchEvent")


def _expected(first: date | None = None, last: date | None = None, opd: str | None = None) -> dict[str, int]:
    """Events per case, counted straight from the audit events: each task completion, and each timer
    event among the steps of a timer_fired event."""
    out: dict[str, int] = {}
    cases = db.session.scalars(db.select(ProcessInstance).order_by(ProcessInstance.id))
    for case in cases:
        if opd and case.opd_code != opd:
            continue
        count = 0
        for event in db.session.scalars(db.select(AuditEvent).filter_by(instance_id=case.id)):
            day = to_wib(event.at).date()
            if (first and day < first) or (last and day > last):
                continue
            if event.event_type == "task_completed":
                count += 1
            elif event.event_type == "timer_fired":
                count += sum(s["kind"] in TIMER_KINDS for s in json.loads(event.payload)["steps"])
        if count:
            out[case.registration_number] = count
    return out


def test_xes_reads_back_with_pm4py(mixed_cases, tmp_path):
    out = tmp_path / "log.xes"
    result = CliRunner().invoke(ppid, ["export", "xes", "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = _expected()
    assert len(expected) == MIX_SIZE
    assert f"{MIX_SIZE} case(s), {sum(expected.values())} event(s)" in result.output

    log = pm4py.read_xes(str(out))
    assert log["case:concept:name"].nunique() == MIX_SIZE
    assert len(log) == sum(expected.values())
    assert log.groupby("case:concept:name").size().to_dict() == expected
    assert set(log["lifecycle:transition"]) == {"complete"}
    assert {"diskominfo", "opd", "pemohon", "atasan_ppid", "sistem"} <= set(log["org:role"])
    assert log["time:timestamp"].dt.tz is not None  # the offsets were read
    timers = log[log["ppid:event"] == "timer_fired"]
    assert len(timers) > 0 and set(timers["org:resource"]) == {"Sistem (pengatur waktu)"}
    assert "Batas 10 hari kerja" in set(timers["concept:name"])
    first = log[log["case:concept:name"] == mixed_cases[0].registration_number]
    assert first["concept:name"].iloc[0] == "Ajukan permohonan informasi"
    reg = mixed_cases[0].registration_number
    case = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))
    assert set(first["case:ppid:final_hash"]) == {final_hash(case.id)}
    assert set(first["case:ppid:process"]) == {"permohonan_informasi"}

    text = out.read_text(encoding="utf-8")
    assert 'xes.version="1849-2016"' in text and 'prefix="lifecycle"' in text and "+07:00" in text
    assert "Pemohon Uji" not in text and "35140123" not in text and "Siti Aminah" not in text  # no personal data
    assert set(log.loc[log["org:role"] == "pemohon", "org:resource"]) == {"Pemohon"}


def test_filters_by_period_and_opd(mixed_cases, tmp_path):
    first, last = date(2026, 3, 1), date(2026, 5, 31)
    expected = _expected(first, last, "DISDIK")
    assert expected and len(expected) < MIX_SIZE
    path = tmp_path / "filtered.xes"
    path.write_bytes(xes_bytes(first, last, "DISDIK"))
    log = pm4py.read_xes(str(path))
    assert log.groupby("case:concept:name").size().to_dict() == expected
    days = log["time:timestamp"].dt.tz_convert("Asia/Jakarta").dt.date
    assert days.min() >= first and days.max() <= last


def test_csv_export(mixed_cases, tmp_path):
    out = tmp_path / "log.csv"
    result = CliRunner().invoke(ppid, ["export", "csv", "--out", str(out), "--opd", "DINKES",
                                       "--from", "2026-01-01", "--to", "2026-12-31"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    expected = _expected(date(2026, 1, 1), date(2026, 12, 31), "DINKES")
    assert len(rows) == sum(expected.values())
    assert tuple(rows[0]) == CSV_COLUMNS and {r["opd"] for r in rows} == {"DINKES"}
    assert rows[0]["timestamp_wib"][4] == "-" and rows[0]["case_final_hash"]
    assert "35140123" not in out.read_text(encoding="utf-8-sig")
    assert csv_text().count("\n") - 1 == sum(_expected().values())

