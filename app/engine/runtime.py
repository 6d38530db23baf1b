"""Run workflows: start, restore, complete tasks, fire timers, and describe the result.

The rest of the application sees only the dataclasses of `app.engine.types`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .clock import put_specs_on_run_clock
from .sandbox import RestrictedEnvironment, SandboxError
from .serialization import StateSerializer, specs_from_json
from .types import OPD_ELEMENT, EngineError, ProcessDefinition, RunContext, Step, TaskView, TimerView


class _Loaded:
    """A definition's specs and serializer, built once per process version."""

    def __init__(self, definition: ProcessDefinition):
        self.definition = definition
        self.spec, self.subprocess_specs = specs_from_json(definition.spec_json)
        put_specs_on_run_clock([self.spec, *self.subprocess_specs.values()])
        self.serializer = StateSerializer(self.spec, self.subprocess_specs)
        #: Variables declared as data objects of the process: one value per case, seen at once by every
        #: branch (a flag one branch sets is read by a gateway of another; PROCESS_CONVENTIONS.md).
        self.shared = frozenset(name for spec in (self.spec, *self.subprocess_specs.values())
                                for name in getattr(spec, "data_objects", {}) or {})


class _Entry:
    """One process version in the engine's cache: its definition, and its parsed specs once a run needs them."""

    def __init__(self, definition: ProcessDefinition):
        self.definition = definition
        self.loaded: _Loaded | None = None


