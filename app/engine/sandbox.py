"""Restricted evaluation of BPMN scripts, conditions and timer expressions.

SpiffWorkflow's default environment runs plain ``eval``/``exec``. BPMN files come from
people, so every expression is compiled with RestrictedPython and run with its guards and
a short list of helper functions (see docs/PROCESS_CONVENTIONS.md).
"""
from __future__ import annotations

import ast
import functools
import operator
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

HELPER_NAMES = ("hari_kerja", "hari_kerja_sebelum", "sekarang", "nomor_baru", "kirim_pemberitahuan")

_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("dict", "list", "set", "min", "max", "sum", "any", "all", "enumerate", "sorted", "reversed", "map", "filter")
}

_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand,
}


class SandboxError(Exception):
    """An expression or script was refused by the sandbox or failed inside it."""


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE_OPS[op](target, value)
    except KeyError:
        raise SandboxError(f"operator {op} is not allowed") from None


def _restricted_globals(helpers: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": safer_getattr,
        "_getitem_": _getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        **helpers,
    }


def _refuse_imports(source: str, mode: str) -> None:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise SandboxError(f"syntax error: {exc.msg} (line {exc.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise SandboxError(f"line {node.lineno}: imports are not allowed")


def compile_expression(expression: str):
    """Compile an expression in restricted mode; raise SandboxError listing what was refused."""
    _refuse_imports(expression, "eval")
    result = compile_restricted_eval(expression)
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def compile_script(script: str):
    """Compile a script in restricted mode; raise SandboxError listing what was refused."""
    _refuse_imports(script, "exec")
    result = compile_restricted_exec(script)
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def referenced_names(code) -> set[str]:
    """Global names a compiled expression or script reads (nested code objects included)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= referenced_names(const)
    return names


@functools.lru_cache(maxsize=2048)
def _compile_cached(source: str, mode: str):
    return compile_expression(source) if mode == "eval" else compile_script(source)


class RestrictedEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that compiles with RestrictedPython instead of plain eval/exec."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__({})
        self.helpers = dict(helpers or {})

    @staticmethod
    def _compiled(source: str, mode: str):
        return _compile_cached(source, mode)

    def evaluate(self, expression, context, external_context=None):
        scope = _restricted_globals(self.helpers)
        scope.update(external_context or {})
        scope.update(context)
        return eval(self._compiled(expression, "eval"), scope)  # noqa: S307 - restricted code

    def execute(self, script, context, external_context=None):
        clash = set(self.helpers) & set(context)
        if clash:
            raise SandboxError(f"task data overwrites helper functions: {sorted(clash)}")
        scope = _restricted_globals(self.helpers)
        scope.update(external_context or {})
        scope.update(context)
        reserved = set(scope) - set(context)
        exec(self._compiled(script, "exec"), scope)  # noqa: S102 - restricted code
        for key in list(context):
            if key not in scope:
                del context[key]
        for key, value in scope.items():
            if key not in reserved and not key.startswith("_") and not callable(value):
                context[key] = value
        return True
