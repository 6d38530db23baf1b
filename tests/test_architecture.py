"""The architecture holds (README, "How it is built").

Read from the source with `ast`, imports at module level and inside function bodies alike:
- layers import downward only: domain <- engine, persistence, documents <- services <- web, cli;
  bench (the benchmark, started by `ppid bench`) sits on top beside cli; app/__init__.py wires the app;
- SpiffWorkflow is imported only in app/engine; domain, engine and documents need neither Flask nor a
  database; services never read Flask's request, g or session;
- a transaction ends (`commit`, `rollback`, `engine.begin()`) only in the use-case wrapper
  (app/services/infrastructure/transaction.py) and the few places named below, each with its reason;
- the clock is read only where a request, a command or the benchmark begins: the web layer's `now()`
  (app/web/clock.py), the CLI's `now()` (app/cli/context.py; also the timer worker's clock, `ppid timers
  run`), app/bench; run.py (outside app/) gives its timer thread and first start the time.
  `time.monotonic()`/`perf_counter()` are not the clock of the service: they measure how long something
  took (script and simulation budgets);
- no module uses another module's private (`_name`) names, but for the engine's modules named below;
- no two modules import each other, not even from inside a function (the import hidden in a function body
  is how a cycle usually creeps in), but for the named cycles below that are still to be untied.

Every rule is a function of a source tree, so the tests at the end plant a violation in a copy of
app/ and see the rule report it.
"""
from __future__ import annotations

import ast
import shutil
import textwrap
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: what each layer may import from the application (its own layer included)
ALLOWED_LAYERS = {
    "domain": {"domain"},
    "engine": {"domain", "engine"},
    "persistence": {"domain", "persistence"},
    # PDFs and ZIPs from plain data (app/documents/model.py); services collect the data and call them
    "documents": {"domain", "documents"},
    "services": {"domain", "engine", "persistence", "documents", "services"},
    "web": {"domain", "services", "web"},
    "cli": {"domain", "services", "bench", "app", "cli"},
    # the benchmark measures every layer from outside (engine rows, statements, an HTTP server of the app),
    # like a test; only `ppid bench` imports it
    "bench": {"domain", "engine", "persistence", "documents", "services", "web", "app", "bench"},
    # the application factory (app/__init__.py) and its settings (app/config.py) wire the pieces together
    "app": {"app", "engine", "persistence", "web"},
}

#: (importer, imported module) allowed across the layer order, and why
LAYER_EXCEPTIONS = {
    ("app.cli.process", "app.engine.diagram"):
        "`ppid process draw` draws any BPMN file as SVG: a file tool with no database and no use case",
}

