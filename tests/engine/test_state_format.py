"""The stored workflow state keeps its format (issue 16 item 2).

app/engine/serialization.py writes and reads the task tree with its own loop instead of SpiffWorkflow's
TaskConverter. States stored before that change must open and be written back byte for byte (the audit
chain hashes the stored text; replay and erasure read its structure), and every save and load must agree
with SpiffWorkflow's own converters: the same JSON, and the same tasks, data and waiting events restored.
"""
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import pytest
from SpiffWorkflow.util.task import TaskState
import time_machine
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine import Engine
from app.engine.serialization import StateSerializer, specs_from_json
from tests.engine.our_process import START, context, our_definition
from tests.support import REFUSAL, REQUEST, STEPS

#: written by the engine before issue 16 item 2 (commit e09af68): a refused request whose objection
#: waits for the superior's decision (two subprocesses, a waiting timer, a list in the data)
STORED = Path(__file__).parent / "fixtures" / "state_before_issue16.json"


@pytest.fixture(scope="module")
def definition():
    return our_definition()


class _StockConverter(BpmnWorkflowConverter):
    """The top-level workflow without its specs (as the engine stores it), tasks by SpiffWorkflow's converters."""

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


def stock_serializer(definition):
    spec, subprocess_specs = specs_from_json(definition.spec_json)
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = type("Stock", (_StockConverter,), {"spec": spec, "subprocess_specs": subprocess_specs})
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config)), StateSerializer(spec, subprocess_specs)


def every_task(workflow) -> dict:
    tasks = dict(workflow.tasks)
    for sub in workflow.subprocesses.values():
        tasks.update(sub.tasks)
    return tasks


def assert_same_workflow(expected, actual) -> None:
    left, right = every_task(expected), every_task(actual)
    assert list(left) == list(right)
    for task_id, a in left.items():
        b = right[task_id]
        assert (a.task_spec.name, a.state, a.triggered, a.last_state_change, a._parent, a._children) == \
               (b.task_spec.name, b.state, b.triggered, b.last_state_change, b._parent, b._children)
        assert a.data == b.data and a.internal_data == b.internal_data, a.task_spec.name
        if a.parent is not None:  # a child's containers are its own copies exactly where SpiffWorkflow's are
            assert {k for k in a.data if a.data[k] is a.parent.data.get(k)} == \
                   {k for k in b.data if b.data[k] is b.parent.data.get(k)}, a.task_spec.name
    assert list(expected.subprocesses) == list(actual.subprocesses)
    assert list(expected.event_manager.tasks) == list(actual.event_manager.tasks)
    assert (expected.data, expected.last_task.id, expected.completed) == (actual.data, actual.last_task.id, actual.completed)


def test_a_state_stored_before_opens_and_is_written_back_unchanged(definition):
    stored = STORED.read_text()
    with time_machine.travel(START, tick=False):
        run = Engine().open(definition, stored, context(START))
        assert run.dumps() == stored
        assert [t.spec_id for t in run.ready_tasks()] == ["Activity_PutuskanKeberatan"]
        assert [(t.spec_id, t.due_at) for t in run.waiting_timers()] == \
            [("Timer_BatasPutusan30HK", datetime(2026, 4, 21, 16, 59, 59, tzinfo=timezone.utc))]
        assert run.task_data(run.ready_tasks()[0].task_id)["alasan_keberatan"] == ["a"]
        stock, ours = stock_serializer(definition)
        assert_same_workflow(stock.deserialize_json(stored), ours.loads(stored))
        run.complete(run.ready_tasks()[0].task_id, STEPS["Activity_PutuskanKeberatan"][1])
        assert [t.spec_id for t in run.ready_tasks()] == ["Activity_LaksanakanPutusan"]


@pytest.mark.parametrize("refused", [False, True], ids=["granted", "refused-objection"])
def test_every_save_and_load_agrees_with_spiffworkflows_converters(definition, refused):
    """Both paths, the request sent to two other OPDs too (a multi-instance subprocess), every state checked."""
    stock, ours = stock_serializer(definition)
    path = ["Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabOPDLain", "Activity_JawabOPDLain",
            "Activity_JawabPermohonan", "Activity_TerbitkanPemberitahuan",
            *(["Activity_AjukanKeberatan", "Activity_PutuskanKeberatan", "Activity_LaksanakanPutusan"] if refused
              else ["Activity_SerahkanInformasi", "Activity_AjukanKeberatan"])]
    answers = {**{spec_id: data for spec_id, (_, data) in STEPS.items()},
               "Activity_TeruskanKeOPD": {**STEPS["Activity_TeruskanKeOPD"][1], "opd_tambahan": ["DINKES", "DINSOS"]},
               "Activity_JawabOPDLain": {"informasi_dikuasai_opd_lain": "ya", "jawaban_opd_lain": "Ada di kami"},
               "Activity_TerbitkanPemberitahuan": {**STEPS["Activity_TerbitkanPemberitahuan"][1],
                                                   **(REFUSAL if refused else {})},
               **({} if refused else {"Activity_AjukanKeberatan": {"ajukan_keberatan": "tidak"}})}
    checked = 0
    with time_machine.travel(START, tick=False):
        engine = Engine()
        run = engine.start(definition, context(START))
        run.complete(run.ready_tasks()[0].task_id, REQUEST)
        for spec_id in [*path, None]:
            state = run.dumps()
            assert state == stock.serialize_json(run.workflow)
            assert_same_workflow(stock.deserialize_json(state), ours.loads(state))
            checked += 1
            if spec_id is None:
                break
            run = engine.open(definition, state, context(START))
            # the completed tasks a run starts from, read from the task tables, are those the tree walk reaches
            assert run._completed == {t.id for t in run.workflow.get_tasks() if t.state == TaskState.COMPLETED}
            task = next(t for t in run.ready_tasks() if t.spec_id == spec_id)
            run.complete(task.task_id, answers[spec_id])
        assert run.finished and checked == len(path) + 1
        assert len(run.workflow.subprocesses) >= 3  # the other OPDs' instances were written and read too
