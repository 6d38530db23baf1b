"""A deterministic mix of cases covering every path of the request procedure.

The recipes follow tests/services/test_request_paths.py. Cases start spread over a period;
their actions run on one timeline (time moved with time_machine), and every move fires the
timers that fell due, for all cases, as the timer worker would. Some cases are left part-way
(their timers go on firing), some tasks are claimed and released before they are done.
"""
from __future__ import annotations

import heapq
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.persistence.models import ProcessInstance, TimerJob, db
from app.services.casework.tasks import claim_task, unclaim_task
from app.services.casework.timers import fire_due_timers

from tests.support import OBJECTION_REFUSED, REFUSAL, Driver, actor, now, wib

TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
PART = {"keputusan": "diterima_sebagian", "bagian_dihitamkan": "NIK penerima", "jangka_waktu_pengecualian": "selamanya",
        "dasar_penolakan": ["h"], "uji_konsekuensi": "Data pribadi"}
EXTEND = {"keputusan": "perpanjang", "alasan_perpanjangan": "Data di arsip"}
NOT_HELD = {"keputusan": "tidak_dikuasai", "badan_publik_lain": "BPS Kab. Pasuruan"}
#: the OPD's answer a "not held" notice must agree with
OPD_NOT_HELD = {"informasi_dikuasai": "tidak", "usulan_keputusan": "tidak_dikuasai"}
INCOMPLETE = {"kelengkapan": "tidak_lengkap", "catatan_kelengkapan": "KTP buram"}


def do(spec_id: str, **data):
    return ("do", spec_id, data)


def wait(timer_id: str):
    return ("wait", timer_id, None)


NO_OBJECTION = {"ajukan_keberatan": "tidak"}
NOTICE, FINAL, OBJECT, DECIDE = ("Activity_TerbitkanPemberitahuan", "Activity_TerbitkanPemberitahuanAkhir",
                                 "Activity_AjukanKeberatan", "Activity_PutuskanKeberatan")
DELIVER, EXECUTE, DISPUTE = "Activity_SerahkanInformasi", "Activity_LaksanakanPutusan", "Activity_AjukanSengketa"
ANSWER_EXT = "Activity_LengkapiJawabanPerpanjangan"

#: every path of the procedure: name -> actions (do a task, or wait until a timer has fired)
RECIPES: dict[str, tuple] = {
    "granted_full": (*map(do, TO_NOTICE), do(NOTICE), do(DELIVER), do(OBJECT, **NO_OBJECTION)),
    "granted_part_no_objection": (*map(do, TO_NOTICE), do(NOTICE, **PART), do(DELIVER),
                                  do(OBJECT, ajukan_keberatan="tidak")),
    "granted_part_objection_granted": (*map(do, TO_NOTICE), do(NOTICE, **PART), do(DELIVER),
                                       do(OBJECT, alasan_keberatan=["d"]), do(DECIDE), do(EXECUTE)),
    "not_held": (*map(do, TO_NOTICE[:2]), do(TO_NOTICE[2], **OPD_NOT_HELD), do(NOTICE, **NOT_HELD),
                 do(OBJECT, **NO_OBJECTION)),
    "incomplete_then_completed": (do(TO_NOTICE[0], **INCOMPLETE), do("Activity_LengkapiPermohonan"),
                                  *map(do, TO_NOTICE), do(NOTICE), do(DELIVER), do(OBJECT, **NO_OBJECTION)),
    "incomplete_lapsed": (do(TO_NOTICE[0], **INCOMPLETE), wait("Timer_BatasMelengkapi3HK")),
    "refused_objection_granted": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT), do(DECIDE), do(EXECUTE)),
    "refused_objection_rejected_dispute": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT),
                                           do(DECIDE, **OBJECTION_REFUSED), do(DISPUTE)),
    "refused_objection_rejected_no_dispute": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT),
                                              do(DECIDE, **OBJECTION_REFUSED),
                                              do(DISPUTE, ajukan_sengketa="tidak")),
    "refused_objection_rejected_dispute_lapsed": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT),
                                                  do(DECIDE, **OBJECTION_REFUSED),
                                                  wait("Timer_JangkaSengketa14HK")),
    "refused_objection_undecided_dispute": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT),
                                            wait("Timer_BatasPutusan30HK"), do(DISPUTE)),
    "refused_no_objection": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), do(OBJECT, ajukan_keberatan="tidak")),
    "refused_objection_period_lapsed": (*map(do, TO_NOTICE), do(NOTICE, **REFUSAL), wait("Timer_JangkaKeberatan30HK")),
    "opd_silent_overdue_objection": (*map(do, TO_NOTICE[:2]), wait("Timer_Target4HK"), wait("Timer_Batas10HK"),
                                     do(OBJECT, alasan_keberatan=["g"], uraian_keberatan="Tidak dijawab"), do(DECIDE),
                                     do(EXECUTE), do(TO_NOTICE[2]), do(NOTICE), do(DELIVER)),
    "late_but_answered": (*map(do, TO_NOTICE[:2]), wait("Timer_Target4HK"), do(TO_NOTICE[2]), do(NOTICE),
                          do(DELIVER), do(OBJECT, **NO_OBJECTION)),
    "extension_granted": (*map(do, TO_NOTICE), do(NOTICE, **EXTEND), do(ANSWER_EXT), do(FINAL), do(DELIVER),
                          do(OBJECT, **NO_OBJECTION)),
    "extension_refused_objection_rejected": (*map(do, TO_NOTICE), do(NOTICE, **EXTEND), do(ANSWER_EXT),
                                             do(FINAL, **REFUSAL), do(OBJECT),
                                             do(DECIDE, **OBJECTION_REFUSED),
                                             do(DISPUTE, ajukan_sengketa="tidak")),
    "extension_not_held": (*map(do, TO_NOTICE), do(NOTICE, **EXTEND), do(ANSWER_EXT, **OPD_NOT_HELD),
                           do(FINAL, **NOT_HELD), do(OBJECT, **NO_OBJECTION)),
    "extension_lapsed_objection_undecided": (*map(do, TO_NOTICE), do(NOTICE, **EXTEND), wait("Timer_Batas17HK"),
                                             do(OBJECT, alasan_keberatan=["g"]), wait("Timer_BatasPutusan30HK"),
                                             do(DISPUTE), do(ANSWER_EXT), do(FINAL), do(DELIVER),
                                             do(DECIDE, **OBJECTION_REFUSED)),
}
OPDS = ("DISDIK", "DINKES")


