"""Replay verification: run each case again from its start and compare with what was recorded.

The hash chain (`audit.verify_all`) proves the history was not edited after the fact. The
replay proves more: that the history *explains* the case. A case is executed again on the
process version it started on, fed with nothing but what its audit events recorded:

- `case_started`: the version (content hash) and the registration number;
- `task_completed`: the task (`task_spec_id`) and the submitted form data
  (`payload["submitted"]`), at the event's time (`RunContext.now = event.at`);
- `timer_fired`: which timers fired (the steps of the payload that were waiting timers
  before the event), at the event's time.

Registration numbers a script allocates with `nomor_baru` are taken from the event's recorded
changes, not allocated anew. The working-day calendar is the one in force now
(`current_calendar()`): if due dates differ, the mismatch says so (a holiday edited since).

After every event the replay is compared with what the event recorded (steps run, case data,
case fields, open tasks with lanes and due dates, waiting timers with due dates,
notifications, `finished` where recorded), and at the end with what is stored (the workflow
state modulo task ids, the case data and fields, the worklist and timer rows).
A `Mismatch` carries the event number, what differs, what the records say (`expected`) and
what the replay produced (`actual`).

A case sent on to another OPD (`case_redispatched`) sets the recorded OPD in the replayed data. A request recorded
at the counter (`case_started` with `atas_nama_pemohon`) has no applicant account until `case_claimed`, whose actor
is the applicant from then on. A message the case received (`message_received`, e.g. a withdrawal) is delivered
again with its payload.
Claims (`task_claimed`, `task_unclaimed`) change nothing in the workflow; the replay only
checks that the claimed task was open. A migration (`case_migrated`: `from_version` and
`to_version` content hashes) is re-done on the replayed state with the same engine function
(`app.engine.migration.migrate_state`), and the replay goes on on the new version.
Nothing is written to the database.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import undefer

from app.domain.calendar import WorkingCalendar
from app.domain.errors import NotFound
from app.engine import EngineError, ProcessDefinition, RunContext
from app.engine.replay import TIMER_VALUES, ReplayEngine, ReplayRun, compare_states, task_index
from app.persistence import read_only_transaction
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db

from app.services.records.audit import canonical
from app.services.infrastructure.calendar import current_calendar
from app.services.modelling.versions import definition_for, stored_definition

CLAIM_EVENTS = ("task_claimed", "task_unclaimed")
MIGRATED = "case_migrated"
REDISPATCHED = "case_redispatched"
CLAIMED = "case_claimed"
MESSAGE = "message_received"
DUE_DATE_NOTE = "due dates differ (the working-day calendar in force now differs from the one used then?)"
_engine = ReplayEngine()


@dataclass(frozen=True)
class Mismatch:
    """One difference: at event #seq (None: the case as a whole), `what` differs."""

    seq: int | None
    what: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "case"
        return f"{where}: {self.what}: recorded {_show(self.expected)}, replay {_show(self.actual)}"


@dataclass
class ReplayReport:
    registration_number: str
    steps_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    skipped: int = 0
    note: str | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dates_only(a: Any, b: Any) -> bool:
    """Whether two values (or two data objects, as JSON text) differ only in date-times."""
    def parsed(value):
        if isinstance(value, str) and value[:1] == "{":
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    a, b = parsed(a), parsed(b)
    if isinstance(a, dict) and isinstance(b, dict):
        changed = [k for k in a.keys() | b.keys() if canonical(a.get(k)) != canonical(b.get(k))]
        return a.keys() == b.keys() and bool(changed) and all(_is_instant(a[k]) and _is_instant(b[k]) for k in changed)
    return _is_instant(a) and _is_instant(b)


def _is_instant(value: Any) -> bool:
    """An ISO date-time text, as the scripts' `hari_kerja` and `sekarang` write them."""
    if not isinstance(value, str) or len(value) < 19:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


