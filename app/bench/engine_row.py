"""Row 1: the bare engine. Our BPMN, in memory, no storage, no serialization, no form validation."""
from __future__ import annotations

import itertools
import time
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

    def state_round_trip(self, cases: int, offset: int = 0) -> dict:
        """CPU time of a stored step without anything else: the cases run as the services run them, on the
        bare engine: the engine's step (`Engine.start` + `Run.complete`), writing the workflow state after
        every step (`Run.dumps`) and reading it back before the next (`Engine.open`, the next step running
        on the restored workflow). `engine / (engine + dumps + open)` bounds row 2's ratio to row 1 from
        above; `stored_step_ms_per_case` is the yardstick of issue 16's first target."""
        engine_s = dumps_s = open_s = 0.0
        uses = writes = reads = 0
        clock = time.process_time
        for index in range(offset, offset + cases):
            case = plan(index)
            began = clock()
            run = self.engine.start(self.definition, self._context())
            first = run.ready_tasks()[0]
            run.complete(first.task_id, {**REQUEST, "nomor_pendaftaran": f"PPID-2026-{index:05d}"})
            engine_s += clock() - began
            uses += 1
            for step in case.steps:
                began = clock()
                state = run.dumps()
                dumps_s += clock() - began
                writes += 1
                began = clock()
                run = self.engine.open(self.definition, state, self._context())
                open_s += clock() - began
                reads += 1
                task = next(t for t in run.ready_tasks() if t.spec_id == step.spec_id)
                began = clock()
                run.complete(task.task_id, step.data)
                engine_s += clock() - began
                uses += 1
            began = clock()
            run.dumps()
            dumps_s += clock() - began
            writes += 1
            if not run.finished:
                raise RuntimeError("state row: the case did not finish")
        engine_ms, dumps_ms, open_ms = 1000 * engine_s / uses, 1000 * dumps_s / writes, 1000 * open_s / reads
        return {"cases": cases, "use_cases": uses, "engine_ms_per_use_case": engine_ms, "dumps_ms": dumps_ms,
                "open_ms": open_ms, "ceiling_for_services_ratio": engine_ms / (engine_ms + dumps_ms + open_ms),
                "stored_step_ms_per_case": 1000 * (engine_s + dumps_s + open_s) / cases,
                "engine_ms_per_case": 1000 * engine_s / cases,
                "state_roundtrip_over_engine": (dumps_ms + open_ms) / engine_ms}
