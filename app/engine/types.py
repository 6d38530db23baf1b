"""Small values the engine hands to the rest of the application (no SpiffWorkflow inside)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from app.domain import data_contract as contract
from app.domain.deadlines import is_legal_limit


NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}


@dataclass(frozen=True)
class UserTaskMeta:
    """What the product needs to know about one user task of a definition."""

    id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None = None
    exclude_completers_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcessDefinition:
    """One version of one process: its source, its forms and its parsed spec (as JSON)."""

    process_id: str
    name: str
    content_hash: str
    bpmn_xml: bytes
    forms: dict[str, dict] = field(default_factory=dict)
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    spec_json: str = ""
    #: DMN files its business rule tasks call: filename -> XML text (app.engine.decisions)
    decisions: dict[str, str] = field(default_factory=dict)
    #: call activity id -> the deployed version it calls (app.engine.calls)
    called: dict[str, dict] = field(default_factory=dict)


class EngineError(Exception):
    """The workflow could not do what was asked (task gone, script failed, ...)."""


class Calendar(Protocol):
    def add_working_days(self, start: datetime, n: int) -> datetime: ...


@dataclass
class RunContext:
    """What one use case gives the engine: the time, the calendar and two callbacks."""

    now: datetime
    calendar: Calendar
    allocate_number: Callable[[str], str]
    notifications: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TaskView:
    """A user task waiting for a person."""

    task_id: str
    spec_id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None
    exclude_completers_of: tuple[str, ...]
    due_at: datetime | None
    deadline_at: datetime | None
    #: the OPD this task is for when it is not the case's (one instance of a task given to several OPDs, whose data
    #: names it in OPD_ELEMENT); None: the case's OPD
    opd: str | None = None


#: the data key that names the OPD of one instance of a task given to several OPDs (docs/PROCESS_CONVENTIONS.md)
OPD_ELEMENT = contract.OPD_PENJAWAB


@dataclass(frozen=True)
class TimerView:
    """A timer event waiting for its time."""

    task_id: str
    spec_id: str
    name: str
    due_at: datetime | None
    interrupting: bool

    @property
    def legal(self) -> bool:
        """A limit the office must keep: shown as the deadline of the tasks it guards (app.domain.deadlines)."""
        return is_legal_limit(self.name, self.interrupting)


@dataclass(frozen=True)
class Step:
    """One task the workflow completed (a user task, a script, a gateway, an event...)."""

    task_id: str
    spec_id: str
    name: str
    kind: str
    lane: str | None
    is_timer: bool
    changes: dict[str, Any]
