"""Workflow serialization with the spec stored once per process version.

SpiffWorkflow's serializer writes the whole spec into every serialization; most of the
cost of a save-and-reload step is that spec. Here the spec is serialized once (stored with
the process version) and each instance stores its state alone.
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Converts a top-level workflow without its specs; specs come from the class attributes."""

    spec = None
    subprocess_specs: dict = {}

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        workflow = self.target_class(self.spec, self.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
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
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def loads(self, state: str) -> BpmnWorkflow:
        return self._serializer.deserialize_json(state)
