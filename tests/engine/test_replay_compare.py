"""The replay's engine side: its runs show the same open work as the runtime's, and comparing two states finds
every kind of difference (the equal-states shortcut compares what the tasks store, not their restored data)."""
import copy
import json
from dataclasses import replace

import pytest
import time_machine

from app.engine import Engine
from app.engine.replay import ReplayEngine, compare_states

from tests.engine.our_process import ANSWERS, START, context, our_definition

STOP = "Activity_AjukanSengketa"


@pytest.fixture(scope="module")
def definition():
    return our_definition()


def walk(start, steps=None):
    """Run the refused-then-objection path; `steps` collects what each run shows after every step."""
    run = start()
    while True:
        ready = run.ready_tasks()
        if steps is not None:
            steps.append((ready, run.waiting_timers()))
        task = next((t for t in ready if t.spec_id in ANSWERS), None)
        if task is None or any(t.spec_id == STOP for t in ready):
            return run
        run.complete(task.task_id, ANSWERS[task.spec_id])


def test_a_replay_run_shows_the_same_open_work_as_the_runtime(definition):
    with time_machine.travel(START, tick=False):
        plain, replayed = [], []
        walk(lambda: Engine().start(definition, context(START)), plain)
        walk(lambda: ReplayEngine().start(definition, context(START)), replayed)
    strip = lambda views: [[replace(v, task_id="") for v in part] for part in views]  # noqa: E731  ids differ
    assert len(plain) == len(replayed) > 5
    assert [strip(s) for s in plain] == [strip(s) for s in replayed]
    assert any(timers for _ready, timers in plain)  # the path waits on timers too


@pytest.fixture(scope="module")
def two_states(definition):
    """The same case run twice: equal but for the task ids."""
    with time_machine.travel(START, tick=False):
        first = walk(lambda: ReplayEngine().start(definition, context(START))).dumps()
        second = walk(lambda: ReplayEngine().start(definition, context(START))).dumps()
    assert first != second
    return first, second


def _tasks(state: dict):
    for workflow in (state, *state["subprocesses"].values()):
        yield from workflow["tasks"].values()


def _task(state: dict, spec: str) -> dict:
    return next(t for t in _tasks(state) if t["task_spec"] == spec)


def test_the_same_case_compares_equal(two_states):
    first, second = two_states
    assert compare_states(first, second) == []
    assert compare_states(json.loads(first), second) == []


@pytest.mark.parametrize("tamper, named", [
    (lambda s: _task(s, "Activity_JawabPermohonan")["delta"]["updates"].update(jawaban_opd="diubah"),
     "task Activity_JawabPermohonan: data 'jawaban_opd'"),
    (lambda s: _task(s, "Activity_PutuskanKeberatan")["delta"]["deletions"].append("keputusan"),
     "data 'keputusan'"),
    (lambda s: s["tasks"][s["root"]]["data"].update(sisipan="ya"), "data 'sisipan'"),
    (lambda s: s["data"].update(sisipan="ya"), "task workflow: data"),
    (lambda s: _task(s, "Activity_JawabPermohonan").update(state=128), "task Activity_JawabPermohonan: state"),
    (lambda s: next(t for t in _tasks(s) if t["internal_data"])["internal_data"].update(event_value="x"),
     "internal data"),
])
def test_every_kind_of_difference_is_found(two_states, tamper, named):
    first, second = two_states
    stored = json.loads(first)
    tamper(stored)
    found = compare_states(stored, copy.deepcopy(second))
    assert found and any(named in d.what for d in found), [d.what for d in found]
