"""Restricted evaluation of BPMN scripts, conditions and timer expressions.

SpiffWorkflow's default environment runs plain ``eval``/``exec``. BPMN files come from
people, so every expression is compiled with RestrictedPython and run with its guards and
a short list of helper functions (see docs/PROCESS_CONVENTIONS.md).

Every evaluation also runs under a budget (`_Budget`), so a model cannot hold a web request,
the import or the timer worker:

- steps: each iteration of a ``for`` loop or comprehension (RestrictedPython's ``_getiter_``),
  each pass through a ``while`` body and each call of a function or lambda the script defines
  (inserted by `_BoundedPolicy`) counts one step; building a long value counts one step per
  1024 items. More than `MAX_STEPS` steps, or more than `MAX_SECONDS` of wall-clock time
  checked at every step, fails the evaluation with a SandboxError.
- size: ``+``, ``*``, ``**`` and ``<<`` (and ``+=``, ``*=``) are checked before they run, as are
  ``range``, ``pow``, ``list.extend``, ``sum`` with a list start and what writes values out as
  text (``str(x)``, ``repr``, f-strings, ``%``, ``.join``, ``.replace`` and the
  padding methods ``ljust``, ``rjust``, ``center``, ``zfill``, ``expandtabs``; a big value shared
  many times in a list counts each time): a string, list or tuple longer than `MAX_LENGTH`
  items or an integer wider than `MAX_INT_BITS` bits is refused before it is allocated.

Not bounded: widths inside format specifications (``f"{x:>999999999}"``, ``"%*d"``), ``str``
called under another name, and the time of one built-in call between two steps (``in``,
``sorted``, ``.count``), which the sizes above keep to about `MAX_LENGTH` items and the time
check stops at the next step; there is no process-wide memory limit (it would hit the web
server itself).
"""
from __future__ import annotations

import ast
import functools
import operator
import time
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
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


#: steps (loop iterations, function calls) one evaluation may take
MAX_STEPS = 100_000
#: wall-clock seconds one evaluation may take (checked at every step)
MAX_SECONDS = 5.0
#: items (characters of a string, elements of a list or tuple) one value may have
MAX_LENGTH = 1_000_000
#: bits one integer may have
MAX_INT_BITS = 100_000
_ITEMS_PER_STEP = 1024
_SIZED = (str, bytes, list, tuple)
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift}
_PADDING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class SandboxError(Exception):
    """An expression or script was refused by the sandbox or failed inside it."""


class BudgetExceeded(SandboxError):
    """An evaluation took more steps or time, or built a bigger value, than the sandbox allows."""


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


