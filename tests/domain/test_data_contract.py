"""The data contract (app/domain/data_contract.py) names every case-data key the code reads, and stays so.

The code is scanned for keys read from case data by a literal: `data.get("k")`, `case["k"]`, `"k" in data`,
`text(data, "k")`, `label(labels, "k", ...)`, where `data`/`case`/`case_data`/`after`/`submitted` (or an
attribute `.case_data`/`.data`) hold case data; mail templates for `data.get("k")`/`data.k`, page templates for
`case.data.k`. Every key found must be in the registry, every registry key must be read somewhere (by a literal
or by its constant), and each mail template must read exactly the keys the registry lists for it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import jinja2
from jinja2 import nodes

from app.domain import data_contract as contract

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
MAIL = APP / "templates" / "mail"
CASE_NAMES = frozenset({"data", "case", "case_data", "after", "submitted"})
CASE_ATTRIBUTES = frozenset({"case_data", "data"})
#: helpers whose argument at that position names a case-data key
KEY_ARGUMENTS = {"text": 1, "label": 1, "label_for": 1, "_choice_title": 1}
#: reads the scan takes for case data that are not (file -> keys, and what the dict is)
NOT_CASE_DATA = {
    "app/services/casework/incidents.py": {"data", "form_only", "on_behalf", "process_id", "reason", "submission_key"},  # retry
    "app/engine/migration.py": {"type", "enum"},  # form schemas compared
    "app/bench/runner.py": {"due"},  # bench rows
}


def _holds_case_data(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in CASE_NAMES
    return isinstance(node, ast.Attribute) and node.attr in CASE_ATTRIBUTES


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_reads(tree: ast.AST):
    """(line, key) of each literal key read from case data."""
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if _holds_case_data(node.func.value) and node.args:
                key = _literal(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _holds_case_data(node.value):
            key = _literal(node.slice)
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if any(_holds_case_data(c) for c in node.comparators):
                key = _literal(node.left)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEY_ARGUMENTS:
            position = KEY_ARGUMENTS[node.func.id]
            key = _literal(node.args[position]) if len(node.args) > position else None
        if key is not None:
            yield node.lineno, key


def constant_reads(tree: ast.AST) -> set[str]:
    """The registry keys a module names through their constants (`contract.NOMOR_KEBERATAN`, or imported)."""
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
             and n.value.id == "contract"}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == contract.__name__
              for a in n.names}
    return {name.lower() for name in names if name.lower() in contract.REGISTRY and name.isupper()}


def template_reads(path: Path):
    """(line, key) of each case-data key a template reads: `data.get("k")`, `data.k`, `data["k"]`, `case.data.k`."""
    tree = jinja2.Environment().parse(path.read_text(encoding="utf-8"))

    def case_data(node) -> bool:
        if isinstance(node, nodes.Name):
            return node.name == "data" and path.parent == MAIL  # pages name other things `data`
        return (isinstance(node, nodes.Getattr) and node.attr == "data" and isinstance(node.node, nodes.Name)
                and node.node.name == "case")

    for node in tree.find_all((nodes.Call, nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr == "get":
            if case_data(node.node.node) and node.args and isinstance(node.args[0], nodes.Const):
                yield node.lineno, node.args[0].value
        elif isinstance(node, nodes.Getattr) and case_data(node.node) and node.attr not in ("get", "items", "keys"):
            yield node.lineno, node.attr
        elif isinstance(node, nodes.Getitem) and case_data(node.node) and isinstance(node.arg, nodes.Const):
            yield node.lineno, node.arg.value


def _python_files():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _templates():
    return sorted(p for p in (APP / "templates").rglob("*") if p.suffix in (".txt", ".html"))


def test_every_key_the_code_reads_by_name_is_in_the_registry():
    unknown = []
    for name, tree in _python_files():
        unknown += [f"{name}:{line}: {key}" for line, key in python_reads(tree)
                    if key not in contract.REGISTRY and key not in NOT_CASE_DATA.get(name, ())]
    for path in _templates():
        unknown += [f"{path.relative_to(ROOT)}:{line}: {key}" for line, key in template_reads(path)
                    if key not in contract.REGISTRY]
    assert not unknown, ("case-data keys read by the code but missing from app/domain/data_contract.py (add them, "
                         "with who reads them, and read them through the constant):\n" + "\n".join(unknown))


def test_every_registered_key_is_read_by_the_code():
    read = set()
    for _name, tree in _python_files():
        read |= {key for _line, key in python_reads(tree)} | constant_reads(tree)
    for path in _templates():
        read |= {key for _line, key in template_reads(path)}
    assert set(contract.REGISTRY) - read == set(), "registry keys no code reads: remove them"


def test_each_mail_template_reads_the_keys_the_registry_lists_for_it():
    listed: dict[str, set[str]] = {}
    for key in contract.REGISTRY.values():
        for template in key.mails:
            listed.setdefault(template, set()).add(key.name)
    read = {path.stem: {key for _line, key in template_reads(path)} for path in sorted(MAIL.glob("*.txt"))}
    assert set(listed) <= set(read), "the registry names mail templates that do not exist"
    assert {t: keys for t, keys in read.items() if keys} == listed


def test_constants_are_named_after_their_keys_and_entries_are_complete():
    for name, key in contract.REGISTRY.items():
        assert getattr(contract, name.upper()) == name == key.name
        assert key.meaning and key.type and (key.readers or key.mails), name
        assert set(key.readers) <= set(contract.READERS), name
        assert set(key.processes) <= set(contract.PROCESSES), name
        assert not key.law or key.processes, f"{name}: a key the law needs names the processes that must provide it"
        assert key.source in (contract.FORM, contract.SCRIPT, contract.SERVER, contract.MODEL), name
    assert {p.stem for p in (ROOT / "processes").glob("*.bpmn")} == set(contract.PROCESSES)


def test_needed_by_takes_the_process_and_the_mails_it_sends():
    needed = {k.name for k in contract.needed_by("pengaduan_baru", {"keberatan_diterima"})}
    assert needed == {"nama_lengkap", "nomor_keberatan"}
    assert "nomor_keberatan" in {k.name for k in contract.needed_by(contract.BERKALA)}
    assert "rincian_informasi" not in {k.name for k in contract.needed_by(contract.BERKALA)}


def test_process_conventions_carry_the_registry_table():
    doc = (ROOT / "docs" / "PROCESS_CONVENTIONS.md").read_text(encoding="utf-8")
    assert contract.DOC_BEGIN in doc and contract.DOC_END in doc
    assert contract.with_table(doc) == doc, (
        "docs/PROCESS_CONVENTIONS.md's data contract table differs from app/domain/data_contract.py: run "
        "`python -m app.domain.data_contract`")


def test_the_scan_finds_each_way_of_reading_a_key():
    planted = ast.parse('data.get("a")\ncase["b"]\n"c" in instance.case_data\ntext(data, "d")\n'
                        'label(labels, "e", None)\nafter.get("f", 1)\nsubmitted["g"]\ndocs.data.case_data.get("h")\n'
                        'payload.get("not_case_data")\ncontract.NOMOR_LAPOR\n')
    assert sorted(key for _line, key in python_reads(planted)) == list("abcdefgh")
    assert constant_reads(planted) == {"nomor_lapor"}
