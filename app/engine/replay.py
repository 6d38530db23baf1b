"""Replay: run a workflow again from its start, with recorded inputs and the time as an input.

Every loaded version's timers read the run's clock (`RunContext.now`, see clock.py), so a
replay, long after the fact, runs at the recorded times with no clock patched. The replay keeps
its own copy of a version's specs, apart from the application's `Engine`.

A recorded `timer_fired` event is replayed as the sweep ran: the run's clock is set to the
event's time and the due timers fire in due order, as in production.

`canonical_state` and `compare_states` compare two serialized states modulo task ids (the
ids of a replay differ from the recorded ones): the task trees are matched by spec names,
and states, data and internal data are compared.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .definition import ProcessDefinition
from .runtime import Run, _is_timer, _Loaded, _timer_due
from .types import RunContext, Step, TaskView, TimerView

class _ReplayLoaded(_Loaded):
    """A version's specs restored afresh for the replay (timers on the run clock, see clock.py)."""


# -- the replay run --------------------------------------------------------------------------


class ReplayRun(Run):
    """A Run whose timers read `ctx.now`; the caller sets `ctx.now` before each recorded event.

    The replay asks for the open tasks and waiting timers several times between two changes of the
    workflow (the task to complete, the rows to compare, a claim, the stored rows at the end): both are
    read in one walk of the task tree and kept until the workflow changes (every changing method below
    forgets them, before and after it runs).
    """

    def __init__(self, loaded: _Loaded, workflow: BpmnWorkflow, ctx: RunContext):
        super().__init__(loaded, workflow, ctx)
        self._mark = 0
        self._views: tuple[list[TaskView], list[TimerView]] | None = None

    def open_work(self) -> tuple[list[TaskView], list[TimerView]]:
        if self._views is None:
            self._views = super().open_work()
        ready, timers = self._views
        return list(ready), list(timers)

    def ready_tasks(self) -> list[TaskView]:
        return self.open_work()[0]

    def waiting_timers(self) -> list[TimerView]:
        return self.open_work()[1]

    def advance(self) -> None:
        self._changing(super().advance)

    def complete(self, task_id: str, data: dict) -> Step:
        return self._changing(super().complete, task_id, data)

    def fire_due_timers(self) -> list[Step]:
        return self._changing(super().fire_due_timers)

    def receive(self, name: str, payload: dict | None = None) -> None:
        self._changing(super().receive, name, payload)

    def set_data(self, values: dict) -> None:
        self._changing(super().set_data, values)

    def _changing(self, change, *args):
        """Run a method that changes the workflow, the open work forgotten before and after it (a changing
        method may itself ask for the open work midway)."""
        self._views = None
        try:
            return change(*args)
        finally:
            self._views = None

    def take_steps(self) -> list[Step]:
        """The steps completed since the previous call (or since the start)."""
        steps, self._mark = self.steps[self._mark:], len(self.steps)
        return steps

    def open_task_id(self, spec_id: str) -> str | None:
        """The id of a ready user task of that spec (the first one), or None."""
        return next((t.task_id for t in self.ready_tasks() if t.spec_id == spec_id), None)


class ReplayEngine:
    """Starts replay runs; keeps one replay copy of the specs per process version."""

    def __init__(self) -> None:
        self._loaded: dict[str, _ReplayLoaded] = {}
        self._lock = threading.Lock()

    def _get(self, definition: ProcessDefinition) -> _ReplayLoaded:
        with self._lock:
            loaded = self._loaded.get(definition.content_hash)
            if loaded is None:
                loaded = self._loaded[definition.content_hash] = _ReplayLoaded(definition)
        return loaded

    def start(self, definition: ProcessDefinition, ctx: RunContext) -> ReplayRun:
        loaded = self._get(definition)
        run = ReplayRun(loaded, BpmnWorkflow(loaded.spec, loaded.subprocess_specs), ctx)
        run.advance()
        return run

    def open(self, definition: ProcessDefinition, state: str, ctx: RunContext) -> ReplayRun:
        """Continue a replay from a serialized state made outside the replay (a re-done migration).

        Code outside the replay judges timers by the system clock; a timer it marked as fired
        although it is not due by the replay clock is set waiting again.
        """
        loaded = self._get(definition)
        workflow = loaded.serializer.loads(state)
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            due = _timer_due(task) if _is_timer(task) else None
            if due is not None and due >= ctx.now and task._get_internal_data("event_fired", False):
                task.internal_data.pop("event_fired", None)
                if task.state == TaskState.READY:
                    task._set_state(TaskState.WAITING)
                    task.workflow.top_workflow.event_manager.add_task(task)
        return ReplayRun(loaded, workflow, ctx)


