"""What-if on past cases: each recorded case run again, in memory, on a model with a virtual clock.

A past case (`PastCase`, read from the audit history by app.services.modelling.whatif, or made by hand in a test) is
its start (when, and the start form's answers), its user tasks (when each opened and was done, with the
answers it was completed with) and what came from outside (a withdrawal, the OPD set on a case sent on).
The case is re-applied on a model: the start form is entered at the recorded moment; every user task the
model opens is matched with a recorded one, by task id, else by lane and form, and is completed with that
task's answers after the same working time it took then (app.domain.working_time: weekends and holidays do
not count); the virtual clock moves from one completion to the next, and timers whose due time it passes fire
in between, as the timer worker would have. A task the history has no match for takes the working time the
process owner gives for its id, else the median of the recorded tasks of its lane (else of all tasks, else one
working day), and a sample answer of its form, drawn with a seeded random generator: the same history, model
and seed always give the same figures. Answers that a changed form refuses are laid over a sample answer of it.

Nothing is stored or mailed; SpiffWorkflow stays in this package. The comparison of two models over the same
cases (figures, paths, where time is spent, why a path changed) is app.engine.whatif_report.
"""
from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.timeutil import parse_iso
from app.domain.working_time import DAY, add_working_time, in_working_days, working_time_between

from .definition import ProcessDefinition
from .formdata import variants
from .formschema import form_errors, form_validator
from .runtime import Engine, Run
from .simulation import APPLICANT_LANE, _signer, _with_options, _words
from .types import RunContext, TaskView

#: the data key of the written notice's decision and the values that are a notice (app.services.records.reports)
NOTICE_KEY = "keputusan"
NOTICE_DECISIONS = frozenset({"diterima_seluruhnya", "diterima_sebagian", "ditolak", "tidak_dikuasai"})
#: the case data key the service target's timer sets (docs/PROCESS_CONVENTIONS.md)
LATE_KEY = "terlambat"
#: the legal limits of the written notice (UU 14/2008 art. 22(7)): 10 working days, 17 after an extension
LEGAL_DAYS, EXTENDED_DAYS = 10, 17
EXTENSION_KEYS = ("batas_perpanjangan", "alasan_perpanjangan")
#: bounds of one case's run: people, timers and messages handled, and virtual time after the start
MAX_ACTIONS = 400
HORIZON = timedelta(days=730)
TIMER_LAG = timedelta(seconds=1)  # a timer fires just after its due time, as in the simulation

RECORDED = "riwayat"
SIMILAR = "riwayat lajur dan formulir yang sama"
GIVEN = "ditentukan pemilik proses"


@dataclass(frozen=True)
class PastTask:
    """One user task of a past case: when it opened, when it was done, and the answers it was done with."""

    spec_id: str
    lane: str | None
    form: str | None
    opened_at: datetime
    completed_at: datetime
    data: dict
    opd: str | None = None
    name: str = ""


@dataclass(frozen=True)
class PastEvent:
    """What came from outside at a moment: a message (`message`, e.g. a withdrawal, with `data` as its
    payload) or case data set outside a task (`message` None: e.g. the OPD of a case sent on)."""

    at: datetime
    message: str | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PastCase:
    number: str
    started_at: datetime
    start_data: dict
    tasks: tuple[PastTask, ...] = ()
    events: tuple[PastEvent, ...] = ()


@dataclass(frozen=True)
class TrailItem:
    """One thing that happened to a case on a model: a user task done, a timer fired, a message received."""

    kind: str  # "task", "timer" or "message"
    element_id: str
    name: str
    at: datetime
    lane: str | None = None
    opd: str | None = None
    days: float = 0.0  # working days the task was open
    source: str = ""  # where the task's duration and answers came from

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.element_id

    @property
    def label(self) -> str:
        return {"task": "", "timer": "⏱ ", "message": "✉ "}[self.kind] + (self.name or self.element_id)


