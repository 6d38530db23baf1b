"""Workflow serialization with the spec stored once per process version.

SpiffWorkflow's serializer writes the whole spec into every serialization; most of the
cost of a save-and-reload step is that spec. Here the spec is serialized once (stored with
the process version) and each instance stores its state alone. The task trees of that state
are written and read by our own loop, in exactly the JSON of SpiffWorkflow's TaskConverter, at
about half its cost (docs/PERFORMANCE.md, "State round trip").
"""
from __future__ import annotations

import json
from copy import copy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_FULL = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def spec_to_json(spec, subprocess_specs: dict) -> str:
    """Serialize a process spec and its subprocess specs to JSON."""
    registry = _FULL.registry
    return json.dumps({
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
    })


def specs_from_json(spec_json: str):
    """Restore (spec, subprocess_specs) from spec_to_json's output."""
    dct = json.loads(spec_json)
    registry = _FULL.registry
    subs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return registry.restore(dct["spec"]), subs


def restore_specs(dicts: dict[str, dict]) -> dict:
    """Specs from their serialized dicts (as spec_to_json writes them), by process id."""
    return {name: _FULL.registry.restore(json.loads(json.dumps(dct))) for name, dct in dicts.items()}  # restore mutates


# -- the task tree, written and read the way SpiffWorkflow's TaskConverter does ------------------------
#
# Same dictionaries, same key order, same JSON text as TaskConverter (a child keeps only its changes
# against its parent's data, a delta), at a fraction of the cost: each task id is turned from and into
# text once per save or load instead of three or four times, a child's data starts as a flat copy of
# its parent's (what DeepMerge.merge into an empty dict amounts to) and a task's dictionary is built
# in place, not through the registry's generic walk. Anything that is not a plain Task (or a stored
# task without the typename Task) goes through the registry as before.


_CONTAINERS = (dict, list, set)
_PLAIN_CONTAINERS = frozenset(_CONTAINERS)


def _containers(data: dict) -> set:
    """The keys of `data` that hold containers (what DeepMerge copies when a child inherits them)."""
    return {key for key, value in data.items() if isinstance(value, _CONTAINERS)}


def _inherited(data: dict, containers: set) -> dict:
    """What DeepMerge.merge({}, data) makes of a parent's data: a new dict, its containers (`containers`
    names them) copied one level."""
    out = dict(data)
    for key in containers:
        value = out[key]
        out[key] = value.copy() if type(value) in _PLAIN_CONTAINERS else copy(value)
    return out


def _tasks_to_dict(registry, tasks: dict) -> dict:
    # the task-id UUIDs the tree refers to are the objects keying `tasks`: each is written out once,
    # found again by id(); any other (equal) UUID object is written out where it appears
    names = {id(uid): str(uid) for uid in tasks}
    name = names.get
    convert = registry.convert
    plain = registry.typenames.get(Task) == "Task"
    out = {}
    for uid, task in tasks.items():
        key = name(id(uid))
        if not plain or type(task) is not Task:
            out[key] = convert(task)
            continue
        parent_id = task._parent
        parent = tasks.get(parent_id) if parent_id is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:
            mine, theirs = task.data, parent.data
            data = {}
            delta = {"updates": {k: v for k, v in mine.items() if k not in theirs or v != theirs[k]},
                     "deletions": [k for k in theirs if k not in mine]}
        own = task.id
        out[key] = {
            "id": name(id(own)) or str(own),
            "parent": (name(id(parent_id)) or str(parent_id)) if parent is not None else None,
            "children": [name(id(child)) or str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": convert(task.internal_data),
            "data": data,
            "delta": delta,
            "typename": "Task",
        }
    return out


def _tasks_from_dict(registry, dct: dict, workflow) -> None:
    """Fill workflow.tasks (empty) from the stored tasks, parents before children as they were written."""
    uids = {key: UUID(key) for key in dct}  # each id parsed once: key, id, parent and children name the same tasks

    def uid(text: str) -> UUID:
        value = uids.get(text)
        if value is None:
            value = uids[text] = UUID(text)
        return value

    restore = registry.restore
    specs = workflow.spec.task_specs
    events = workflow.top_workflow.event_manager
    tasks = workflow.tasks
    # keys of each restored task's data that hold containers, kept as the tree is rebuilt so that a
    # child's copy of its parent's data does not look at every value again
    containers: dict[UUID, set] = {}
    for key, stored in dct.items():
        if type(stored) is not dict or stored.get("typename") != "Task":
            tasks[uids[key]] = restore(stored, workflow=workflow)
            continue
        task_spec = specs.get(stored["task_spec"])
        task = Task(workflow, task_spec, state=stored["state"], id=uid(stored["id"]))  # adds itself to tasks
        parent_id = stored["parent"]
        task._parent = parent = uid(parent_id) if parent_id is not None else None
        task._children = [uids.get(child) or uid(child) for child in stored["children"]]
        task.last_state_change = stored["last_state_change"]
        task.triggered = stored["triggered"]
        internal = stored["internal_data"]
        task.internal_data = {} if internal == {} else restore(internal)
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
            events.add_task(task)
        delta = stored.get("delta")
        parent_task = tasks.get(parent) if delta and parent is not None else None
        if parent_task is not None:
            held = containers.get(parent)
            if held is None:
                held = _containers(parent_task.data)
            data = _inherited(parent_task.data, held)
            updates = delta.get("updates", {})
            deletions = delta.get("deletions", {})
            if updates or deletions:
                held = set(held)
                if updates:
                    updates = restore(updates)
                    data.update(updates)
                    for k, v in updates.items():
                        if isinstance(v, _CONTAINERS):
                            held.add(k)
                        else:
                            held.discard(k)
                for k in deletions:
                    data.pop(k, None)
                    held.discard(k)
        else:
            data = restore(stored["data"])
            held = _containers(data) if type(data) is dict else set()
        task.data = data
        containers[task.id] = held


def _workflow_to_dict(converter, workflow) -> dict:
    """WorkflowConverter.to_dict with the tasks written by _tasks_to_dict."""
    registry = converter.registry
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_to_dict(registry, workflow.tasks),
        "root": str(workflow.task_tree.id),
    }


class _SubWorkflowConverter(BpmnSubWorkflowConverter):
    """BpmnSubWorkflowConverter with the task tree written and read by the functions above."""

    def to_dict(self, workflow):
        dct = _workflow_to_dict(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = {}
        _tasks_from_dict(self.registry, dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Converts a top-level workflow without its specs; specs come from the class attributes."""

    spec = None
    subprocess_specs: dict = {}

    def to_dict(self, workflow):
        dct = _workflow_to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        workflow = self.target_class(self.spec, self.subprocess_specs, deserializing=True)
        workflow.tasks = {}
        _tasks_from_dict(self.registry, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class StateSerializer:
    """Dumps and restores workflow state for one process version (whose specs it holds)."""

    def __init__(self, spec, subprocess_specs: dict):
        converter = type("BoundStateConverter", (_StateOnlyConverter,),
                         {"spec": spec, "subprocess_specs": subprocess_specs})
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = converter
        config[BpmnSubWorkflow] = _SubWorkflowConverter
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def loads(self, state: str) -> BpmnWorkflow:
        return self._serializer.deserialize_json(state)
