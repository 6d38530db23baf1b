"""A stored DMN file as the version page shows it: each decision's table (inputs, outputs, rules, hit policy)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lxml import etree

from .decisions import _children, _input_expression, _tables, _text
from .problems import ImportRefused
from .safexml import parse_xml_safely


@dataclass(frozen=True)
class DecisionRule:
    number: int
    inputs: list[str]
    outputs: list[str]
    description: str = ""


@dataclass(frozen=True)
class DecisionTable:
    """One decision as the version page shows it."""

    filename: str
    decision_id: str
    name: str
    hit_policy: str
    inputs: list[tuple[str, str]]  # (label, expression)
    outputs: list[tuple[str, str]]  # (name, label)
    rules: list[DecisionRule] = field(default_factory=list)


def decision_tables(files: Mapping[str, str] | None) -> list[DecisionTable]:
    """Each stored DMN file's decision table (files that cannot be read are left out)."""
    out = []
    for filename, text in sorted((files or {}).items()):
        try:
            root = parse_xml_safely(text.encode("utf-8"))
        except ImportRefused:
            continue
        tables = _tables({filename: root}, [])
        for where in tables.values():
            inputs = _children(where.table, "input")
            outputs = _children(where.table, "output")
            rules = [DecisionRule(number, [_text(e) or "-" for e in _children(rule, "inputEntry")],
                                  [_text(e) for e in _children(rule, "outputEntry")],
                                  " ".join(_text_of(rule, "description").split()))
                     for number, rule in enumerate(_children(where.table, "rule"), start=1)]
            out.append(DecisionTable(
                filename, where.id, where.decision.get("name") or where.id,
                (where.table.get("hitPolicy") or "UNIQUE").upper(),
                [(i.get("label") or "", _input_expression(i)) for i in inputs],
                [(o.get("name") or "", o.get("label") or "") for o in outputs], rules))
    return out


def _text_of(el: etree._Element, name: str) -> str:
    found = _children(el, name)
    return (found[0].text or "") if found else ""