@dataclass
class CaseRun:
    """A past case as it went on one model."""

    number: str
    trail: list[TrailItem] = field(default_factory=list)
    received: datetime | None = None
    notice_at: datetime | None = None
    days: int | None = None  # working days from receipt to the written notice
    met_target: bool = False  # a notice before the model marked the case late (its service target's timer)
    within_limit: bool = False  # a notice within 10 working days, or 17 after an extension
    finished: bool = False
    error: str | None = None
    stopped: str | None = None  # a bound reached (in words)
    timer_due: dict[str, datetime] = field(default_factory=dict)  # each timer's due time as the case saw it
    skipped: list[str] = field(default_factory=list)  # recorded events the model was not waiting for

    @property
    def path(self) -> tuple[tuple[str, str], ...]:
        return tuple(item.key for item in self.trail)

    @property
    def path_label(self) -> str:
        return " → ".join(item.label for item in self.trail)


@dataclass(frozen=True)
class Durations:
    """The working time of a step the history has no match for."""

    given: dict[str, float]  # task id -> working days, as the process owner gives them
    by_lane: dict[str | None, float]  # median working days of the recorded tasks of each lane
    overall: float  # median of every recorded task (one working day when there is none)

    def of(self, task: TaskView) -> tuple[timedelta, str]:
        if task.spec_id in self.given:
            return DAY * self.given[task.spec_id], GIVEN
        if task.lane in self.by_lane:
            return DAY * self.by_lane[task.lane], f"median tugas lajur {task.lane or '(tanpa lajur)'}"
        return DAY * self.overall, "median semua tugas"


def default_durations(cases: list[PastCase], calendar, given: dict[str, float] | None = None) -> Durations:
    """The owner's durations, and the medians of the history per lane and overall (in working days)."""
    by_lane: dict[str | None, list[float]] = {}
    for case in cases:
        for task in case.tasks:
            spent = in_working_days(working_time_between(calendar, task.opened_at, task.completed_at))
            by_lane.setdefault(task.lane, []).append(spent)
    every = [d for values in by_lane.values() for d in values]
    return Durations(dict(given or {}), {lane: statistics.median(v) for lane, v in by_lane.items()},
                     statistics.median(every) if every else 1.0)


@dataclass
class _Planned:
    task: TaskView
    opened_at: datetime
    at: datetime
    data: dict
    source: str
    order: int
    past: PastTask | None


class ModelRunner:
    """Re-applies past cases on one model (one runner per model; see the module's doc)."""

    def __init__(self, definition: ProcessDefinition, calendar, durations: Durations, seed: int = 1,
                 options: dict[str, list] | None = None, engine: Engine | None = None):
        self.definition, self.calendar, self.durations, self.seed = definition, calendar, durations, seed
        self.options = options or {}
        self.engine = engine or Engine()
        self._schemas: dict[str, tuple[dict, object]] = {}
        self._samples: dict[tuple, list[dict]] = {}

    def run(self, case: PastCase) -> CaseRun:
        return _CaseOnModel(self, case).run()

    # -- answers -----------------------------------------------------------------------------------
    def _schema(self, form: str) -> tuple[dict, object]:
        if form not in self._schemas:
            schema = _with_options(self.definition.forms.get(form) or {}, self.options)
            self._schemas[form] = (schema, form_validator(schema))
        return self._schemas[form]

    def samples(self, form: str, now: datetime) -> list[dict]:
        key = (form, now.date())
        if key not in self._samples:
            self._samples[key] = variants(self._schema(form)[0], now) or [{}]
        return self._samples[key]

    def answers(self, task: TaskView, given: dict | None, now: datetime, draw: str) -> dict:
        """What the task is completed with: the recorded answers its form names (laid over a sample answer when the
        form refuses them alone), or, with none recorded, a sample answer drawn by the seed."""
        if not task.form:
            return dict(given or {})
        schema, validator = self._schema(task.form)
        signer = _signer(schema)
        if given is None:
            samples = self.samples(task.form, now)
            picked = random.Random(f"{self.seed}/{draw}").choice(samples)
            return {**picked, **signer}
        names = set(schema.get("properties") or {})
        data = {k: v for k, v in given.items() if k in names} if names else dict(given)
        data.update({k: given[k] for k in signer if k in given})
        return {**signer, **self._completed(task.form, validator, data, now)}

    def _completed(self, form: str, validator, data: dict, now: datetime) -> dict:
        """Recorded answers a changed form refuses: first only the fields it now requires are added from the sample
        answer nearest to them (an optional field added could take another branch), then, if that is not enough,
        the recorded answers are laid over that whole sample."""
        errors = form_errors(validator, data)
        if not errors:
            return data
        best = max(self.samples(form, now), key=lambda s: sum(1 for k, v in data.items() if s.get(k) == v))
        filled = dict(data)
        for _ in range(3):
            missing = {name for e in errors if e.validator == "required" and not list(e.path)
                       for name in e.validator_value if name not in filled and name in best}
            if not missing:
                break
            filled.update({name: best[name] for name in missing})
            errors = form_errors(validator, filled)
            if not errors:
                return filled
        return {**best, **data}