class _Budget:
    """The steps, time and value sizes one evaluation may use (see the module's docstring)."""

    def __init__(self):
        self.steps = 0
        self.deadline = time.perf_counter() + MAX_SECONDS
        self.exceeded: BudgetExceeded | None = None

    def _fail(self, message: str):
        # remembered: a script catching the error (try/except) still fails when it ends
        self.exceeded = self.exceeded or BudgetExceeded(message)
        raise BudgetExceeded(message)

    def step(self, value: Any = None, weight: int = 1) -> Any:
        self.steps += weight
        if self.exceeded is not None:
            raise BudgetExceeded(str(self.exceeded))
        if self.steps > MAX_STEPS:
            self._fail(f"skrip melebihi batas langkah ({MAX_STEPS}): periksa perulangan yang tidak berhenti")
        if time.perf_counter() > self.deadline:
            self._fail(f"skrip melebihi batas waktu ({MAX_SECONDS:g} detik)")
        return value

    def charge(self, size: int) -> None:
        """Count building a value of `size` items (one step per 1024), refusing one over MAX_LENGTH."""
        if size > MAX_LENGTH:
            self._fail(f"skrip membuat nilai terlalu besar ({size} unsur; batas {MAX_LENGTH})")
        if size >= _ITEMS_PER_STEP:
            self.step(weight=size // _ITEMS_PER_STEP)

    def int_bits(self, bits: int) -> None:
        if bits > MAX_INT_BITS:
            self._fail(f"skrip membuat bilangan terlalu besar (sekitar {bits} bit; batas {MAX_INT_BITS})")

    # -- guards -------------------------------------------------------------------------------
    def getiter(self, obj: Any):
        iterator = iter(obj)

        def counted():
            for item in iterator:
                self.step()
                yield item
        return counted()

    def binop(self, op: str, left: Any, right: Any) -> Any:
        """`left op right` for + * ** <<, refused before it runs when the result would be too big."""
        if op == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, _SIZED) and isinstance(times, int) and not isinstance(times, bool):
                    self.charge(len(seq) * max(times, 0))
            if isinstance(left, int) and isinstance(right, int):
                self.int_bits(left.bit_length() + right.bit_length())
        elif op == "+":
            if isinstance(left, _SIZED) and isinstance(right, _SIZED):
                self.charge(len(left) + len(right))
        elif op == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                self.int_bits(right * left.bit_length())
        elif op == "<<":
            if isinstance(left, int) and isinstance(right, int) and left:
                self.int_bits(left.bit_length() + max(right, 0))
        return _BINOPS[op](left, right)

    def inplacevar(self, op: str, target: Any, value: Any) -> Any:
        if op in ("+=", "*="):
            return self.binop(op[0], target, value)
        try:
            return _INPLACE_OPS[op](target, value)
        except KeyError:
            raise SandboxError(f"operator {op} is not allowed") from None

    def range(self, *args: int) -> range:
        result = range(*args)
        if len(result) > MAX_LENGTH:
            self._fail(f"skrip membuat range terlalu besar ({len(result)} unsur; batas {MAX_LENGTH})")
        return result

    def pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return self.binop("**", base, exp)
        return pow(base, exp, mod)

    def flat_size(self, obj: Any) -> int:
        """About how many characters `str(obj)` has; the walk stops once past MAX_LENGTH, so it costs
        at most that many items however often a big value is shared inside `obj`."""
        total, stack = 0, [obj]
        while stack and total <= MAX_LENGTH:
            item = stack.pop()
            if isinstance(item, (str, bytes)):
                total += len(item)
            elif isinstance(item, int):
                total += item.bit_length() // 3 + 1
            elif isinstance(item, dict):
                total += 2 + 2 * len(item)
                if total <= MAX_LENGTH:
                    stack.extend(item.keys())
                    stack.extend(item.values())
            elif isinstance(item, (list, tuple, set, frozenset)):
                total += 2 + len(item)
                if total <= MAX_LENGTH:
                    stack.extend(item)
            else:
                total += 16
        return total

    def flat(self, value: Any) -> Any:
        """`value`, refused when writing it out as text would make a value over MAX_LENGTH."""
        self.charge(self.flat_size(value))
        return value

    def modulo(self, left: Any, right: Any) -> Any:
        """`left % right`; for a text format, refused when each field holding the biggest value would
        write too much (``str.format`` is refused by RestrictedPython's getattr guard already)."""
        if isinstance(left, (str, bytes)):
            values = list(right.values()) if isinstance(right, dict) else \
                list(right) if isinstance(right, tuple) else [right]
            biggest = max((self.flat_size(v) for v in values), default=0)
            self.charge(len(left) + left.count("%" if isinstance(left, str) else b"%") * biggest)
        return left % right

    def getattr(self, obj: Any, name: str, *default: Any) -> Any:
        value = safer_getattr(obj, name, *default)
        if isinstance(obj, (str, bytes)) and name in _PADDING:
            def padded(width: Any = 8, *args: Any) -> Any:
                if isinstance(width, int):
                    self.charge(width * (len(obj) if name == "expandtabs" else 1))
                return value(width, *args)
            return padded
        if isinstance(obj, (str, bytes)) and name == "join":
            def join(items: Any) -> Any:
                items = list(items)
                self.charge(len(obj) * len(items) + sum(self.flat_size(i) for i in items))
                return value(items)
            return join
        if isinstance(obj, (str, bytes)) and name == "replace":
            def replace(old: Any, new: Any, *count: Any) -> Any:
                if isinstance(old, type(obj)) and isinstance(new, type(obj)):
                    times = obj.count(old) if old else len(obj) + 1
                    self.charge(len(obj) + times * max(len(new) - len(old), 0))
                return value(old, new, *count)
            return replace
        if isinstance(obj, list) and name == "extend":
            def extend(items: Any) -> None:
                items = list(items)
                self.charge(len(obj) + len(items))
                value(items)
            return extend
        return value