class _CaseReplay:
    """Replays one case; collects mismatches without repeating the same difference."""

    def __init__(self, instance: ProcessInstance, calendar: WorkingCalendar | None = None,
                 rows: "CaseRows | None" = None):
        self.instance = instance
        self.calendar = calendar
        self.rows = rows
        self.report = ReplayReport(instance.registration_number)
        self.run: ReplayRun | None = None
        self.definition: ProcessDefinition | None = None
        self.ctx: RunContext | None = None
        self.data: dict = {}
        self.status = ""
        self.number: str | None = None
        self.completed_any = False
        self.recorded_timers: set[str] = set()
        self.numbers: list[str] = []
        self.task_rows: dict[str, tuple] = {}
        self.timer_rows: dict[str, tuple] = {}
        self._seen: set[str] = set()
        self.erased: set[str] = set()  # fields erased by a personal_data_erased event

    # -- reporting -------------------------------------------------------------------------
    def mismatch(self, seq: int | None, what: str, expected: Any, actual: Any) -> None:
        key = canonical([what, expected, actual])
        if key not in self._seen:
            self._seen.add(key)
            self.report.mismatches.append(Mismatch(seq, what, expected, actual))

    # -- the replay ------------------------------------------------------------------------
    def replay(self) -> ReplayReport:
        if self.rows is None:
            self.rows = read_rows([self.instance.id])[self.instance.id]
        events = self.rows.events
        if not events:
            self.mismatch(None, "history", "at least the case_started event", "no events")
            return self.report
        last_seq = events[-1].seq
        for event in events:
            if not self.step(event):
                return self.report
        if self.run is not None:
            self.compare_stored(last_seq)
        return self.report

    def step(self, event) -> bool:
        """Replay one event; False when the replay cannot go on."""
        payload = json.loads(event.payload)
        kind = event.event_type
        if kind == "personal_data_erased" and self.run is not None:
            return self.erase(event, payload)
        if kind == "case_started":
            return self.start(event, payload)
        if self.run is None:
            self.mismatch(event.seq, "history", "case_started first", kind)
            return False
        if kind in CLAIM_EVENTS:
            self.report.skipped += 1
            open_specs = sorted(t.spec_id for t in self.run.ready_tasks())
            if event.task_spec_id not in open_specs:
                self.mismatch(event.seq, f"{kind}: task {event.task_spec_id} open", event.task_spec_id, open_specs)
            return True
        if kind == CLAIMED:  # a counter request taken into the applicant's account: their tasks from now on
            self.applicant_id = event.actor_id
            self.report.skipped += 1
            return True
        if kind == REDISPATCHED:
            return self.redispatch(event, payload)
        if kind not in ("task_completed", "timer_fired", MIGRATED, MESSAGE):
            if "state_hash" in payload:
                self.mismatch(event.seq, f"event type {kind!r}", "an event the replay knows", "cannot be replayed")
                self.run = None
                return False
            self.report.skipped += 1
            return True
        self.ctx.now = event.at
        self.numbers = _recorded_numbers(payload)
        if kind == "task_completed":
            ok = self.complete(event, payload)
        elif kind == MESSAGE:
            ok = self.receive(event, payload)
        elif kind == MIGRATED:
            ok = self.migrate(event, payload)
        else:
            ok = self.fire(event, payload)
        if not ok:
            self.run = None
            return False
        self.compare_event(event.seq, payload)
        self.report.steps_checked += 1
        return True

    def start(self, event, payload: dict) -> bool:
        if self.run is not None:
            self.mismatch(event.seq, "history", "one case_started event", "a second one")
            return False
        definition = definition_for(self.instance)  # the version's hash alone once the engine knows the version
        if payload.get("version") and payload["version"] != definition.content_hash:
            started_on = stored_definition(payload["version"])
            if started_on is None:
                self.mismatch(event.seq, "process version", payload["version"], "not stored")
                return False
            definition = started_on
        self.number = payload.get("number")
        # a request recorded at the counter has no account until the applicant claims it (app/services/casework/counter.py)
        self.applicant_id = None if payload.get("atas_nama_pemohon") else self.instance.applicant_id
        if self.number != self.instance.registration_number:
            self.mismatch(event.seq, "registration number", self.number, self.instance.registration_number)
        self.ctx = RunContext(now=event.at, calendar=self.calendar or current_calendar(), allocate_number=self.allocate)
        self.definition = definition
        try:
            self.run = _engine.start(definition, self.ctx)
        except EngineError as exc:
            self.mismatch(event.seq, "start", "the process starts", str(exc))
            return False
        self.report.steps_checked += 1
        return True

    def migrate(self, event, payload: dict) -> bool:
        """Move the replay to the version the case was migrated to, as `processes.migrate_cases` did."""
        try:
            from app.engine.migration import MigrationRefused, migrate_state
        except ImportError:  # pragma: no cover - a build without migrations
            self.report.note = f"migrated at event #{event.seq}: the events after it are not replayed"
            return False
        if payload.get("from_version") and payload["from_version"] != self.definition.content_hash:
            self.mismatch(event.seq, "migrated from version", payload["from_version"], self.definition.content_hash)
        target = stored_definition(payload.get("to_version"))
        if target is None:
            self.mismatch(event.seq, "migrated to version", payload.get("to_version"), "not stored")
            return False
        try:
            state = migrate_state(self.definition, target, self.run.dumps(), self.ctx)
        except MigrationRefused as exc:
            self.mismatch(event.seq, "migration", "the case moves", "; ".join(exc.reasons))
            return False
        self.run = _engine.open(target, state, self.ctx)
        self.run.advance()
        self.definition = target
        self.task_rows, self.timer_rows = {}, {}  # the migration rebuilt the worklist and timer rows
        return True

    def redispatch(self, event, payload: dict) -> bool:
        """Re-apply a case sent on to another OPD (`redispatch.redispatch_case`): the new OPD in the
        case data and in every task still to run."""
        self.ctx.now = event.at
        opd = (payload.get("submitted") or {}).get("opd")
        self.run.set_data({"opd": opd})
        self.data["opd"] = opd
        self.compare_event(event.seq, payload)
        self.report.steps_checked += 1
        return True

    def receive(self, event, payload: dict) -> bool:
        """Re-deliver a message the case received (e.g. a withdrawal, `withdrawal.withdraw_request`)."""
        submitted = dict(payload.get("submitted") or {})
        try:
            self.run.receive(str(payload.get("message") or ""), submitted)
        except EngineError as exc:
            self.mismatch(event.seq, "message received", payload.get("message"), str(exc))
            return False
        self.data.update(submitted)
        return True

    def allocate(self, kind: str) -> str:
        pattern = re.compile(rf"^{re.escape(kind)}-\d{{4}}-\d+$")
        for i, value in enumerate(self.numbers):
            if pattern.match(value):
                return self.numbers.pop(i)
        return f"{kind}-(tidak tercatat)"

    def complete(self, event, payload: dict) -> bool:
        task_id = self.run.open_task_id(event.task_spec_id or "")
        if task_id is None:
            open_specs = sorted(t.spec_id for t in self.run.ready_tasks())
            self.mismatch(event.seq, "completed task was open", event.task_spec_id, f"open: {open_specs}")
            return False
        submitted = dict(payload.get("submitted") or {})
        if not self.completed_any and self.number:
            submitted["nomor_pendaftaran"] = self.number  # start_case adds it to the start form
        self.completed_any = True
        try:
            self.run.complete(task_id, submitted)
        except EngineError as exc:
            self.mismatch(event.seq, f"completing {event.task_spec_id}", "completes", str(exc))
            return False
        return True

    def fire(self, event, payload: dict) -> bool:
        waiting = self.recorded_timers | {t.spec_id for t in self.run.waiting_timers()}
        names = [s.get("id") for s in payload.get("steps", []) if s.get("id") in waiting]
        if not names:
            self.mismatch(event.seq, "timer fired", "a waiting timer among the steps", "none")
            return False
        fired = {s.spec_id for s in self.run.fire_due_timers()}  # the sweep, as it ran at event.at
        missing = [name for name in names if name not in fired]
        if missing:
            self.mismatch(event.seq, "timers due at this time", missing, "not fired in the replay")
            return False
        return True

    def erase(self, event, payload: dict) -> bool:
        """Re-apply an erasure of personal data (`personal_data.erase_applicant`): the fields it names
        become "(dihapus)" in the replayed case data and, at the end, in the replayed workflow state."""
        from app.services.records.personal_data import erase_values

        self.erased |= set(payload.get("fields") or payload.get("erased") or [])
        self.data = erase_values(self.data, self.erased)
        self.compare_data(event.seq, "case data after erasure", payload.get("case_data"), self.data)
        self.report.skipped += 1
        return True

    def replayed_state(self) -> str:
        from app.services.records.personal_data import scrub_state

        return scrub_state(self.run.dumps(), self.erased) if self.erased else self.run.dumps()

    # -- comparisons -----------------------------------------------------------------------
    def compare_event(self, seq: int, payload: dict) -> None:
        steps = self.run.take_steps()
        recorded_steps = [s.get("id") for s in payload.get("steps", [])]
        if Counter(recorded_steps) != Counter(s.spec_id for s in steps):
            self.mismatch(seq, "steps run", recorded_steps, [s.spec_id for s in steps])
        for step in steps:
            self.data.update(step.changes)
        self.compare_data(seq, "case data", payload.get("case_data"), self.data)
        self.status = str(self.data.get("status", self.status or ""))
        fields = [self.status, self.data.get("opd") or None, self.applicant_id]
        if "case_fields" in payload and list(payload["case_fields"]) != fields:
            self.mismatch(seq, "case fields (status, OPD, applicant)", payload["case_fields"], fields)
        self.sync_rows()
        self.compare_rows(seq, "open tasks", [_task_key(t) for t in payload.get("open_tasks", [])],
                          self.replay_tasks())
        self.compare_rows(seq, "waiting timers", [_timer_key(t) for t in payload.get("timers", [])],
                          self.replay_timers())
        # what the step asked for, once per (recipient, template): a role's mail is recorded once per member,
        # and a mail nobody could receive once with no address
        notes = sorted({(n.get("to"), n.get("template")) for n in payload.get("notifications", [])})
        mine = sorted(set(self.ctx.notifications))
        if "notifications" in payload and notes != mine:
            self.mismatch(seq, "notifications", notes, mine)
        self.ctx.notifications.clear()
        if "finished" in payload and bool(payload["finished"]) != self.run.finished:
            self.mismatch(seq, "finished", payload["finished"], self.run.finished)
        self.recorded_timers = {t.get("spec_id") for t in payload.get("timers", [])}

    def compare_data(self, seq: int | None, label: str, recorded: Any, replayed: dict) -> None:
        if not isinstance(recorded, dict):
            if recorded is not None:
                self.mismatch(seq, label, recorded, replayed)
            return
        if canonical(recorded) == canonical(replayed):
            return  # the usual case: one comparison instead of one per field
        for key in sorted(recorded.keys() | replayed.keys()):
            a, b = recorded.get(key, "(absent)"), replayed.get(key, "(absent)")
            if canonical(a) != canonical(b):
                # a date a script counted in working days (batas_*) moves with the calendar in force now
                note = f": {DUE_DATE_NOTE}" if _is_instant(a) and _is_instant(b) else ""
                self.mismatch(seq, f"{label} {key!r}{note}", a, b)

    def compare_rows(self, seq: int | None, label: str, recorded: list[tuple], replayed: list[tuple]) -> None:
        recorded, replayed = sorted(recorded, key=canonical), sorted(replayed, key=canonical)
        if recorded == replayed:
            return
        same_specs = sorted(r[0] for r in recorded) == sorted(r[0] for r in replayed)
        dated = [(r[0], *r[-2:]) for r in recorded], [(r[0], *r[-2:]) for r in replayed]
        if same_specs and sorted(r[:-2] for r in recorded) == sorted(r[:-2] for r in replayed):
            self.mismatch(seq, f"{label}: {DUE_DATE_NOTE}", sorted(dated[0]), sorted(dated[1]))
        else:
            self.mismatch(seq, label, recorded, replayed)

    def sync_rows(self) -> None:
        """Keep worklist and timer rows as `steps.persist_run` does: a row keeps the due dates
        it was created with for as long as its task stays open."""
        ready = {t.task_id: t for t in self.run.ready_tasks()}
        self.task_rows = {i: self.task_rows.get(i) or (t.spec_id, t.lane, _iso(t.due_at), _iso(t.deadline_at), t.opd)
                          for i, t in ready.items()}
        waiting = {t.task_id: t for t in self.run.waiting_timers() if t.due_at is not None}
        self.timer_rows = {i: self.timer_rows.get(i) or (t.spec_id, None, _iso(t.due_at))
                           for i, t in waiting.items()}

    def replay_tasks(self) -> list[tuple]:
        opd = self.data.get("opd") or None
        return [(spec, lane, own_opd or opd, self.applicant_id, due, deadline)
                for spec, lane, due, deadline, own_opd in self.task_rows.values()]

    def replay_timers(self) -> list[tuple]:
        return list(self.timer_rows.values())

    def compare_stored(self, seq: int) -> None:
        """The stored case against the end of the replay (seq: the last event)."""
        instance = self.instance
        stored_state = json.loads(instance.state)  # parsed once: compared, then indexed
        for diff in compare_states(stored_state, self.replayed_state()):
            dates = diff.what.endswith(TIMER_VALUES) or _dates_only(diff.expected, diff.actual)
            note = f" ({DUE_DATE_NOTE})" if dates else ""
            self.mismatch(seq, f"stored workflow state: {diff.what}{note}", diff.expected, diff.actual)
        self.compare_data(seq, "stored case data", instance.case_data, self.data)
        stored = [instance.status, instance.opd_code, bool(instance.finished), bool(instance.late)]
        mine = [self.status, self.data.get("opd") or None, self.run.finished, bool(self.data.get("terlambat"))]
        if stored != mine:
            self.mismatch(seq, "stored case fields (status, OPD, finished, late)", stored, mine)
        rows = self.rows.tasks
        self.compare_rows(seq, "stored worklist rows", [
            (r.spec_id, r.lane, r.opd_code, r.applicant_id, _iso(r.due_at), _iso(r.deadline_at)) for r in rows],
            self.replay_tasks())
        titles = {t.spec_id: t.name for t in self.run.ready_tasks()}
        index = task_index(stored_state)
        for row in rows:
            facts = [row.title, row.registration_number, row.process_id, row.case_status]
            expected = [titles.get(row.spec_id), instance.registration_number, instance.process_id, self.status]
            if facts != expected:
                self.mismatch(seq, f"stored worklist row {row.spec_id} (title, number, process, status)", facts, expected)
            if index.get(row.task_id) != (row.spec_id, "READY"):
                self.mismatch(seq, f"stored worklist row {row.spec_id}: its task in the stored state",
                              [row.spec_id, "READY"], list(index.get(row.task_id) or ["(absent)"]))
        timer_rows = self.rows.timers
        self.compare_rows(seq, "stored timer rows", [(r.spec_id, None, _iso(r.due_at)) for r in timer_rows],
                          self.replay_timers())
        for row in timer_rows:
            if index.get(row.task_id) != (row.spec_id, "WAITING"):
                self.mismatch(seq, f"stored timer row {row.spec_id}: its task in the stored state",
                              [row.spec_id, "WAITING"], list(index.get(row.task_id) or ["(absent)"]))


