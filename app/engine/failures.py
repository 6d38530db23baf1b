"""Say what went wrong when a step failed at run time: which element, in words, and the technical detail.

Services catch any failure around engine calls (a script error, a service task nothing runs, a timer that cannot
be evaluated, a loop that never waits) and record it as an incident; this module reads the exception (and the
SpiffWorkflow objects it carries) so the rest of the application never sees a SpiffWorkflow type.
"""
from __future__ import annotations

import re
import traceback
from dataclasses import dataclass

from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task

#: longest technical detail kept (the traceback is for administrators, not a log archive)
DETAIL_LIMIT = 8000
MESSAGE_LIMIT = 500
_REPR = re.compile(r"<[^<>]*\bat 0x[0-9a-f]+>|<(?:function|class|module|bound method) [^<>]*>")
_LOCALS = re.compile(r"(?:\w+\.)*<locals>\.")


@dataclass(frozen=True)
class Failure:
    """A run-time failure as the incident list shows it."""

    element_id: str | None
    element_name: str | None
    element_type: str | None
    message: str  # one line, no Python object reprs
    detail: str  # the exception chain and traceback, for administrators


def describe_failure(exc: BaseException) -> Failure:
    spec = _failing_spec(exc)
    element_id = getattr(spec, "bpmn_id", None) or getattr(exc, "element_id", None)
    element_name = getattr(spec, "bpmn_name", None) or getattr(exc, "element_name", None)
    element_type = type(spec).__name__ if spec is not None else None
    return Failure(element_id, element_name, element_type, _message(exc, element_type), _detail(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    seen, out, current = set(), [], exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _failing_spec(exc: BaseException):
    """The task spec the failure happened in: carried by SpiffWorkflow's exceptions, else found on the stack
    (an error inside SpiffWorkflow's own error path, e.g. a service task with nothing to run it)."""
    for item in _chain(exc):
        spec = getattr(item, "task_spec", None)
        if isinstance(spec, TaskSpec) and getattr(spec, "bpmn_id", None):
            return spec
    for item in _chain(exc):
        found = None
        for frame, _line in traceback.walk_tb(item.__traceback__):
            for name in ("my_task", "task"):
                value = frame.f_locals.get(name)
                if isinstance(value, Task) and getattr(value.task_spec, "bpmn_id", None):
                    found = value.task_spec  # the innermost frame that names a task wins
        if found is not None:
            return found
    return None


def _message(exc: BaseException, element_type: str | None) -> str:
    chain = _chain(exc)
    if element_type and "ServiceTask" in element_type and any(isinstance(e, NotImplementedError) for e in chain):
        text = "service task: no service is configured here to run it"
    else:
        root = next((e for e in reversed(chain) if not _is_wrapper(e)), chain[-1])
        words = str(root).strip().rstrip(".").strip()
        text = f"{type(root).__name__}: {words}" if words else type(root).__name__
    return plain(text)


def _is_wrapper(exc: BaseException) -> bool:
    """Our and SpiffWorkflow's wrappers, whose text repeats the cause's."""
    module = type(exc).__module__ or ""
    return module.startswith("SpiffWorkflow") or type(exc).__name__ == "EngineError"


def plain(text: str) -> str:
    """One line without object reprs or `<locals>` paths, at most MESSAGE_LIMIT characters."""
    text = _LOCALS.sub("", _REPR.sub("…", text))
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 1] + "…"


def _detail(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text if len(text) <= DETAIL_LIMIT else "…" + text[-(DETAIL_LIMIT - 1):]
