"""Our own process on the bare engine, as several engine tests run it: its definition, a run's context (numbers
counted per run), and the answers that walk it from the request to the objection's decision."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from app.domain.calendar import WorkingCalendar
from app.engine import ProcessDefinition, RunContext, build_definition, form_reader

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)

#: request, check, dispatch, the OPD's answer, a refusal, the objection and its refusal
ANSWERS = {
    "Activity_AjukanPermohonan": {"nama_lengkap": "Siti", "status": "x"},
    "Activity_PeriksaKelengkapan": {"kelengkapan": "lengkap"},
    "Activity_TeruskanKeOPD": {"opd": "DISDIK"},
    "Activity_JawabPermohonan": {"informasi_dikuasai": "ya", "usulan_keputusan": "ditolak", "jawaban_opd": "x"},
    "Activity_TerbitkanPemberitahuan": {"keputusan": "ditolak"},
    "Activity_AjukanKeberatan": {"ajukan_keberatan": "ya", "alasan_keberatan": ["a"]},
    "Activity_PutuskanKeberatan": {"keputusan_keberatan": "ditolak"},
}


def our_definition() -> ProcessDefinition:
    return build_definition((ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes(), form_reader(ROOT / "forms"))


def context(now: datetime = START) -> RunContext:
    counter = iter(range(1, 1000))
    return RunContext(now=now, calendar=WorkingCalendar(), allocate_number=lambda kind: f"{kind}-{next(counter)}")
