"""Stage e of an import: the process is run in memory, from its start form to every end it can reach.

No database, no mail: the engine runs the definition with a virtual clock (timers fire by moving
it), the working-day calendar of the domain, and form data generated from each form's JSON Schema
(app.engine.formdata: every choice of every form is entered at least once). The exploration is a
depth-first walk over decisions (which answers a task gets, a timer firing before a task is done,
a message arriving); each path is followed to an end, and an alternative is tried only where it is
new (a task's answers not entered before, a timer not fired in that situation before), so the
paths stay few while every reachable task, gateway branch and timer is reached.

Refused (a Problem of stage "simulate", naming the element, the path that led there and the data):
a process that cannot start (no start form in the applicants' lane), a step that fails (a script or
condition raising, a task type with nothing to run it, a gateway with no way out for some data), a
path that never ends within the bound of steps. Reported: paths, ends reached, coverage; elements
never reached are warnings. Bounded by states and seconds; when a bound is hit the report says so.
"""
from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from lxml import etree
from SpiffWorkflow.util.task import TaskState

from app.domain.messages import PRODUCT_MESSAGES

from .failures import describe_failure
from .formdata import variants
from .problems import Problem
from .runtime import Engine, Run, StepLimitExceeded
from .sandbox import SandboxError
from .types import NS, ProcessDefinition, RunContext

STAGE = "simulate"
START_TIME = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)  # a Monday, 09:00 WIB
APPLICANT_LANE = "pemohon"
#: data the services add to the start form's answers (app.services.casework.cases.start_case)
START_EXTRA = {"nomor_pendaftaran": "SIM/0001"}
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
                      "complexGateway"})
COUNTED = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                     "businessRuleTask", "callActivity", "subProcess", "transaction", "startEvent", "endEvent",
                     "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", *GATEWAYS})


@dataclass
class SimulationReport:
    """What the simulation found: paths, ends, coverage, and the problems that refuse the import."""

    paths: int = 0
    states: int = 0
    ends: dict[str, str] = field(default_factory=dict)  # end event id -> name, reached
    elements: dict[str, str] = field(default_factory=dict)  # every counted element id -> "kind 'name'"
    reached: set[str] = field(default_factory=set)
    branches: dict[str, str] = field(default_factory=dict)  # gateway flow id -> "gateway → target"
    taken: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    bound: str | None = None  # which limit stopped the exploration early, in words
    seconds: float = 0.0

    @property
    def unreached(self) -> list[str]:
        return [f"{eid} {label}" for eid, label in self.elements.items() if eid not in self.reached]

    @property
    def untaken(self) -> list[str]:
        return [f"{fid} ({label})" for fid, label in self.branches.items() if fid not in self.taken]

    def summary(self) -> str:
        branches = f", cabang gateway {len(self.taken & set(self.branches))}/{len(self.branches)}" \
            if self.branches else ""
        return (f"simulasi: {self.paths} jalur, {len(self.ends)} akhir tercapai, elemen "
                f"{len(self.reached & set(self.elements))}/{len(self.elements)}{branches}, "
                f"{self.states} keadaan dalam {self.seconds:.1f} detik")

    def warnings(self) -> list[str]:
        out = []
        if self.bound:
            out.append(f"simulasi berhenti lebih awal ({self.bound}): cakupan di bawah ini belum lengkap")
        out += [f"simulasi tidak pernah mencapai {item}" for item in self.unreached]
        out += [f"simulasi tidak pernah melewati cabang gateway {item}" for item in self.untaken]
        return out


@dataclass
class _Decision:
    key: tuple
    label: str
    apply: Callable[[Run], None]


@dataclass
class _Node:
    state: str
    now: datetime
    path: list[str]
    visits: dict[str, int]
    pending: _Decision | None = None


def _label(el: etree._Element) -> str:
    name = " ".join((el.get("name") or "").split())
    kind = etree.QName(el).localname
    return f"{kind} '{name}'" if name else kind


