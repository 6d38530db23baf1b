"""Row 1: the bare engine. Our BPMN, in memory, no storage, no serialization, no form validation."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from app.domain.calendar import WorkingCalendar
from app.engine import Engine, ProcessDefinition, RunContext, build_definition, form_reader

from .stats import Clock
from .workload import REQUEST, bpmn_path, forms_dir, plan


def load_definition() -> ProcessDefinition:
    return build_definition(bpmn_path().read_bytes(), form_reader(forms_dir()))


class EngineBench:
    """Runs whole cases on one Engine, as the services would, minus everything around the engine."""

    def __init__(self, definition: ProcessDefinition):
        self.definition = definition
        self.engine = Engine()
        self.calendar = WorkingCalendar()
        self._numbers = itertools.count(1)

    def _context(self) -> RunContext:
        return RunContext(now=datetime.now(timezone.utc), calendar=self.calendar,
                          allocate_number=lambda kind: f"{kind}-2026-{next(self._numbers):05d}")

    def run_case(self, index: int) -> None:
        case = plan(index)
        run = self.engine.start(self.definition, self._context())
        first = run.ready_tasks()[0]
        run.complete(first.task_id, {**REQUEST, "nomor_pendaftaran": f"PPID-2026-{index:05d}"})
        for step in case.steps:
            task = next((t for t in run.ready_tasks() if t.spec_id == step.spec_id), None)
            if task is None:
                raise RuntimeError(f"engine row: {step.spec_id} is not open")
            run.complete(task.task_id, step.data)
        if not run.finished:
            raise RuntimeError("engine row: the case did not finish")

    def repeat(self, cases: int, offset: int = 0) -> dict:
        with Clock() as clock:
            for i in range(cases):
                self.run_case(offset + i)
        return {"cases": cases, "wall_s": clock.wall, "cpu_s": clock.cpu}
