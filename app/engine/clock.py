"""Timers on the run's clock: SpiffWorkflow's timer events compare their due time with the
system clock; here every timer event definition of a loaded version reads `RunContext.now`
instead, so time is an input everywhere (use cases, the timer sweep and replay alike).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

def run_now(my_task) -> datetime:
    """The time of the run the task belongs to: every workflow is opened on a run's clock (runtime, migration)."""
    clock = getattr(my_task.workflow.top_workflow, "_ppid_clock", None)
    if clock is None:
        raise RuntimeError("a timer was evaluated on a workflow opened without a run's clock")
    return clock()


class _ClockTimeDate:
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) < run_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class _ClockDuration:
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = run_now(my_task)
            event_value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) < run_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class _ClockCycle:
    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < run_now(my_task):
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


_MIXINS = ((CycleTimerEventDefinition, _ClockCycle), (DurationTimerEventDefinition, _ClockDuration),
           (TimeDateEventDefinition, _ClockTimeDate))
_variants: dict[type, type] = {}


def _serialize_as(variant: type, base: type) -> None:
    """A clocked timer converts exactly like its SpiffWorkflow class (spec JSON, version diffs)."""
    from .serialization import _FULL

    registry = _FULL.registry
    if base in registry.typenames:
        registry.typenames[variant] = registry.typenames[base]


def on_run_clock(definition) -> None:
    """Swap a timer event definition (also inside a multiple event) for its run-clock variant."""
    for base, mixin in _MIXINS:
        if isinstance(definition, base) and not isinstance(definition, mixin):
            cls = type(definition)
            variant = _variants.get(cls)
            if variant is None:
                variant = _variants.setdefault(cls, type(f"Clocked{cls.__name__}", (mixin, cls), {}))
                _serialize_as(variant, cls)
            definition.__class__ = variant
            break
    for inner in getattr(definition, "event_definitions", None) or ():
        on_run_clock(inner)


def put_specs_on_run_clock(specs) -> None:
    """Make every timer event of these process specs read the run's clock."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            event_definition = getattr(task_spec, "event_definition", None)
            if event_definition is not None:
                on_run_clock(event_definition)