def _task_key(row: dict) -> tuple:
    return (row.get("spec_id"), row.get("lane"), row.get("opd"), row.get("applicant_id"), row.get("due_at"),
            row.get("deadline_at"))


def _timer_key(row: dict) -> tuple:
    return (row.get("spec_id"), None, row.get("due_at"))


def _recorded_numbers(payload: dict) -> list[str]:
    """Strings an event's changes introduced: the candidates for numbers allocated during it."""
    changes = payload.get("changes") or {}
    return [c.get("after") for c in changes.values()
            if isinstance(c, dict) and isinstance(c.get("after"), str) and c.get("before") != c.get("after")]


@dataclass
class CaseRows:
    """What a replay reads of a case besides the case row: its audit events (in order), worklist and timer rows."""

    events: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    timers: list = field(default_factory=list)


def read_rows(ids: list[int]) -> dict[int, CaseRows]:
    """The events, worklist rows and timer rows of these cases: three queries, however many cases."""
    found = {i: CaseRows() for i in ids}
    for row in db.session.execute(
            db.select(AuditEvent.instance_id, AuditEvent.seq, AuditEvent.at, AuditEvent.event_type,
                      AuditEvent.actor_id, AuditEvent.task_spec_id, AuditEvent.payload)
            .where(AuditEvent.instance_id.in_(ids)).order_by(AuditEvent.instance_id, AuditEvent.seq)):
        found[row.instance_id].events.append(row)
    for row in db.session.execute(db.select(
            HumanTask.instance_id, HumanTask.task_id, HumanTask.spec_id, HumanTask.lane, HumanTask.opd_code,
            HumanTask.applicant_id, HumanTask.due_at, HumanTask.deadline_at, HumanTask.title,
            HumanTask.registration_number, HumanTask.process_id, HumanTask.case_status)
            .where(HumanTask.instance_id.in_(ids))):
        found[row.instance_id].tasks.append(row)
    for row in db.session.execute(db.select(TimerJob.instance_id, TimerJob.task_id, TimerJob.spec_id, TimerJob.due_at)
                                  .where(TimerJob.instance_id.in_(ids))):
        found[row.instance_id].timers.append(row)
    return found


