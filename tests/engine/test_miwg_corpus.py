"""The MIWG reference models (other tools' BPMN) are each handled clearly: drawn, then accepted or refused in words.

The corpus lives beside the project (../shared/corpus/miwg-reference, see its README); the
tests skip when it is absent. For every file: every diagram draws to a non-empty SVG, and the
import either accepts it (every stage, the simulation included) or refuses it with problems
that each pass `unclear` (a stage, an element or a line, Indonesian words, no Python repr, no
SpiffWorkflow-internal wording, nothing cut off).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import etree

from app.engine import ImportRefused, Problem, check_import, form_reader
from app.engine.diagram import diagram_planes, render_svg
from app.engine.problems import STAGES

ROOT = Path(__file__).resolve().parents[2]
#: beside the checkout, or where PPID_BPMN_CORPUS says (.ci/run sets it when the workplace's copy is there)
CORPUS = Path(os.environ.get("PPID_BPMN_CORPUS") or ROOT.parent / "shared" / "corpus" / "miwg-reference")
FORMS = form_reader(ROOT / "forms")
SVG = "{http://www.w3.org/2000/svg}"

REPRS = ("<Element", " at 0x", "object at", "Traceback", "{http://")
#: SpiffWorkflow's own words (and the product's earlier English) that a process owner cannot act on
INTERNAL = ("SubWorkflow", "Non-default exclusive", "must have an operator", "Unknown Time Specification",
            "No DMN Diagram", "Cannot resolve data", "for tasks of type", "has no implementation", "multiinstance",
            "SpiffWorkflow cannot", "ValidationException", "expected exactly one executable process", "(none)",
            "Available DMN ids")
INDONESIAN = re.compile(r"\b(tidak|bukan|harus|dan|atau|ini|yang|dengan|isi|gunakan|tandai)\b")
CUT_OFF = re.compile(r"(\b(of|the|type|a|an|dari|yang|untuk|di|ke)|[:,(\-])\s*\.?$|\.\.$")


def unclear(problem: Problem) -> list[str]:
    """Why a refusal's problem would leave a process owner guessing (empty when it is clear)."""
    reasons = []
    message = problem.message or ""
    if problem.stage not in STAGES:
        reasons.append(f"unknown stage {problem.stage!r}")
    if not problem.element_id and not problem.line:
        reasons.append("names neither an element nor a line")
    if problem.element_name and "\n" in problem.element_name:
        reasons.append("element name keeps its line breaks")
    if len(message.strip()) < 20:
        reasons.append("empty or too short to say what to do")
    reasons += [f"shows {r!r}" for r in REPRS if r in message]
    reasons += [f"SpiffWorkflow-internal wording {w!r}" for w in INTERNAL if w in message]
    if "\n" in message:
        reasons.append("message spans several lines")
    if CUT_OFF.search(message.strip()):
        reasons.append("message looks cut off")
    if not INDONESIAN.search(message):
        reasons.append("not in Indonesian")
    return reasons


def test_the_checker_catches_each_kind_of_unclear_message():
    def reasons(message, element_id="Task_1", line=3, name=None):
        return unclear(Problem("parse", element_id, name, line, message))

    assert reasons("tugas layanan tidak dapat dijalankan di produk ini: gunakan tugas skrip") == []
    # Problem itself strips reprs and line breaks; the checker sees what is left
    assert Problem("parse", "T", "Periksa\ndokumen", 1, "x <Element {urn:x}sourceRef at 0x7f00> y").message == \
        "x bpmn:sourceRef y"
    assert Problem("parse", "T", "Periksa\ndokumen", 1, "pesan").element_name == "Periksa dokumen"
    assert "names neither an element nor a line" in reasons("proses ini tidak dapat dijalankan sama sekali",
                                                            None, None)
    assert "message looks cut off" in reasons("Multiple outgoing flows are not supported for tasks of type.")
    assert "SpiffWorkflow-internal wording 'must have an operator'" in reasons("A Service Task must have an operator")
    assert "not in Indonesian" in reasons("expected one executable process, found two of them")
    assert "empty or too short to say what to do" in reasons("")


def _corpus_files() -> list:
    files = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="corpus-absent")]


@pytest.mark.parametrize("path", _corpus_files())
def test_each_reference_model_is_drawn_and_accepted_or_refused_clearly(path: Path | None):
    if path is None:
        pytest.skip(f"BPMN corpus not found at {CORPUS}")
    data = path.read_bytes()
    planes = diagram_planes(data)
    assert planes, "every reference model has a diagram"
    for plane in planes:
        svg = etree.fromstring(render_svg(data, diagram_index=plane.index).encode())
        assert any(g.get("data-element-id") for g in svg.iter(f"{SVG}g")), f"diagram {plane.index + 1} is empty"
        assert float(svg.get("width")) > 0 and float(svg.get("height")) > 0
    try:
        checked = check_import(data, FORMS)
    except ImportRefused as refused:
        assert refused.stage in STAGES and refused.problems
        report = {str(p): unclear(p) for p in refused.problems if unclear(p)}
        assert not report, report
    else:  # accepted: every stage passed, the simulation's run through every path included
        assert checked.definition.spec_json and checked.definition.process_id