#: third-party packages a layer must not import
FORBIDDEN_PACKAGES = {
    "domain": {"flask", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug", "SpiffWorkflow"},
    "engine": {"flask", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug"},
    "persistence": {"SpiffWorkflow"},
    "documents": {"flask", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug", "SpiffWorkflow"},
    "services": {"SpiffWorkflow", "flask_login", "flask_wtf"},
    "web": {"SpiffWorkflow"},
    "cli": {"SpiffWorkflow"},
    "bench": {"SpiffWorkflow"},
    "app": {"SpiffWorkflow"},
}

#: names services must never import from Flask: the web layer passes the actor and the time in
REQUEST_GLOBALS = {"request", "g", "session"}

#: where a transaction may end besides the use-case wrapper: "module" or "module:function", and why
TRANSACTION_EXCEPTIONS = {
    "app.services.infrastructure.transaction:use_case": "the use-case wrapper: one use case, one transaction",
    "app.services.people.accounts:sign_in": "a failed sign-in is committed before the refusal is raised, so it counts",
    "app.services.people.accounts:register_applicant": "a refused registration counts towards the address's limit",
    "app.services.casework.counter:claim_case": "a failed claim counts towards the officer's limit before the refusal",
    "app.services.casework.cases:_start": "a lost race for the same submission: roll back and answer the earlier case",
    "app.services.infrastructure.notifications:deliver_one": "mail goes out after the step's commit, each outbox row on its own",
    "app.services.infrastructure.notifications:_record_failure": "a failed mail is recorded on its row, whatever else fails",
    "app.services.infrastructure.worker": "a daily job of the sweep that fails is rolled back; the timers and the mail go on",
    "app.bench.fill": "the benchmark fills a database of a given size with bulk inserts, beside the use cases",
}

#: attribute reads that read the wall clock: (receiver, attribute), e.g. datetime.now, time.time
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}

#: where the clock may be read: "module" or "module:function", and why
CLOCK_ENTRY_POINTS = {
    "app.web.clock:now": "a request's time (the web layer passes it to every use case and template filter)",
    "app.cli.context:now": "a command's time, also the timer worker's (`ppid timers run`)",
    "app.bench": "the benchmark drives the service at wall time and stamps its report",
}

#: import cycles still to be untied: (importer, imported) edges, each an import inside a function body.
#: Removing an edge here (once its cycle is gone) is the point; a stale entry fails the test below.
_RETRY = ("retrying a failed step re-runs the use case that failed, and every use case records its failures "
          "(incidents.py): the retry would move to a module of its own above the use cases")
CYCLE_EXCEPTIONS = {
    ("app.services.casework.incidents", "app.services.casework.cases"): _RETRY,
    ("app.services.casework.incidents", "app.services.casework.tasks"): _RETRY,
    ("app.services.casework.incidents", "app.services.casework.timers"): _RETRY,
    ("app.services.casework.incidents", "app.services.casework.withdrawal"): _RETRY,
    ("app.services.casework.incidents", "app.services.modelling.processes"): _RETRY,
}

#: (module, module whose private names it uses), and why: the engine's modules that run a workflow the way
#: the runtime does (replay, migration, simulation, scenarios) share its internals
_RUN_LIKE_THE_RUNTIME = "runs a workflow the way the runtime does, with the runtime's own script helpers"
PRIVATE_EXCEPTIONS = {
    ("app.engine.replay", "app.engine.runtime"): _RUN_LIKE_THE_RUNTIME,
    ("app.engine.migration", "app.engine.runtime"): _RUN_LIKE_THE_RUNTIME,
    ("app.engine.lint", "app.engine.runtime"): _RUN_LIKE_THE_RUNTIME,
    ("app.engine.modeler_checks", "app.engine.runtime"): _RUN_LIKE_THE_RUNTIME,
    ("app.engine.lint", "app.engine.sandbox"): "lints scripts against the sandbox's own list of builtins",
    ("app.engine.modeler_checks", "app.engine.lint"): "checks one expression as the lint checks a whole model",
    ("app.engine.scenarios", "app.engine.simulation"): "scenarios run on the simulation's calendar and answers",
    ("app.engine.whatif", "app.engine.simulation"): "the what-if runs on the simulation's calendar and answers",
    ("app.engine.clock", "app.engine.serialization"): "the run-clock timers register with the serializer",
    ("app.engine.migration", "app.engine.serialization"): "a migration reads states with the full serializer",
    ("app.engine.decision_view", "app.engine.decisions"): "shows a decision table as the evaluator reads it",
}


# -- reading the source -----------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module (or package) imported, absolute
    names: tuple[str, ...]  # what `from target import ...` takes; () for `import target`
    bound: tuple[str, ...]  # the local names the import binds, one per name (`as` names included)
    line: int
    function: str | None  # the function whose body holds the import, None at module level
    type_checking: bool  # under `if TYPE_CHECKING:`: names a type, runs nothing


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def layer(self) -> str:
        return layer_of(self.name)

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED_LAYERS else parts[0]


class Source:
    """The modules of the `app` package under `root`, parsed."""

    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[str, Module] = {}
        for path in sorted((root / "app").rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            self.modules[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))

    def where(self, module: Module, line: int) -> str:
        return f"{module.path.relative_to(self.root)}:{line}"

    @cached_property
    def imports(self) -> dict[str, list[Import]]:
        return {name: list(_imports(module)) for name, module in self.modules.items()}

    def resolve(self, target: str, names: tuple[str, ...]) -> set[str]:
        """The modules of the app an import loads: `from app.services.records import audit` is app.services.records.audit."""
        found = {f"{target}.{n}" for n in names if f"{target}.{n}" in self.modules}
        if target in self.modules and (not names or len(found) < len(names)):
            found.add(target)
        return found


def _imports(module: Module):
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]

    def visit(node: ast.AST, function: str | None, type_checking: bool):
        for child in ast.iter_child_nodes(node):
            inner_function, inner_checking = function, type_checking
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner_function = f"{function}.{child.name}" if function else child.name
            elif isinstance(child, ast.ClassDef) and function:
                inner_function = f"{function}.{child.name}"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for grandchild in child.body:
                    yield from visit(ast.Module(body=[grandchild], type_ignores=[]), function, True)
                for grandchild in child.orelse:
                    yield from visit(ast.Module(body=[grandchild], type_ignores=[]), function, type_checking)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module.name, alias.name, (), (alias.asname or alias.name.split(".")[0],),
                                 child.lineno, function, type_checking)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[:len(package) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                yield Import(module.name, target, tuple(a.name for a in child.names),
                             tuple(a.asname or a.name for a in child.names), child.lineno, function, type_checking)
            yield from visit(child, inner_function, inner_checking)

    yield from visit(module.tree, None, False)


def _functions(tree: ast.AST):
    """(node, qualified name of the innermost enclosing function or class, or None) for every node."""

    def visit(node: ast.AST, function: str | None):
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{function}.{child.name}" if function else child.name
            yield child, function
            yield from visit(child, inner)

    yield from visit(tree, None)


def _excepted(module: str, function: str | None, allowed: dict[str, str]) -> bool:
    """Whether `allowed` names the module, or the function (or a function it is nested in)."""
    if any(module == place or module.startswith(place + ".") for place in allowed):
        return True
    parts = (function or "").split(".")
    return any(f"{module}:{'.'.join(parts[:n])}" in allowed for n in range(1, len(parts) + 1) if function)


# -- the rules: each returns the violations it finds ----------------------------------------------
def layer_violations(source: Source) -> list[str]:
    found = []
    for name, module in source.modules.items():
        for imp in source.imports[name]:
            if imp.type_checking:
                continue
            top = imp.target.split(".")[0]
            if top == "app":
                for target in source.resolve(imp.target, imp.names) or {imp.target}:
                    if layer_of(target) not in ALLOWED_LAYERS[module.layer] and (name, target) not in LAYER_EXCEPTIONS:
                        found.append(f"{source.where(module, imp.line)}: {module.layer} imports {target}")
            elif top in FORBIDDEN_PACKAGES.get(module.layer, ()):
                found.append(f"{source.where(module, imp.line)}: {module.layer} imports {imp.target}")
            elif module.layer == "services" and top == "flask" and REQUEST_GLOBALS & set(imp.names):
                found.append(f"{source.where(module, imp.line)}: services read Flask's "
                             f"{', '.join(sorted(REQUEST_GLOBALS & set(imp.names)))}")
    return found


def spiffworkflow_outside_engine(source: Source) -> list[str]:
    return [f"{source.where(source.modules[name], imp.line)}: imports {imp.target}"
            for name, imports in source.imports.items() for imp in imports
            if imp.target.split(".")[0] == "SpiffWorkflow" and layer_of(name) != "engine"]


def _ends_transaction(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback", "begin"))


def _reads_clock(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute))
            and (_last_name(node.value), node.attr) in CLOCK_CALLS)