class _CaseOnModel:
    def __init__(self, runner: ModelRunner, case: PastCase):
        self.runner, self.case = runner, case
        self.out = CaseRun(case.number)
        self.pool = list(case.tasks)
        self.events = sorted(case.events, key=lambda e: e.at)
        self.planned: dict[str, _Planned] = {}
        self.data: dict = {}
        self.numbers = 0
        self.opened = 0
        self.draws: dict[str, int] = {}
        self.late_at_notice = False
        self.ctx: RunContext | None = None
        self.mark = 0

    def allocate(self, kind: str) -> str:
        self.numbers += 1
        return f"SIM/{kind}/{self.numbers:04d}"

    # -- the run ---------------------------------------------------------------------------------------
    def run(self) -> CaseRun:
        case, runner = self.case, self.runner
        self.ctx = RunContext(now=case.started_at, calendar=runner.calendar, allocate_number=self.allocate)
        try:
            run = runner.engine.start(runner.definition, self.ctx)
            self.absorb(run, case.started_at)
            if self.start(run):
                self.loop(run)
                self.out.finished = run.finished
        except Exception as exc:  # noqa: BLE001 - a step the model cannot run is this case's finding
            self.out.error = _words(exc)
        return self.finish()

    def start(self, run: Run) -> bool:
        ready = run.ready_tasks()
        first = ready[0] if ready else None
        if first is None or first.lane != APPLICANT_LANE or not first.form:
            self.out.error = (f"model ini tidak dimulai dengan formulir pengajuan di lajur {APPLICANT_LANE}, "
                              "jadi permohonan yang tercatat tidak dapat diajukan")
            return False
        data = self.runner.answers(first, self.case.start_data, self.ctx.now, f"{self.case.number}/start")
        run.complete(first.task_id, {**data, "nomor_pendaftaran": self.case.number})
        self.out.trail.append(TrailItem("task", first.spec_id, first.name, self.ctx.now, first.lane, None, 0.0,
                                        RECORDED))
        self.absorb(run, self.ctx.now)
        return True

    def loop(self, run: Run) -> None:
        horizon = self.case.started_at + HORIZON
        for _ in range(MAX_ACTIONS):
            if run.finished:
                return
            self.plan(run)
            timers = [t for t in run.waiting_timers() if t.due_at is not None]
            for timer in timers:
                self.out.timer_due[timer.spec_id] = timer.due_at
            choices = [(p.at, 0, p.order, p) for p in self.planned.values()]
            if self.events:
                choices.append((self.events[0].at, 1, 0, self.events[0]))
            if timers:
                choices.append((min(t.due_at for t in timers) + TIMER_LAG, 2, 0, None))
            if not choices:
                return  # nothing left to wait for: the model's run ends here (finished or not)
            at, _, _, what = min(choices, key=lambda c: c[:3])
            if at > horizon:
                self.out.stopped = "batas waktu simulasi (dua tahun setelah permohonan) tercapai"
                return
            self.ctx.now = max(at, self.ctx.now)
            if isinstance(what, _Planned):
                self.complete(run, what)
            elif isinstance(what, PastEvent):
                self.outside(run, self.events.pop(0))
            else:
                due = {t.spec_id: t.due_at for t in timers}
                run.fire_due_timers()
                self.absorb(run, self.ctx.now, due)
        self.out.stopped = f"lebih dari {MAX_ACTIONS} langkah orang, timer dan pesan"

    def plan(self, run: Run) -> None:
        """Give each task the model opened its completion time and answers; forget tasks a timer or message ended
        (their recorded task may match another)."""
        ready = {t.task_id: t for t in run.ready_tasks()}
        for task_id in list(self.planned):
            if task_id not in ready:
                gone = self.planned.pop(task_id)
                if gone.past is not None:
                    self.pool.append(gone.past)
        for task_id, task in ready.items():
            if task_id in self.planned:
                continue
            past, source = self.match(task)
            now = self.ctx.now
            if past is not None:
                spent = working_time_between(self.runner.calendar, past.opened_at, past.completed_at)
                data = self.runner.answers(task, past.data, now, "")
            else:
                spent, source = self.runner.durations.of(task)
                count = self.draws[task.spec_id] = self.draws.get(task.spec_id, 0) + 1
                data = self.runner.answers(task, None, now, f"{self.case.number}/{task.spec_id}/{count}")
            self.opened += 1
            self.planned[task_id] = _Planned(task, now, add_working_time(self.runner.calendar, now, spent), data,
                                             source, self.opened, past)

    def match(self, task: TaskView) -> tuple[PastTask | None, str]:
        same = [p for p in self.pool if p.spec_id == task.spec_id]
        if task.opd is not None:
            same = [p for p in same if p.opd == task.opd] or same
        if same:
            self.pool.remove(same[0])
            return same[0], RECORDED
        similar = [p for p in self.pool if task.form and p.form == task.form and p.lane == task.lane]
        if similar:
            self.pool.remove(similar[0])
            return similar[0], SIMILAR
        return None, ""

    def complete(self, run: Run, planned: _Planned) -> None:
        del self.planned[planned.task.task_id]
        task = planned.task
        run.complete(task.task_id, planned.data)
        spent = in_working_days(working_time_between(self.runner.calendar, planned.opened_at, self.ctx.now))
        opd = task.opd or (str(self.data["opd"]) if self.data.get("opd") else None)
        self.out.trail.append(TrailItem("task", task.spec_id, task.name, self.ctx.now, task.lane, opd, spent,
                                        planned.source))
        self.absorb(run, self.ctx.now)

    def outside(self, run: Run, event: PastEvent) -> None:
        if event.message is None:
            run.set_data(dict(event.data))
            self.data.update(event.data)
            return
        if event.message not in run.waiting_messages():
            self.out.skipped.append(f"pesan '{event.message}' pada {event.at.isoformat()}: kasus tidak menunggunya")
            return
        run.receive(event.message, dict(event.data))
        self.out.trail.append(TrailItem("message", event.message, event.message, self.ctx.now))
        self.absorb(run, self.ctx.now)

    def absorb(self, run: Run, at: datetime, due: dict[str, datetime] | None = None) -> None:
        """Take the steps run since the last call: the case data, the notice, the timers that fired."""
        for step in run.steps[self.mark:]:
            if step.is_timer:
                self.out.trail.append(TrailItem("timer", step.spec_id, step.name, (due or {}).get(step.spec_id, at)))
            if step.changes.get(NOTICE_KEY) in NOTICE_DECISIONS:
                self.out.notice_at = at
                self.late_at_notice = bool(self.data.get(LATE_KEY))
            self.data.update(step.changes)
        self.mark = len(run.steps)
        self.ctx.notifications.clear()

    def finish(self) -> CaseRun:
        out, data = self.out, self.data
        try:
            out.received = parse_iso(data["tanggal_diterima"]) if data.get("tanggal_diterima") else self.case.started_at
        except ValueError:
            out.received = self.case.started_at
        if out.notice_at is not None:
            out.days = self.runner.calendar.working_days_between(out.received, out.notice_at)
            extended = any(data.get(k) for k in EXTENSION_KEYS)
            out.within_limit = out.days <= LEGAL_DAYS or (extended and out.days <= EXTENDED_DAYS)
            out.met_target = not self.late_at_notice
        return out