# -- comparing states modulo task ids --------------------------------------------------------


def _state_name(value) -> str:
    try:
        return TaskState.get_name(value)
    except Exception:  # an unknown number: show it as is
        return str(value)


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_state(state: str | dict, materialize: bool = True) -> dict[str, dict]:
    """A serialized workflow state (the JSON text, or it parsed) as {task path: facts}, without task ids or
    timestamps.

    A path is the chain of spec names from the root (subprocess trees hang under the task
    that runs them); siblings of the same spec are numbered. Facts: state, data, internal data.
    The key "" holds the workflow's own facts (data, completed, success, pending events).

    `materialize=False`: the facts as stored, for one comparison of the whole (`_canonical_json` of it): a
    task's data is what it stores (its delta against its parent, or its whole data where it has no parent in
    the walk) instead of its data as restored, and state and internal data are left as they are (task ids
    in the internal data marked). Two states whose trees have the same paths have equal restored data at
    every task exactly when they have equal stored data at every task (the restored data is made from the
    parent's and the delta, and the serializer makes the delta from the two), and the stored form costs a
    fraction to compare.
    """
    dct = json.loads(state) if isinstance(state, str) else state
    subprocesses = dct.get("subprocesses", {})
    out: dict[str, dict] = {"": {"data": _canonical_json(dct.get("data", {})), "completed": dct.get("completed"),
                                 "success": dct.get("success"),
                                 "events": _canonical_json(dct.get("bpmn_events", []))}}

    def walk(workflow: dict, task_id: str, prefix: str) -> None:
        stack = [(task_id, prefix, None)]
        while stack:
            current, path, parent_data = stack.pop()
            task = workflow["tasks"][current]
            internal = task.get("internal_data", {})
            if materialize:
                data = _materialized(task, parent_data)
                out[path] = {"state": _state_name(task.get("state")), "data": data,
                             "internal": _canonical_json(_without_task_ids(internal))}
            else:
                data = True  # (children have a parent in the walk)
                out[path] = {"state": task.get("state"), "data": _stored_data(task, parent_data),
                             "internal": _without_task_ids(internal) if internal else internal}
            sub = subprocesses.get(current)
            if sub is not None and sub.get("root") in sub.get("tasks", {}):
                out[path + "{"] = {"data": _canonical_json(sub.get("data", {})), "completed": sub.get("completed")}
                walk(sub, sub["root"], path + "{")
            names: dict[str, int] = {}
            children = []
            for child_id in task.get("children", []):
                child = workflow["tasks"].get(child_id)
                if child is None:
                    out[f"{path}/?{child_id}"] = {"state": "missing task"}
                    continue
                name = child["task_spec"]
                names[name] = names.get(name, 0) + 1
                label = name if names[name] == 1 else f"{name}#{names[name]}"
                children.append((child_id, f"{path}/{label}", data))
            stack.extend(reversed(children))

    root = dct.get("root")
    if root in dct.get("tasks", {}):
        walk(dct, root, dct["tasks"][root]["task_spec"])
    return out


_TASK_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _without_task_ids(value: Any) -> Any:
    """Internal data with the task ids it names (a multi-instance task's merged instances) replaced by a mark:
    ids differ from run to run, the number of instances does not."""
    if isinstance(value, dict):
        return {k: _without_task_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_task_ids(v) for v in value]
    return "(tugas)" if isinstance(value, str) and _TASK_ID.match(value) else value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _canonical_json(value)


