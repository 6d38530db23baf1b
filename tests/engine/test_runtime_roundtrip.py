"""The engine alone: every step survives save-and-reload, and reloaded runs behave the same."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from app.engine import Engine

from tests.engine.our_process import ANSWERS as BASE_ANSWERS, context, our_definition

ANSWERS = {
    **BASE_ANSWERS,
    "Activity_AjukanSengketa": {"ajukan_sengketa": "ya"},
    # the Komisi stage: a hearing (with its reminder timer, saved and reloaded), then the outcome and its order
    "Activity_CatatProsesKomisi": {"tahap_komisi": "jadwal", "jenis_jadwal": "mediasi", "tanggal_jadwal": "2026-04-20",
                                   "tempat_jadwal": "Surabaya"},
    "Activity_LaksanakanPutusanKomisi": {"tanggal_pelaksanaan_komisi": "2026-05-04", "catatan_pelaksanaan_komisi": "Diserahkan"},
}
#: the second time the Komisi task opens, its outcome is recorded
OUTCOME = {"tahap_komisi": "hasil", "jenis_hasil": "ajudikasi", "nomor_putusan_komisi": "1/KI/2026",
           "tanggal_putusan_komisi": "2026-04-27", "berkas_putusan_komisi": "lampiran:1",
           "amar_putusan_komisi": "informasi_diberikan", "batas_pelaksanaan_komisi": 5}


@pytest.fixture(scope="module")
def definition():
    return our_definition()


def test_every_step_survives_save_and_reload(definition):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        engine = Engine()
        run = engine.start(definition, context(start))
        walked = []
        while run.ready_tasks():
            task = run.ready_tasks()[0]
            answer = OUTCOME if task.spec_id in walked and task.spec_id == "Activity_CatatProsesKomisi" else ANSWERS[task.spec_id]
            run.complete(task.task_id, answer)
            walked.append(task.spec_id)
            state = run.dumps()
            reloaded = engine.open(definition, state, context(start))
            assert reloaded.dumps() == state
            assert reloaded.ready_tasks() == run.ready_tasks()
            assert reloaded.waiting_timers() == run.waiting_timers()
            run = reloaded
        assert run.finished
        assert walked == [*list(ANSWERS)[:-1], "Activity_CatatProsesKomisi", "Activity_LaksanakanPutusanKomisi"]


def test_a_reloaded_run_fires_its_timers_like_the_original(definition):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        engine = Engine()
        run = engine.start(definition, context(start))
        run.complete(run.ready_tasks()[0].task_id, ANSWERS["Activity_AjukanPermohonan"])
        state = run.dumps()
        due = min(t.due_at for t in run.waiting_timers())
        traveller.move_to(due + timedelta(seconds=1))
        original = engine.open(definition, state, context(due + timedelta(seconds=1)))
        again = engine.open(definition, state, context(due + timedelta(seconds=1)))
        fired_a = [s.spec_id for s in original.fire_due_timers()]
        fired_b = [s.spec_id for s in again.fire_due_timers()]
        assert fired_a == fired_b == ["Timer_BatasPemeriksaan3HK"]  # the office's 3-day check comes first
        assert original.ready_tasks() == again.ready_tasks()


def test_state_is_stored_without_the_spec(definition):
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        run = Engine().start(definition, context(datetime.now(timezone.utc)))
        state = run.dumps()
    assert '"spec"' not in state[:200] and "task_specs" not in state


def test_timers_follow_the_time_given_not_the_system_clock(definition):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        engine = Engine()
        run = engine.start(definition, context(start))
        run.complete(run.ready_tasks()[0].task_id, ANSWERS["Activity_AjukanPermohonan"])
        state = run.dumps()
        due = min(t.due_at for t in run.waiting_timers())
        # the system clock still says `start`; the run is told it is past the due time
        late = engine.open(definition, state, context(due + timedelta(seconds=1)))
        assert [s.spec_id for s in late.fire_due_timers()] == ["Timer_BatasPemeriksaan3HK"]
        early = engine.open(definition, state, context(due - timedelta(seconds=1)))
        assert early.fire_due_timers() == []


def test_a_late_sweep_fires_timers_in_due_order(definition):
    """Days behind, an incomplete request lapses at 3 working days before its 10-day limit fires."""
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        engine = Engine()
        run = engine.start(definition, context(start))
        run.complete(run.ready_tasks()[0].task_id, ANSWERS["Activity_AjukanPermohonan"])
        run.complete(run.ready_tasks()[0].task_id, {"kelengkapan": "tidak_lengkap"})
        assert [t.spec_id for t in run.ready_tasks()] == ["Activity_LengkapiPermohonan"]
        weeks_later = start + timedelta(days=30)
        late = engine.open(definition, run.dumps(), context(weeks_later))
        fired = [s.spec_id for s in late.fire_due_timers()]
        assert fired[0] == "Timer_BatasMelengkapi3HK" and "Timer_Batas10HK" not in fired
        assert late.finished
