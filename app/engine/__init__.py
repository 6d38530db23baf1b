"""The only package that imports SpiffWorkflow: load, validate, run, serialize, draw."""
from .definition import DefinitionError, ProcessDefinition, UserTaskMeta, build_definition, form_reader
from .runtime import Engine, Run
from .types import EngineError, RunContext, Step, TaskView, TimerView

__all__ = [
    "DefinitionError", "ProcessDefinition", "UserTaskMeta", "build_definition", "form_reader",
    "Engine", "Run", "EngineError", "RunContext", "Step", "TaskView", "TimerView",
]