class Engine:
    """The one cache of process definitions (by content hash) and their parsed specs; opens workflows on them.

    Services ask it for a stored version's definition (`definition`), so a version's content is read from
    the database and built once per process, and parsed once when a case first runs on it.
    `loads` counts how many stored workflows were deserialized, so callers (and tests) can
    check that list and sweep operations never load a workflow they do not need.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.loads = 0

    def cached_definition(self, content_hash: str) -> ProcessDefinition | None:
        entry = self._entries.get(content_hash)
        return entry.definition if entry is not None else None

    def definition(self, content_hash: str, build: Callable[[], ProcessDefinition]) -> ProcessDefinition:
        """The definition of `content_hash`, made by `build` (which reads the stored version) on the first ask."""
        entry = self._entries.get(content_hash)
        if entry is None:
            built = build()
            with self._lock:
                entry = self._entries.setdefault(content_hash, _Entry(built))
        return entry.definition

    def _get(self, definition: ProcessDefinition) -> _Loaded:
        entry = self._entries.get(definition.content_hash)
        if entry is None:
            with self._lock:
                entry = self._entries.setdefault(definition.content_hash, _Entry(definition))
        if entry.loaded is None:
            with self._lock:
                if entry.loaded is None:
                    entry.loaded = _Loaded(entry.definition)
        return entry.loaded

    def start(self, definition: ProcessDefinition, ctx: RunContext) -> "Run":
        loaded = self._get(definition)
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs)
        run = Run(loaded, workflow, ctx)
        run.advance()
        return run

    def open(self, definition: ProcessDefinition, state: str, ctx: RunContext) -> "Run":
        loaded = self._get(definition)
        self.loads += 1
        return Run(loaded, loaded.serializer.loads(state), ctx)


def _helpers(ctx: RunContext) -> dict[str, Callable]:
    from app.domain.timeutil import parse_iso, utc_iso

    def hari_kerja(n, sejak=None):
        start = parse_iso(sejak) if sejak else ctx.now
        return utc_iso(ctx.calendar.add_working_days(start, int(n)))

    def hari_kerja_sebelum(n, tanggal):
        return utc_iso(ctx.calendar.working_days_before(parse_iso(tanggal), int(n)))

    def sekarang():
        return utc_iso(ctx.now)

    def nomor_baru(jenis):
        return ctx.allocate_number(str(jenis))

    def kirim_pemberitahuan(kepada, templat):
        ctx.notifications.append((str(kepada), str(templat)))

    return {"hari_kerja": hari_kerja, "hari_kerja_sebelum": hari_kerja_sebelum, "sekarang": sekarang, "nomor_baru": nomor_baru,
            "kirim_pemberitahuan": kirim_pemberitahuan}


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return None


class _TaskSeeingShared:
    """A task as a condition sees it: its own data with the shared variables as they stand now."""

    def __init__(self, task, data: dict):
        self._task, self.data = task, data

    def __getattr__(self, name):
        return getattr(self._task, name)


def _data_objects_of(task, name: str) -> dict | None:
    """The store SpiffWorkflow keeps a data object in (that of the innermost (sub)process declaring it, as its
    data associations find it); None when no process around the task declares the name."""
    workflow = task.workflow
    while workflow is not None and name not in workflow.spec.data_objects:
        workflow = workflow.parent_workflow
    if workflow is None:
        return None
    # a case moved onto a version that declares data objects has no store yet: make it where Spiff keeps one
    return workflow.data.setdefault("data_objects", {})


class _SharedDataEngine(PythonScriptEngine):
    """Scripts and conditions read the case's shared variables (the data objects the process declares)
    as they stand now, whichever branch set them last; what a script writes to one is kept for every
    branch. Each branch of a workflow otherwise holds its own copy of the data: a flag set after a
    non-interrupting timer would stay unseen by the branch that answers the request.

    The values live where SpiffWorkflow keeps data objects (the workflow's `data_objects`, None until
    set), so a model that also reads or writes them through data associations sees the same values,
    and they are saved and replayed with the state."""

    def __init__(self, environment, shared: frozenset[str]):
        super().__init__(environment=environment)
        self._shared = shared

    def _values(self, task) -> dict:
        values = {}
        for name in self._shared:
            store = _data_objects_of(task, name)
            if store is not None:
                values[name] = store.get(name)
        return values

    def evaluate(self, task, expression, external_context=None):
        if self._shared:
            task = _TaskSeeingShared(task, {**task.data, **self._values(task)})
        return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        if not self._shared:
            return super().execute(task, script, external_context)
        before = self._values(task)
        task.data.update(before)
        result = super().execute(task, script, external_context)
        for name, value in before.items():
            if task.data.get(name) != value:
                _data_objects_of(task, name)[name] = task.data.get(name)
        return result


class StepLimitExceeded(EngineError):
    """More engine steps ran in one go than a process ever needs: a loop or a recursive call with no way out."""

    def __init__(self, element_id: str | None, element_name: str | None, limit: int):
        self.element_id, self.element_name, self.limit = element_id, element_name, limit
        super().__init__(f"more than {limit} steps ran without waiting for a person or a timer (last: "
                         f"{element_id or '?'}{f' {element_name!r}' if element_name else ''}): a loop or a call "
                         "activity calling its own process has no way out")


class Run:
    """One workflow opened inside one use case."""

    #: engine steps one `advance` may run (our procedure needs a few dozen at most)
    max_engine_steps = 2000

    def __init__(self, loaded: _Loaded, workflow: BpmnWorkflow, ctx: RunContext):
        self._loaded = loaded
        self.workflow = workflow
        self.ctx = ctx
        self.steps: list[Step] = []
        self._completed = self._completed_ids()
        workflow.script_engine = _SharedDataEngine(RestrictedEnvironment(_helpers(ctx)), loaded.shared)
        workflow._ppid_clock = lambda: self.ctx.now  # timers compare with the run's time (clock.py)

    @property
    def definition(self) -> ProcessDefinition:
        return self._loaded.definition

    # -- actions -------------------------------------------------------------------------
    def _count_step(self, task) -> None:
        self._engine_steps += 1
        if self._engine_steps > self.max_engine_steps:
            raise StepLimitExceeded(task.task_spec.bpmn_id, task.task_spec.bpmn_name, self.max_engine_steps)

    def advance(self) -> None:
        """Run engine steps (scripts, gateways, due timers) until people or timers are needed.

        At most `max_engine_steps` steps run without a person or a timer in between: a loop with no
        way out, or a call activity that calls its own process, fails cleanly instead of holding the
        request while memory grows.
        """
        self._engine_steps = 0
        try:
            self.workflow.do_engine_steps(will_complete_task=self._count_step)
            # do_engine_steps ends by marking the timers that are due READY without running them:
            # run them now, or they would be neither waiting (the timer table) nor open (the
            # worklist) and would never fire (e.g. a task completed after a deadline the timer
            # worker has not swept yet). Bounded: stop when a round runs nothing new.
            for _ in range(20):
                pending = self._pending_engine_tasks()
                if not pending:
                    break
                self.workflow.do_engine_steps(will_complete_task=self._count_step)
                if self._pending_engine_tasks() == pending:
                    break
        except StepLimitExceeded:
            raise
        except (SpiffWorkflowException, SandboxError) as exc:
            raise EngineError(f"the process failed while running: {exc}") from exc
        self._record_new_steps()

    def complete(self, task_id: str, data: dict) -> Step:
        """Complete a ready user task with submitted data, then advance."""
        task = self._ready_user_task(task_id)
        task.data.update(data)
        try:
            task.run()
        except (SpiffWorkflowException, SandboxError) as exc:
            raise EngineError(f"the task could not be completed: {exc}") from exc
        self._record_new_steps()
        self.advance()
        return next(s for s in self.steps if s.task_id == task_id)

    def fire_due_timers(self) -> list[Step]:
        """Fire every timer due by `ctx.now`, one due time after another, advancing in between.

        A sweep that runs late (the worker was down for days) must not fire a later timer
        before an earlier one has had its effect (an incomplete request lapses at 3 working
        days before its 10-day limit can fire), so the run's clock steps through the due times.
        Scripts run at a firing see that timer's due time as now.
        """
        before, target = len(self.steps), self.ctx.now
        try:
            while True:
                due = sorted(t.due_at for t in self.waiting_timers() if t.due_at is not None and t.due_at < target)
                if not due:
                    break
                fired_before = len(self.steps)
                self.ctx.now = due[0] + timedelta(microseconds=1)
                self.workflow.refresh_timers()
                self.advance()
                if len(self.steps) == fired_before:
                    break  # nothing moved (e.g. a timer not reachable any more): stop rather than spin
        finally:
            self.ctx.now = target
        self.workflow.refresh_timers()
        self.advance()
        return [s for s in self.steps[before:] if s.is_timer]

    def _waiting_for(self, name: str | None = None) -> list:
        """The waiting tasks that catch a message (of this name)."""
        return [t for t in self.workflow.get_tasks(state=TaskState.WAITING)
                if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                and (name is None or t.task_spec.event_definition.name == name)]

    def waiting_messages(self) -> list[str]:
        """Names of the messages the case waits for now (a message catch or boundary event, e.g. a withdrawal)."""
        return sorted({t.task_spec.event_definition.name for t in self._waiting_for()})

    def receive(self, name: str, payload: dict | None = None) -> None:
        """Deliver a message the case waits for; its payload becomes data of the catching event; then advance."""
        waiting = self._waiting_for(name)
        if not waiting:
            raise EngineError(f"the case is not waiting for the message {name!r}")
        try:  # the catching event's own definition (the parser's class, with its correlations)
            self.workflow.send_event(BpmnEvent(waiting[0].task_spec.event_definition, dict(payload or {})))
            self._record_new_steps()
            self.advance()
        except (SpiffWorkflowException, SandboxError) as exc:
            raise EngineError(f"the message {name!r} could not be received: {exc}") from exc

    def set_data(self, values: dict) -> None:
        """Change case data outside a task (e.g. the OPD of a case sent on elsewhere): every task
        still to run (ready, waiting, started, in subprocesses too) carries the new values on."""
        live = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in self.workflow.get_tasks(state=live):
            task.data.update(values)
        self.workflow.data.update({k: v for k, v in values.items() if k in self.workflow.data})

    def dumps(self) -> str:
        return self._loaded.serializer.dumps(self.workflow)

    # -- views ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.workflow.completed

    def ready_tasks(self) -> list[TaskView]:
        return [self._task_view(t) for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)]

    def ready_task(self, task_id: str) -> TaskView | None:
        """The open user task with this id, or None (found by id, not by walking the task tree)."""
        try:
            return self._task_view(self._ready_user_task(task_id))
        except EngineError:
            return None

    def open_work(self) -> tuple[list[TaskView], list[TimerView]]:
        """`ready_tasks()` and `waiting_timers()` (same order) in one walk of the task tree."""
        ready, waiting = [], []
        for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            if task.state == TaskState.READY:
                if task.task_spec.manual:
                    ready.append(self._task_view(task))
            elif _is_timer(task):
                waiting.append(self._timer_view(task))
        return ready, waiting

    def has_due_timers(self) -> bool:
        """Whether a waiting timer is due by the run's time (cheap: nothing runs)."""
        return any(t.due_at is not None and t.due_at < self.ctx.now for t in self.waiting_timers())

    def waiting_timers(self) -> list[TimerView]:
        return [self._timer_view(t) for t in self.workflow.get_tasks(state=TaskState.WAITING) if _is_timer(t)]

    def task_data(self, task_id: str) -> dict:
        return dict(self._ready_user_task(task_id).data)

    # -- internals -----------------------------------------------------------------------
    def _pending_engine_tasks(self) -> set[UUID]:
        return {t.id for t in self.workflow.get_tasks(state=TaskState.READY) if not t.task_spec.manual}

    def _ready_user_task(self, task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise EngineError("this task is not open any more")
        return task

    def _completed_tasks(self) -> list:
        # not get_tasks(state=COMPLETED): SpiffWorkflow's state filter does not descend into a multi-instance
        # subprocess that is still running, so the steps of its instances would go unrecorded
        return [t for t in self.workflow.get_tasks() if t.state == TaskState.COMPLETED]

    def _completed_ids(self) -> set[UUID]:
        """The completed tasks of the workflow and of every subprocess it holds, read from their task tables
        (every open pays this: a seventh of it was walking the tree with SpiffWorkflow's iterator, which
        reaches the same tasks; tests/engine/test_state_format.py compares the two at every step)."""
        completed = TaskState.COMPLETED
        ids = {t.id for t in self.workflow.tasks.values() if t.state == completed}
        for sub in self.workflow.subprocesses.values():
            ids.update(t.id for t in sub.tasks.values() if t.state == completed)
        return ids

    def _record_new_steps(self) -> None:
        done = self._completed_tasks()
        new = sorted((t for t in done if t.id not in self._completed), key=lambda t: t.last_state_change)
        for task in new:
            self._completed.add(task.id)
            if task.task_spec.bpmn_id:
                self.steps.append(self._step(task))

    def _step(self, task) -> Step:
        base = task.parent.data if task.parent is not None else {}
        delta = {k: v for k, v in task.data.items() if k not in base or base[k] != v}
        spec = task.task_spec
        return Step(
            task_id=str(task.id), spec_id=spec.bpmn_id, name=spec.bpmn_name or "",
            kind=type(spec).__name__, lane=getattr(spec, "lane", None), is_timer=_is_timer(task),
            changes=delta,
        )

    def _guarding_timers(self, task) -> list[TimerView]:
        timers, current = [], task
        while current is not None:
            parent = current.parent
            if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit):
                timers += [self._timer_view(t) for t in parent.children
                           if t is not current and t.state == TaskState.WAITING and _is_timer(t)]
            if parent is None and current.workflow.parent_task_id is not None:
                parent = self.workflow.get_task_from_id(current.workflow.parent_task_id)
            current = parent
        return timers

    def _task_view(self, task) -> TaskView:
        spec = task.task_spec
        meta = self.definition.user_tasks.get(spec.bpmn_id)
        timers = [t for t in self._guarding_timers(task) if t.due_at is not None]
        interrupting = [t.due_at for t in timers if t.legal]
        return TaskView(
            task_id=str(task.id), spec_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            lane=spec.lane, form=meta.form if meta else None, ui_form=meta.ui_form if meta else None,
            exclude_completers_of=meta.exclude_completers_of if meta else (),
            due_at=min((t.due_at for t in timers), default=None),
            deadline_at=min(interrupting, default=None),
            opd=str(task.data.get(OPD_ELEMENT)) if task.data.get(OPD_ELEMENT) else None,
        )

    def _timer_view(self, task) -> TimerView:
        spec = task.task_spec
        return TimerView(
            task_id=str(task.id), spec_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            due_at=_timer_due(task), interrupting=bool(getattr(spec, "cancel_activity", True)),
        )