def _found(source: Source, matches, allowed: dict[str, str]) -> list[tuple[str, str | None, str]]:
    """(module, function, "where: what in function") of every node `matches` outside the `allowed` places."""
    return [(name, function, f"{source.where(module, node.lineno)}: "
                             f"{ast.unparse(node.func if isinstance(node, ast.Call) else node)} in {function or name}")
            for name, module in source.modules.items() for node, function in _functions(module.tree)
            if matches(node) and not _excepted(name, function, allowed)]


def transaction_ends(source: Source) -> list[str]:
    return [text for _module, _function, text in _found(source, _ends_transaction, TRANSACTION_EXCEPTIONS)]


def clock_reads(source: Source) -> list[str]:
    return [text for _module, _function, text in _found(source, _reads_clock, CLOCK_ENTRY_POINTS)]


def _last_name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr


def private_names_across_modules(source: Source) -> list[str]:
    found = []
    for name, module in source.modules.items():
        modules_bound: dict[str, str] = {}  # local name -> the module of the app it stands for
        for imp in source.imports[name]:
            if imp.target.split(".")[0] != "app":
                continue
            if not imp.names and imp.bound[0] != "app":  # import app.services.records.reports as reports
                modules_bound[imp.bound[0]] = imp.target
            for taken, bound in zip(imp.names, imp.bound):
                if f"{imp.target}.{taken}" in source.modules:
                    modules_bound[bound] = f"{imp.target}.{taken}"
                elif _private(taken) and imp.target != name and (name, imp.target) not in PRIVATE_EXCEPTIONS:
                    found.append(f"{source.where(module, imp.line)}: {taken} of {imp.target}")
        for node in ast.walk(module.tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules_bound and _private(node.attr)
                    and (name, modules_bound[node.value.id]) not in PRIVATE_EXCEPTIONS):
                found.append(f"{source.where(module, node.lineno)}: {node.value.id}.{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def import_graph(source: Source) -> dict[str, set[str]]:
    """Module -> the modules of the app it imports (at module level or in a function), but for the
    excepted edges; annotation-only imports (`if TYPE_CHECKING:`) do not count."""
    graph: dict[str, set[str]] = {name: set() for name in source.modules}
    for name, imports in source.imports.items():
        for imp in imports:
            if imp.type_checking or imp.target.split(".")[0] != "app":
                continue
            for target in source.resolve(imp.target, imp.names):
                if target != name and (name, target) not in CYCLE_EXCEPTIONS:
                    graph[name].add(target)
    return graph


def import_cycles(source: Source) -> list[str]:
    """Every group of modules that import each other (strongly connected, Tarjan), with the imports that
    tie it."""
    graph = import_graph(source)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    out = []
    for group in groups:
        ties = [f"{source.where(source.modules[imp.importer], imp.line)}: {imp.importer} imports {target}"
                + (f" in {imp.function}()" if imp.function else "")
                for member in group for imp in source.imports[member] if not imp.type_checking
                for target in source.resolve(imp.target, imp.names) & set(group)
                if target != member and (member, target) not in CYCLE_EXCEPTIONS]
        out.append("cycle " + " <-> ".join(group) + "\n    " + "\n    ".join(ties))
    return out


RULES = [layer_violations, spiffworkflow_outside_engine, transaction_ends, clock_reads,
         private_names_across_modules, import_cycles]


# -- the tests ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def source() -> Source:
    return Source(ROOT)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_application_keeps_the_rule(source, rule):
    assert rule(source) == []


def test_every_module_sits_in_a_layer(source):
    assert {module.layer for module in source.modules.values()} <= set(ALLOWED_LAYERS)


def stale_exceptions(source: Source) -> list[str]:
    """Exceptions whose reason is gone: each is taken out of its list, so the rule holds there from then on."""
    stale = [f"{rule} {edge}" for rule, edges in (("layer", LAYER_EXCEPTIONS), ("cycle edge", CYCLE_EXCEPTIONS),
                                                  ("private", PRIVATE_EXCEPTIONS))
             for edge in edges if not any(edge[1] in source.resolve(imp.target, imp.names)
                                          for imp in source.imports.get(edge[0], ()))]
    for rule, matches, allowed in (("transaction", _ends_transaction, TRANSACTION_EXCEPTIONS),
                                   ("clock", _reads_clock, CLOCK_ENTRY_POINTS)):
        everywhere = _found(source, matches, {})
        stale += [f"{rule} {place}" for place in allowed
                  if not any(_excepted(module, function, {place: ""}) for module, function, _text in everywhere)]
    return stale


def test_named_exceptions_still_exist(source):
    assert stale_exceptions(source) == []


def test_a_stale_exception_is_reported(source, monkeypatch):
    monkeypatch.setitem(CYCLE_EXCEPTIONS, ("app.domain.roles", "app.web"), "planted")
    monkeypatch.setitem(TRANSACTION_EXCEPTIONS, "app.domain.roles", "planted")
    monkeypatch.setitem(CLOCK_ENTRY_POINTS, "app.services.casework.cases:_start", "planted")
    assert stale_exceptions(source) == ["cycle edge ('app.domain.roles', 'app.web')", "transaction app.domain.roles",
                                        "clock app.services.casework.cases:_start"]


# -- each rule reports a violation planted in a copy of app/ -----------------------------------------
PLANTED = {
    "layer_violations": ("app/domain/planted.py", """
        def helper():
            from app.services.casework.cases import start_case  # the domain reaching up, inside a function
            return start_case
        """),
    "spiffworkflow_outside_engine": ("app/services/planted.py", """
        def spec():
            from SpiffWorkflow.bpmn import BpmnWorkflow
            return BpmnWorkflow
        """),
    "transaction_ends": ("app/services/planted.py", """
        from app.persistence.models import db

        def save():
            db.session.commit()
        """),
    "clock_reads": ("app/documents/planted.py", """
        import datetime

        def stamp():
            return datetime.datetime.now()
        """),
    "private_names_across_modules": ("app/services/planted.py", """
        from app.services.records import reports

        def facts():
            return reports._planted_facts
        """),
    "import_cycles": ("app/services/planted.py", """
        from .planted_too import other

        def one():
            return other
        """),
}


@pytest.fixture(scope="module")
def app_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("architecture")
    shutil.copytree(ROOT / "app", root / "app", ignore=shutil.ignore_patterns("static", "templates", "__pycache__"))
    return root


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_a_planted_violation_is_reported(app_copy, rule):
    relative, code = PLANTED[rule.__name__]
    planted = app_copy / relative
    extra = app_copy / "app/services/planted_too.py"
    planted.write_text(textwrap.dedent(code), encoding="utf-8")
    if rule is import_cycles:
        extra.write_text("def other():\n    from .planted import one\n    return one\n", encoding="utf-8")
    try:
        found = rule(Source(app_copy))
    finally:
        planted.unlink()
        extra.unlink(missing_ok=True)
    assert found and all("planted" in violation for violation in found), found


def test_the_clock_rule_sees_a_clock_read_in_a_default_argument(app_copy):
    planted = app_copy / "app/engine/planted.py"
    planted.write_text("from datetime import datetime\n\ndef run(now=datetime.now):\n    return now()\n")
    try:
        assert clock_reads(Source(app_copy)) == ["app/engine/planted.py:3: datetime.now in run"]
    finally:
        planted.unlink()
