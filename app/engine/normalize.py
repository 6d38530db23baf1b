"""Editor dialects, made uniform before the XSD check (stage e of an import).

bpmn.io, Camunda Modeler and SpiffArena write the same BPMN with small differences. The
rewrites here change only what the engine would otherwise misread; each one is reported
as a line of text so the process owner sees exactly what was changed in their file.

- Camunda Modeler writes timer texts bare (``P5D``, ``R3/PT1H``, ``2026-01-01T00:00:00Z``);
  the engine evaluates timer texts as expressions, so they are quoted (``"P5D"``).
- Camunda Modeler's ``camunda:candidateGroups`` on a user task drawn in no lane names the
  role that works it: that group becomes the task's lane (see `candidate_group_lanes`).
- A file whose only process says nothing about ``isExecutable`` has that process marked
  executable. A process marked ``isExecutable="false"`` (bpmn.io's plain modeler writes that on
  its only process) is left as its authors marked it: the model stage refuses it and says how
  to mark it executable in the editor.
- SpiffArena exports (``spiffworkflow:properties``) are read as they are.
"""
from __future__ import annotations

import re

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
CANDIDATE_GROUPS = f"{{{NS['camunda']}}}candidateGroups"
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"P(?=[\dT])(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
                       rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?", re.IGNORECASE)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_REPEAT = re.compile(r"R\d*", re.IGNORECASE)
#: text that an author meant as an ISO 8601 literal, valid or not (used to word problems)
LOOKS_ISO = re.compile(r"^(R\d*/)?(PT?\d[\w.,]*|\d{4}-\d{2}[-\dT:.Z+]*)(/\S*)?$", re.IGNORECASE)


def is_iso_literal(text: str) -> bool:
    """A bare ISO 8601 date-time, duration, interval or repeating interval (R3/PT1H)."""
    parts = text.split("/")
    if len(parts) > 1 and _REPEAT.fullmatch(parts[0]):
        parts = parts[1:]
    if not 1 <= len(parts) <= 2 or not all(parts):
        return False
    return all(_DURATION.fullmatch(p) or _DATETIME.fullmatch(p) for p in parts)


def _label(el: etree._Element) -> str:
    name = " ".join(el.get("name", "").split())
    return f"{el.get('id')} ({name})" if name else str(el.get("id"))


def _owner(el: etree._Element) -> etree._Element:
    """The nearest ancestor with an id (the event of a timer definition)."""
    while el is not None and el.get("id") is None:
        el = el.getparent()
    return el


def _lane_refs(root: etree._Element) -> set[str]:
    return {(ref.text or "").strip() for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}


def candidate_group_lanes(root: etree._Element) -> dict[str, str]:
    """User task id -> its camunda:candidateGroups, for user tasks that are in no lane."""
    in_lanes = _lane_refs(root)
    found = {}
    for task in root.iterfind(".//bpmn:userTask", NS):
        group = (task.get(CANDIDATE_GROUPS) or "").strip()
        if group and task.get("id") not in in_lanes:
            found[task.get("id")] = group
    return found


def normalize(root: etree._Element) -> list[str]:
    """Rewrite editor dialects in place; return one line per change."""
    notes: list[str] = []
    processes = root.findall("./bpmn:process", NS)
    if len(processes) == 1 and processes[0].get("isExecutable") is None:
        processes[0].set("isExecutable", "true")
        notes.append(f"proses {_label(processes[0])}: ditandai isExecutable=\"true\" (satu-satunya proses berkas ini "
                     "dan tidak bertanda)")
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        for node in definition:
            kind = etree.QName(node).localname if isinstance(node.tag, str) else ""
            text = (node.text or "").strip()
            if kind in TIMER_KINDS and text and is_iso_literal(text):
                node.text = f'"{text}"'
                notes.append(f"timer {_label(_owner(definition.getparent()))} baris {node.sourceline}: {kind} {text} "
                             f'ditulis sebagai teks "{text}"')
    for task_id, group in candidate_group_lanes(root).items():
        task = root.find(f".//bpmn:userTask[@id='{task_id}']", NS)
        notes.append(f"tugas pengguna {_label(task)} baris {task.sourceline}: tidak berada di jalur mana pun; "
                     f"camunda:candidateGroups '{group}' dipakai sebagai jalurnya (peran)")
    return notes