def _counted_builtin(budget: _Budget, function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in that walks its arguments (sum, sorted, ...), counting their sizes as steps."""
    def counted(*args: Any, **kwargs: Any) -> Any:
        if function is sum and len(args) > 1 and not isinstance(args[1], (int, float)):
            args = (list(args[0]), *args[1:])  # sum(lists, []) concatenates: bound what it builds
            budget.charge(budget.flat_size(args[0]) + budget.flat_size(args[1]))
        for arg in args:
            if hasattr(arg, "__len__"):
                budget.charge(len(arg))
        return function(*args, **kwargs)
    counted.__name__ = function.__name__
    return counted


def _restricted_globals(helpers: Mapping[str, Callable[..., Any]], budget: _Budget | None = None) -> dict[str, Any]:
    budget = budget or _Budget()
    builtins = dict(safe_builtins)
    # functions that walk their argument count its size; types (list, dict, map ...) stay types for isinstance
    builtins.update({name: fn if isinstance(fn, type) else _counted_builtin(budget, fn)
                     for name, fn in _EXTRA_BUILTINS.items()})
    builtins.update(range=budget.range, pow=budget.pow, repr=lambda value: repr(budget.flat(value)))
    return {
        "__builtins__": builtins,
        "_getattr_": budget.getattr,
        "_getitem_": _getitem,
        "_getiter_": budget.getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": budget.inplacevar,
        "_step_": budget.step,
        "_binop_": budget.binop,
        "_flat_": budget.flat,
        "_mod_": budget.modulo,
        **helpers,
    }


_BOUNDED_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}


def _guard_call(guard: str, node: ast.AST, *args: ast.expr) -> ast.Call:
    call = ast.Call(func=ast.Name(guard, ast.Load()), args=list(args), keywords=[])
    copy_locations(call, node)
    return call


def _step_call(node: ast.AST, *args: ast.expr) -> ast.Call:
    return _guard_call("_step_", node, *args)


class _BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus a step at every `while` pass and function call and size checks
    on + * ** << (see `_Budget`)."""

    def _step_statement(self, node: ast.AST) -> ast.Expr:
        statement = ast.Expr(value=_step_call(node))
        copy_locations(statement, node)
        return statement

    def visit_While(self, node: ast.While):
        node = super().visit_While(node)
        node.body.insert(0, self._step_statement(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._step_statement(node))
        return node

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)
        node.body = _step_call(node, node.body)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        node = super().visit_FormattedValue(node)
        node.value = _guard_call("_flat_", node, node.value)
        return node

    def visit_Call(self, node: ast.Call):
        node = super().visit_Call(node)
        if isinstance(node.func, ast.Name) and node.func.id == "str":  # str(x) writes x out as text
            node.args = [arg if isinstance(arg, ast.Starred) else _guard_call("_flat_", node, arg)
                         for arg in node.args]
        return node

    def visit_BinOp(self, node: ast.BinOp):
        node = super().visit_BinOp(node)
        if isinstance(node.op, ast.Mod):
            return _guard_call("_mod_", node, node.left, node.right)
        op = _BOUNDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(op), node.left, node.right],
                        keywords=[])
        copy_locations(call, node)
        return call


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
    result = compile_restricted_eval(expression, policy=_BoundedPolicy)
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def compile_script(script: str):
    """Compile a script in restricted mode; raise SandboxError listing what was refused."""
    _refuse_imports(script, "exec")
    result = compile_restricted_exec(script, policy=_BoundedPolicy)
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
        budget = _Budget()
        scope = _restricted_globals(self.helpers, budget)
        scope.update(external_context or {})
        scope.update(context)
        result = eval(self._compiled(expression, "eval"), scope)  # noqa: S307 - restricted code
        if budget.exceeded is not None:
            raise budget.exceeded
        return result

    def execute(self, script, context, external_context=None):
        clash = set(self.helpers) & set(context)
        if clash:
            raise SandboxError(f"task data overwrites helper functions: {sorted(clash)}")
        budget = _Budget()
        scope = _restricted_globals(self.helpers, budget)
        scope.update(external_context or {})
        scope.update(context)
        reserved = set(scope) - set(context)
        exec(self._compiled(script, "exec"), scope)  # noqa: S102 - restricted code
        if budget.exceeded is not None:
            raise budget.exceeded
        for key in list(context):
            if key not in scope:
                del context[key]
        for key, value in scope.items():
            if key not in reserved and not key.startswith("_") and not callable(value):
                context[key] = value
        return True