def _stored_data(task: dict, parent_data: Any) -> list:
    """What `_materialized` starts from: the delta (updates, deletions) when it applies, else the whole data."""
    delta = task.get("delta")
    if delta and parent_data is not None:
        return ["delta", delta.get("updates") or {}, sorted(delta.get("deletions") or ())]
    return ["data", task.get("data") or {}]


def _materialized(task: dict, parent_data: dict | None) -> dict:
    """A task's data as the serializer restores it: a child stores only its changes (delta)."""
    delta = task.get("delta")
    if delta and parent_data is not None:
        data = dict(parent_data)
        data.update(delta.get("updates") or {})
        for key in delta.get("deletions") or ():
            data.pop(key, None)
        return data
    return dict(task.get("data") or {})


def _short(path: str) -> str:
    """The task's own spec name (numbered when its parent has several of that spec)."""
    parts = [p for p in path.replace("{", "/").split("/") if p]
    return parts[-1] if parts else "workflow"


TIMER_VALUES = "internal data (timer values)"


@dataclass(frozen=True)
class StateDifference:
    what: str
    expected: str
    actual: str


def compare_states(expected: str | dict, actual: str | dict, limit: int = 20) -> list[StateDifference]:
    """Differences between two serialized states (JSON text or parsed), modulo task ids (at most `limit`).

    Equal states (the usual case) are told by their stored forms (`canonical_state(materialize=False)`);
    only states that differ are compared task by task, field by field.
    """
    expected = json.loads(expected) if isinstance(expected, str) else expected
    actual = json.loads(actual) if isinstance(actual, str) else actual
    if _canonical_json(canonical_state(expected, materialize=False)) == \
            _canonical_json(canonical_state(actual, materialize=False)):
        return []
    left, right = canonical_state(expected), canonical_state(actual)
    diffs: list[StateDifference] = []
    told: set[tuple] = set()  # a data difference is inherited by the tasks after it: tell it once
    for path in sorted(left.keys() | right.keys(), key=lambda p: (p.count("/") + p.count("{"), p)):
        a, b = left.get(path), right.get(path)
        where = _short(path)
        if a is None:
            diffs.append(StateDifference(f"task {where}", "(absent)", f"present, {b.get('state')}"))
        elif b is None:
            diffs.append(StateDifference(f"task {where}", f"present, {a.get('state')}", "(absent)"))
        else:
            for key in sorted(a.keys() | b.keys()):
                if key == "data" and isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
                    if _canonical_json(a[key]) == _canonical_json(b[key]):
                        continue  # the usual case: one comparison instead of one per field
                    for name in sorted(a[key].keys() | b[key].keys()):
                        x, y = a[key].get(name, "(absent)"), b[key].get(name, "(absent)")
                        if _canonical_json(x) != _canonical_json(y):
                            seen = (name, _canonical_json(x), _canonical_json(y))
                            if seen not in told:
                                told.add(seen)
                                diffs.append(StateDifference(f"task {where}: data {name!r}", _text(x), _text(y)))
                elif a.get(key) != b.get(key):
                    label = {"state": "state", "data": "data", "internal": TIMER_VALUES}.get(key, key)
                    diffs.append(StateDifference(f"task {where}: {label}", str(a.get(key)), str(b.get(key))))
        if len(diffs) >= limit:
            break
    return diffs


def task_index(state: str | dict) -> dict[str, tuple[str, str]]:
    """{task id: (spec name, state name)} of every task of a serialized state (JSON text or parsed; subprocesses
    too)."""
    dct = json.loads(state) if isinstance(state, str) else state
    out: dict[str, tuple[str, str]] = {}
    for workflow in (dct, *dct.get("subprocesses", {}).values()):
        for task_id, task in workflow.get("tasks", {}).items():
            out[task_id] = (task.get("task_spec"), _state_name(task.get("state")))
    return out