def replay_instance(instance: ProcessInstance, calendar: WorkingCalendar | None = None,
                    rows: CaseRows | None = None) -> ReplayReport:
    """`calendar`: the working-day calendar in force now, and `rows` the case's rows (`read_rows`), when the
    caller read them already (a batch of cases)."""
    return _CaseReplay(instance, calendar, rows).replay()


def replay_case(registration_number: str) -> ReplayReport:
    """Replay one case (by registration number) and compare it with its history and stored rows."""
    instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=registration_number)
                                 .options(undefer(ProcessInstance.state)))
    if instance is None:
        raise NotFound("Nomor pendaftaran tidak ditemukan.")
    return replay_instance(instance)


def case_ids() -> list[int]:
    """The ids of every case, oldest first: what `replay_all` replays, and how the parallel replay splits it.
    Read in a read-only transaction of its own (ended here) unless the caller is in one."""
    own = not db.session().in_transaction()
    read_only_transaction(db.session())
    ids = list(db.session.scalars(db.select(ProcessInstance.id).order_by(ProcessInstance.id)))
    if own:
        db.session.remove()
    return ids


#: cases read from the database in one query by `replay_ids` (their states: a few MB)
READ_BATCH = 50


def replay_ids(ids: list[int], progress: Callable[[ReplayReport], None] | None = None,
               keep: Callable[[ReplayReport], bool] | None = None) -> list[ReplayReport]:
    """Replay the cases with these ids, in this order; `progress` is called after each. The reports returned are
    those `keep` keeps (all when None).

    Nothing is written. Unless the caller is in a transaction, each batch of READ_BATCH cases is read in a
    read-only transaction of its own, ended when the batch is done: a run over a million cases holds no
    snapshot (nor, on SQLite, a lock) for hours, and worker processes read side by side. The working-day
    calendar in force now is read once. A case whose replay raises (a defect of the replay, a lost
    connection) is reported as a mismatch of its own (`REPLAY_FAILED`), its session closed, and the others
    go on.
    """
    calendar = None
    reports: list[ReplayReport] = []
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start:start + READ_BATCH]
        own = not db.session().in_transaction()
        missing: BaseException | str = "the case is not stored any more"
        try:
            read_only_transaction(db.session())
            calendar = calendar or current_calendar()
            found = {i.id: i for i in db.session.scalars(
                db.select(ProcessInstance).where(ProcessInstance.id.in_(batch))
                .options(undefer(ProcessInstance.state)))}
            rows = read_rows(batch)
        except Exception as exc:  # noqa: BLE001 - reported per case below; the next batch tries again
            db.session.remove()
            found, missing = {}, exc
        for instance_id in batch:
            instance = found.get(instance_id)  # (an id may come twice: the bench replays a list over)
            if instance is None:
                report = failed_report(f"#{instance_id}", missing)
            else:
                try:
                    report = replay_instance(instance, calendar, rows[instance_id])
                except Exception as exc:  # noqa: BLE001 - one case's failure is its report, not the end of the run
                    report = failed_report(instance.registration_number, exc)
                    db.session.remove()
            if keep is None or keep(report):
                reports.append(report)
            if progress is not None:
                progress(report)
        if own:
            db.session.remove()
    return reports


REPLAY_FAILED = "replay failed"


def failed_report(registration_number: str, error: BaseException | str) -> ReplayReport:
    """The report of a case whose replay could not run to its end (an exception, a worker that died)."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return ReplayReport(registration_number, mismatches=[Mismatch(None, REPLAY_FAILED, "the replay runs", text)])


def replay_all(progress: Callable[[ReplayReport], None] | None = None) -> list[ReplayReport]:
    """Replay every case, one at a time (oldest first); `progress` is called after each."""
    return replay_ids(case_ids(), progress)


def count_cases() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) or 0
