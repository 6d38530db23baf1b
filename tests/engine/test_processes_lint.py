"""Lint on commit: what is in processes/ and forms/ imports cleanly with the import's own checks.

Every BPMN file goes through exactly the stages `ppid process import` runs (safe XML, editor
dialects, BPMN XSD, SpiffWorkflow, the project's rules) with the built-in roles, and must
come out with no problem, nothing to normalize and no warning. Every form must be valid and
used by some process, unless it is listed below as intentionally unused.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.domain.roles import ROLES
from app.engine import ImportRefused, check_import, form_reader

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"

#: forms kept in forms/ although no process names them (file name -> why)
INTENTIONALLY_UNUSED: dict[str, str] = {}

PROCESS_FILES = sorted(p for p in PROCESSES.iterdir() if p.is_file() and not p.name.startswith("."))  # tests/: scenarios
FORM_FILES = sorted(p for p in FORMS.iterdir() if not p.name.startswith("."))


def _check(path: Path):
    try:
        return check_import(path.read_bytes(), form_reader(FORMS), known_roles=ROLES)
    except ImportRefused as exc:
        pytest.fail(f"{path.name} would be refused:\n" + "\n".join(exc.lines()))


@pytest.mark.parametrize("path", PROCESS_FILES, ids=[p.name for p in PROCESS_FILES])
def test_process_file_imports_cleanly(path):
    assert path.suffix == ".bpmn", "processes/ holds BPMN files only"
    checked = _check(path)
    assert checked.definition.bpmn_xml == path.read_bytes(), (
        "commit the file as `ppid process import` writes it (normalized: " + "; ".join(checked.normalized) + ")")
    assert checked.warnings == []
    assert checked.definition.process_id == path.stem, "the file is named <process_id>.bpmn"


@pytest.mark.parametrize("path", FORM_FILES, ids=[p.name for p in FORM_FILES])
def test_form_file_is_valid(path):
    assert path.name.endswith((".schema.json", ".uischema.json")), "forms/ holds *.schema.json and *.uischema.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(content, dict)
    if path.name.endswith(".schema.json"):
        Draft202012Validator.check_schema(content)
        assert content.get("type") == "object"


def test_every_form_is_used_by_a_process_or_listed_as_unused():
    used = set()
    for path in PROCESS_FILES:
        used |= set(_check(path).definition.forms)
    unused = {p.name for p in FORM_FILES} - used - set(INTENTIONALLY_UNUSED)
    assert not unused, f"forms no process uses (delete them or list them in INTENTIONALLY_UNUSED): {sorted(unused)}"
    stale = set(INTENTIONALLY_UNUSED) - {p.name for p in FORM_FILES}
    assert not stale, f"INTENTIONALLY_UNUSED lists forms that do not exist: {sorted(stale)}"