@dataclass
class MixedCase:
    index: int
    recipe: str
    actions: tuple
    registration_number: str | None = None
    done: int = 0


def _sweep() -> None:
    while fire_due_timers(now()).cases:
        pass


def _timer_due(reg: str, timer_id: str) -> datetime:
    due = db.session.scalar(db.select(TimerJob.due_at).join(ProcessInstance).filter(
        ProcessInstance.registration_number == reg, TimerJob.spec_id == timer_id))
    assert due is not None, f"{reg}: timer {timer_id} is not waiting"
    return due


def generate(drive: Driver, count: int, first: datetime = wib(2026, 1, 5, 8), days: int = 300,
             gap: timedelta = timedelta(hours=1)) -> list[MixedCase]:
    """Run `count` cases on one timeline: the recipes in turn, the first round in full; after it,
    every 9th case and the last two stop half-way."""
    names = list(RECIPES)
    cases = []
    for i in range(count):
        actions = RECIPES[names[i % len(names)]]
        if i >= len(names) and (i % 9 == 8 or i >= count - 2):  # the last ones stay open at the end
            actions = actions[: max(1, len(actions) // 2)]
        cases.append(MixedCase(i, names[i % len(names)], actions))
    step = timedelta(minutes=days * 24 * 60 / max(count, 1))
    queue = [(first + i * step, i) for i in range(count)]
    heapq.heapify(queue)
    clock = first
    while queue:
        when, i = heapq.heappop(queue)
        if when > clock:
            clock = when
            drive.traveller.move_to(clock)
            _sweep()
        case = cases[i]
        if case.registration_number is None:
            case.registration_number = drive.start(nama_lengkap=f"Pemohon Uji {i:04d}", nik=f"35140123{i:08d}")
            heapq.heappush(queue, (clock + gap, i))
            continue
        if case.done >= len(case.actions):
            continue  # the last action was a wait: moving the clock fired the timer
        kind, target, data = case.actions[case.done]
        case.done += 1
        if kind == "do":
            _do(drive, case, target, data)
            nxt = clock + gap
        else:  # wait until the timer has fired
            nxt = _timer_due(case.registration_number, target) + timedelta(minutes=1)
        if case.done < len(case.actions) or kind == "wait":
            heapq.heappush(queue, (nxt, i))
    return cases


def _do(drive: Driver, case: MixedCase, spec_id: str, data: dict) -> None:
    reg = case.registration_number
    if spec_id == "Activity_TeruskanKeOPD":
        data = {"opd": OPDS[case.index % len(OPDS)], **data}
    if case.index % 5 == 1 and spec_id in ("Activity_PeriksaKelengkapan", "Activity_TerbitkanPemberitahuan"):
        row = drive.task(reg, spec_id)
        claim_task(actor("petugas"), row.task_id, now())
        if case.index % 10 == 1:
            unclaim_task(actor("petugas"), row.task_id, now())
    drive.do(reg, spec_id, **data)


# -- a fixture: the mix, generated once per session and restored for each test ------------------

FULL = os.environ.get("PPID_FULL_REPLAY") == "1"
#: 1,000 cases with PPID_FULL_REPLAY=1; by default 30: every path once in full, and more
MIX_SIZE = int(os.environ.get("PPID_MIX_SIZE", "1000" if FULL else "30"))
_cache: dict[int, tuple[dict, list[MixedCase]]] = {}


def snapshot_tables() -> dict:
    """Every row of every table (to put back later with restore_tables)."""
    return {t.name: [dict(r._mapping) for r in db.session.execute(t.select())] for t in db.metadata.sorted_tables}


def restore_tables(snapshot: dict) -> None:
    """Put every table back as in the snapshot (works on SQLite and PostgreSQL alike)."""
    tables = db.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(table.delete())
    for table in tables:
        rows = snapshot.get(table.name)
        if rows:
            db.session.execute(table.insert(), rows)
    if db.session.get_bind().dialect.name == "postgresql":
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement and snapshot.get(table.name):
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"))
    db.session.commit()


@pytest.fixture
def mixed_cases(app) -> list[MixedCase]:
    """The app's database holding MIX_SIZE mixed cases (time is not frozen inside the test)."""
    if MIX_SIZE in _cache:
        snapshot, cases = _cache[MIX_SIZE]
        restore_tables(snapshot)
        return cases
    with time_machine.travel(wib(2026, 1, 5, 8), tick=False) as traveller:
        cases = generate(Driver(traveller), MIX_SIZE)
    db.session.expire_all()
    _cache[MIX_SIZE] = (snapshot_tables(), cases)
    return cases