def _elements(process: etree._Element) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], str]]:
    """Counted flow nodes, the outgoing flows of gateways (id -> words) and (source, target) -> flow id."""
    elements, branches, flows = {}, {}, {}
    by_id = {el.get("id"): el for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
    for el in by_id.values():
        if etree.QName(el).namespace == NS["bpmn"] and etree.QName(el).localname in COUNTED:
            elements[el.get("id")] = _label(el)
    for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        source, target = by_id.get(flow.get("sourceRef")), by_id.get(flow.get("targetRef"))
        if source is None or target is None:
            continue
        flows[(flow.get("sourceRef"), flow.get("targetRef"))] = flow.get("id")
        if etree.QName(source).localname in GATEWAYS - {"parallelGateway"} and \
                len(source.findall("bpmn:outgoing", NS)) > 1:
            name = " ".join((flow.get("name") or "").split())
            branches[flow.get("id")] = (f"{source.get('id')} → {target.get('id')}" + (f" '{name}'" if name else ""))
    return elements, branches, flows


class _Calendar:
    """The domain's working-day calendar (national holidays, no office edits: none are known here)."""

    def __init__(self):
        from app.domain.calendar import WorkingCalendar

        self._calendar = WorkingCalendar()

    def __getattr__(self, name):
        return getattr(self._calendar, name)


class Simulator:
    def __init__(self, definition: ProcessDefinition, process: etree._Element, *,
                 options: dict[str, list] | None = None, max_states: int = 3000, max_seconds: float = 20.0,
                 max_depth: int = 120, start_time: datetime = START_TIME):
        self.definition = definition
        self.engine = Engine()
        self.calendar = _Calendar()
        self.options = options or {}
        self.max_states, self.max_seconds, self.max_depth = max_states, max_seconds, max_depth
        self.start_time = start_time
        self.report = SimulationReport()
        self.report.elements, self.report.branches, self._flows = _elements(process)
        self._lines = {el.get("id"): el.sourceline for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        self._tried: set[tuple] = set()
        self._said: set[tuple] = set()
        self._numbers = 0
        self._forms: dict[str, list[dict]] = {}
        self._deadline = 0.0

    # -- helpers -------------------------------------------------------------------------------------
    def _ctx(self, now: datetime) -> RunContext:
        def allocate(kind: str) -> str:
            self._numbers += 1
            return f"SIM/{kind}/{self._numbers:04d}"

        return RunContext(now=now, calendar=self.calendar, allocate_number=allocate)

    def _answers(self, form: str | None) -> list[dict]:
        if not form:
            return [{}]
        if form not in self._forms:
            schema = _with_options(self.definition.forms.get(form) or {}, self.options)
            signer = _signer(schema)
            self._forms[form] = [{**answers, **signer} for answers in variants(schema, self.start_time) or [{}]]
        return self._forms[form]

    def _problem(self, element_id: str | None, message: str, path: list[str]) -> None:
        name = None
        if element_id and element_id in self.report.elements:
            label = self.report.elements[element_id]
            name = label.split("'", 1)[1].rstrip("'") if "'" in label else None
        trail = " → ".join(path[-8:])
        text = f"{message}; jalur: {'… → ' if len(path) > 8 else ''}{trail}" if path else message
        if (element_id, message) not in self._said:  # one problem per element and finding, with the first path
            self._said.add((element_id, message))
            self.report.problems.append(Problem(STAGE, element_id, name, self._lines.get(element_id), text))

    def _record(self, run: Run) -> None:
        for step in run.steps:
            self.report.reached.add(step.spec_id)
            if step.kind == "EndEvent" and step.spec_id:
                self.report.ends[step.spec_id] = step.name or step.spec_id
        for task in run.workflow.get_tasks():
            spec = task.task_spec
            if task.state != TaskState.COMPLETED or spec.bpmn_id is None:
                continue
            for child in task.children:
                target = child
                while target is not None and target.task_spec.bpmn_id is None and target.children:
                    target = target.children[0]
                if target is None or target.state & (TaskState.PREDICTED_MASK | TaskState.CANCELLED):
                    continue
                flow = self._flows.get((spec.bpmn_id, target.task_spec.bpmn_id))
                if flow:
                    self.report.taken.add(flow)

    # -- decisions -----------------------------------------------------------------------------------
    def _decisions(self, run: Run, first: bool) -> list[_Decision]:
        decisions = []
        ready = run.ready_tasks()
        ready_ids = tuple(sorted(t.spec_id for t in ready))
        if ready:
            task = ready[0]
            for index, answers in enumerate(self._answers(task.form)):
                data = {**answers, **START_EXTRA} if first else dict(answers)
                shown = ", ".join(f"{k}={v}" for k, v in answers.items()
                                  if isinstance(v, (bool, int)) or (isinstance(v, str) and len(v) <= 24
                                                                    and not v.startswith("Contoh")))
                decisions.append(_Decision(
                    ("task", task.spec_id, index), f"{task.name} [{shown}]" if shown else task.name,
                    lambda r, t=task.task_id, d=data: r.complete(t, d)))
        timers = sorted((t for t in run.waiting_timers() if t.due_at is not None), key=lambda t: t.due_at)
        if timers:
            timer = timers[0]
            decisions.append(_Decision(("timer", timer.spec_id, ready_ids), f"⏱ {timer.name}",
                                       lambda r, due=timer.due_at: self._fire(r, due)))
        for name in run.waiting_messages():
            if name in PRODUCT_MESSAGES:  # only messages the product sends can come
                decisions.append(_Decision(("message", name, ready_ids), f"✉ {name}",
                                           lambda r, n=name: r.receive(n, dict(PRODUCT_MESSAGES[n]))))
        return decisions

    @staticmethod
    def _fire(run: Run, due: datetime) -> None:
        run.ctx.now = max(run.ctx.now, due + timedelta(seconds=1))
        run.fire_due_timers()

    def _choose(self, decisions: list[_Decision], visits: dict[str, int]) -> tuple[_Decision, list[_Decision]]:
        """The default (a task's answers not tried yet, else in turn by visit; timers only when no task waits)."""
        tasks = [d for d in decisions if d.key[0] == "task"]
        pool = tasks or [d for d in decisions if d.key[0] == "timer"] or decisions
        fresh = [d for d in pool if d.key not in self._tried]
        if fresh:
            default = fresh[0]
        else:
            spec = pool[0].key[1]
            default = pool[visits.get(spec, 0) % len(pool)]
        return default, [d for d in decisions if d is not default and d.key not in self._tried]

    # -- the walk ------------------------------------------------------------------------------------
    def _open(self, node: _Node) -> Run:
        return self.engine.open(self.definition, node.state, self._ctx(node.now))

    def _apply(self, run: Run, decision: _Decision, path: list[str]) -> bool:
        try:
            decision.apply(run)
            return True
        except StepLimitExceeded as exc:
            self._problem(exc.element_id, f"jalur ini tidak pernah selesai: lebih dari {exc.limit} langkah berjalan "
                          "tanpa menunggu orang atau timer (perulangan tanpa jalan keluar, atau call activity yang "
                          "memanggil prosesnya sendiri)", path)
        except Exception as exc:  # noqa: BLE001 - any failure of a step is what this stage is for
            self._problem(*_failure(run, exc), path)
        return False

    def run(self) -> SimulationReport:
        started = time.monotonic()
        self._deadline = started + self.max_seconds
        try:
            first = self.engine.start(self.definition, self._ctx(self.start_time))
        except Exception as exc:  # noqa: BLE001
            where = describe_failure(exc).element_id or self.definition.process_id
            self._problem(where, f"proses tidak dapat dimulai: {_words(exc)}", [])
            return self._finish(started)
        ready = first.ready_tasks()
        start = ready[0] if ready else None
        if start is None or start.lane != APPLICANT_LANE or not start.form:
            where = start.spec_id if start else None
            found = (f"tugas pertama '{start.name}' ada di lajur '{start.lane or '(tanpa lajur)'}'"
                     f"{' tanpa formulir' if start and not start.form else ''}" if start
                     else "tidak ada tugas pengguna yang tercapai")
            self._problem(where, f"permohonan tidak dapat diajukan: {found}; tugas pengguna pertama harus ada di lajur "
                                 f"pemohon '{APPLICANT_LANE}' dan punya formulir (formulir pengajuan)", [])
            return self._finish(started)
        self._record(first)
        stack = deque([_Node(first.dumps(), self.start_time, [], {})])  # alternatives in the order found
        while stack:
            if self.report.states >= self.max_states:
                self.report.bound = f"batas {self.max_states} keadaan tercapai"
                break
            if time.monotonic() > self._deadline:
                self.report.bound = f"batas {self.max_seconds:.0f} detik tercapai"
                break
            self._walk(stack.popleft(), stack)
        return self._finish(started)

    def _walk(self, node: _Node, stack: deque) -> None:
        run = self._open(node)
        path, visits = list(node.path), dict(node.visits)
        decision = node.pending
        while True:
            if decision is None:
                if run.finished:
                    self.report.paths += 1
                    return
                decisions = self._decisions(run, first=not path)
                if not decisions:
                    waiting = [t.task_spec.bpmn_id for t in run.workflow.get_tasks(state=TaskState.WAITING)
                               if t.task_spec.bpmn_id]
                    unknown = [n for n in run.waiting_messages() if n not in PRODUCT_MESSAGES]
                    self._problem(waiting[0] if waiting else None,
                                  "kasus berhenti tanpa selesai: tidak ada yang dapat ditunggunya (tugas orang, "
                                  f"timer, atau pesan){f' (menunggu di {waiting[0]})' if waiting else ''}"
                                  + (f"; pesan {', '.join(repr(n) for n in unknown)} tidak pernah dikirim produk ini "
                                     f"(yang dikirim: {', '.join(sorted(PRODUCT_MESSAGES))})" if unknown else ""),
                                  path)
                    return
                decision, alternatives = self._choose(decisions, visits)
                for alt in alternatives:
                    self._tried.add(alt.key)
                    stack.append(_Node(run.dumps(), run.ctx.now, list(path), dict(visits), alt))
            self._tried.add(decision.key)
            self.report.states += 1
            path.append(decision.label)
            visits[decision.key[1]] = visits.get(decision.key[1], 0) + 1
            ok = self._apply(run, decision, path)
            self._record(run)
            if not ok:
                return
            decision = None
            if len(path) > self.max_depth:
                self._problem(None, f"jalur ini tidak selesai dalam {self.max_depth} langkah orang dan timer "
                                    "(perulangan yang tidak pernah keluar, apa pun jawabannya)", path)
                return
            if time.monotonic() > self._deadline or self.report.states >= self.max_states:
                stack.append(_Node(run.dumps(), run.ctx.now, path, visits))
                return

    def _finish(self, started: float) -> SimulationReport:
        self.report.seconds = time.monotonic() - started
        return self.report


def _with_options(schema: dict, options: dict[str, list]) -> dict:
    """A form whose `x-options` fields (choices read from the database) get sample choices."""
    props = schema.get("properties") or {}
    if not any(isinstance(p, dict) and ("x-options" in p or "x-options" in (p.get("items") or {}))
               for p in props.values()):
        return schema
    import copy

    schema = copy.deepcopy(schema)
    for prop in schema["properties"].values():
        for target in (prop, prop.get("items") if isinstance(prop, dict) else None):
            if isinstance(target, dict) and target.get("x-options"):
                source = options.get(target["x-options"]) or [{"const": "CONTOH_A"}, {"const": "CONTOH_B"}]
                target["oneOf"] = source
    return schema


def _signer(schema: dict) -> dict[str, str]:
    """What the services add to a form that a letter is signed by (`x-penandatangan`): the officer's name and position."""
    keys = schema.get("x-penandatangan")
    if not isinstance(keys, dict):
        return {}
    sample = {"nama": "Petugas Simulasi", "jabatan": "Jabatan Simulasi"}
    return {str(keys[k]): sample[k] for k in sample if isinstance(keys.get(k), str)}


def _words(exc: BaseException) -> str:
    """An error in one line, without SpiffWorkflow's decorations."""
    cause = exc.__cause__ or exc
    inner = cause.__cause__ or cause.__context__  # SpiffWorkflow raises its own error while handling the original
    if getattr(cause, "error_type", None) and isinstance(inner, Exception):
        where = " ".join(str(cause).split("Did you mean")[0].split()).rstrip(".?")
        said = _words(inner)
        # a script's error is its own text again ("TypeError:…"); an expression's says which expression failed
        return said if not where or "".join(str(inner).split()) in "".join(where.split()) else f"{said}: {where}"
    text = " ".join(str(cause).split()) or type(cause).__name__
    if isinstance(cause, SandboxError):  # the sandbox words its refusals for the process owner already
        return text
    if isinstance(cause, NameError) or "is not defined" in text:
        return f"skrip atau kondisi memakai nama yang tidak ada ({text})"
    if "No output task connected" in text:
        return "elemen ini tidak punya alur keluar (sequence flow) ke langkah berikutnya: gambar alurnya"
    return f"{type(cause).__name__}: {text}" if type(cause).__name__ not in text else text


def _failure(run: Run, exc: BaseException) -> tuple[str | None, str]:
    """The element a failed step belongs to, and what went wrong in words."""
    element = None
    for candidate in (exc, exc.__cause__):
        task = getattr(candidate, "task", None)
        spec = getattr(candidate, "task_spec", None) or getattr(task, "task_spec", None)
        if spec is not None and getattr(spec, "bpmn_id", None):
            element = spec.bpmn_id
            break
    if element is None:
        failed = [t for t in run.workflow.get_tasks() if t.state in (TaskState.ERROR, TaskState.STARTED)
                  and t.task_spec.bpmn_id]
        element = failed[0].task_spec.bpmn_id if failed else describe_failure(exc).element_id
    text = _words(exc)
    if "ServiceTask" in type(exc).__name__ or "operator" in text or "service" in text.lower():
        text = f"service task tidak punya pelaksana di produk ini (pakai script task atau user task): {text}"
    return element, f"langkah ini gagal dijalankan: {text}"


_reports: dict[str, SimulationReport] = {}


def simulate(definition: ProcessDefinition, process: etree._Element, **limits: Any) -> SimulationReport:
    """Run the definition in memory over every path the generated answers reach (see the module's doc).

    The walk is deterministic, so a report is kept per content, options and limits (the same file
    imported again, e.g. after a refusal at a later stage, is not simulated twice)."""
    key = json.dumps([definition.content_hash, limits.get("options"), sorted((k, str(v)) for k, v in limits.items()
                                                                          if k != "options")], sort_keys=True,
                     default=str)
    found = _reports.get(key)
    if found is None or found.bound:  # a walk cut short by time may go further on another try
        found = Simulator(definition, process, **limits).run()
        if len(_reports) > 64:
            _reports.clear()
        _reports[key] = found
    return found
