"""The only package that imports SpiffWorkflow: load, validate, run, serialize, draw."""
from .definition import (ImportCheck, ProcessDefinition, UserTaskMeta, build_definition, check_import,
                         form_reader)
from .problems import DefinitionError, ImportRefused, Problem
from .runtime import Engine, Run
from .types import EngineError, RunContext, Step, TaskView, TimerView

__all__ = [
    "DefinitionError", "ImportRefused", "Problem", "ImportCheck", "ProcessDefinition", "UserTaskMeta",
    "build_definition", "check_import", "form_reader",
    "Engine", "Run", "EngineError", "RunContext", "Step", "TaskView", "TimerView",
]
