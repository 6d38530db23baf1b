"""DMN decision tables beside a BPMN file: read safely, checked, handed to SpiffWorkflow, shown.

A business rule task names its decision with SpiffWorkflow's `spiffworkflow:calledDecisionId`
or Camunda Modeler's `camunda:decisionRef`. Each `.dmn` file holds one decision with one
decision table (what SpiffWorkflow reads). SpiffWorkflow's DMN engine evaluates every input
and output entry through the workflow's script engine, so the entries run in the sandbox
(app.engine.sandbox) like any other expression; here they are also compiled at import.
"""
from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from typing import Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from .problems import ImportRefused, Problem
from .safexml import parse_xml_safely
from .sandbox import SandboxError, compile_expression

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
CAMUNDA_DECISION_REF = f"{{{NS['camunda']}}}decisionRef"
CAMUNDA_RESULT = f"{{{NS['camunda']}}}resultVariable"
DMN_SUFFIX = ".dmn"
#: what SpiffWorkflow's DMN engine does: UNIQUE and FIRST give the first matching rule's outputs,
#: COLLECT a list of every matching rule's value per output (no aggregation)
SUPPORTED_HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
TABLE_PARTS = ("input", "output", "rule")
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # SpiffWorkflow's "?" outside quotes
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.dmn$")
_validators: dict[str, BpmnValidator] = {}


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c) == name]


# -- reading the files ---------------------------------------------------------------------
def read_decision_files(files: Mapping[str, bytes] | None) -> dict[str, etree._Element]:
    """Parse uploaded DMN files (filename -> bytes) safely and check them against the DMN XSD.

    ImportRefused at stage "xml" (unsafe or unreadable, not DMN) or "xsd" (schema violations).
    """
    roots: dict[str, etree._Element] = {}
    problems: list[Problem] = []
    for filename, data in sorted((files or {}).items()):
        if not _FILENAME.match(filename):
            problems.append(Problem("xml", None, None, None, f"{filename}: nama berkas keputusan harus berupa nama "
                                    "saja (huruf, angka, _ . -) berakhiran .dmn"))
            continue
        try:
            root = parse_xml_safely(data if isinstance(data, bytes) else data.encode("utf-8"))
        except ImportRefused as refused:
            problems += [Problem("xml", p.element_id, p.element_name, None, f"{filename}: {p.message}")
                         for p in refused.problems]
            continue
        namespace = etree.QName(root).namespace
        if _local(root) != "definitions" or namespace not in SCHEMAS:
            problems.append(Problem("xml", None, None, None, f"{filename}: bukan berkas DMN (diharapkan <definitions> "
                                    "DMN 1.1, 1.2 atau 1.3)"))
            continue
        roots[filename] = root
    if problems:
        raise ImportRefused("xml", problems)
    for filename, root in roots.items():
        problems += _xsd_problems(filename, root)
    if problems:
        raise ImportRefused("xsd", problems)
    return roots


def _xsd_problems(filename: str, root: etree._Element) -> list[Problem]:
    namespace = etree.QName(root).namespace
    validator = _validators.get(namespace) or _validators.setdefault(namespace, BpmnValidator(SCHEMAS[namespace]))
    schema = validator.validator
    if schema.validate(root):
        return []
    return [Problem("xsd", None, None, None, f"{filename} baris {error.line}: {error.message}")
            for error in schema.error_log]


# -- business rule tasks and the parser ---------------------------------------------------------
def decision_ref(node: etree._Element) -> str | None:
    """The decision a business rule task calls: SpiffWorkflow's calledDecisionId or Camunda's decisionRef."""
    found = node.xpath("./bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS)
    if found and (found[0].text or "").strip():
        return found[0].text.strip()
    return (node.get(CAMUNDA_DECISION_REF) or "").strip() or None


class _BusinessRuleTaskParser(BusinessRuleTaskParser):
    @staticmethod
    def get_decision_ref(node):
        return decision_ref(node)


class DecisionParser(SpiffBpmnParser):
    """SpiffWorkflow's parser that also reads Camunda Modeler's `camunda:decisionRef`."""

    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask)}


def _for_spiff(root: etree._Element) -> etree._Element:
    """A copy SpiffWorkflow can read: no comments, and a decision table holding only its inputs, outputs and
    rules (its reader stops at anything else, e.g. a description or Camunda's annotation column)."""
    clean = copy.deepcopy(root)
    for node in list(clean.iter(etree.Comment, etree.ProcessingInstruction)):
        node.getparent().remove(node)
    for table in clean.iter(f"{{{etree.QName(clean).namespace}}}decisionTable"):
        for child in list(table):
            if _local(child) not in TABLE_PARTS:
                table.remove(child)
    return clean


def new_parser(decisions: Mapping[str, etree._Element] | None = None) -> DecisionParser:
    """A parser holding the given DMN files (already read and checked)."""
    parser = DecisionParser()
    for filename, root in (decisions or {}).items():
        parser.add_dmn_xml(_for_spiff(root), filename=filename)
    return parser


# -- the structure SpiffWorkflow needs (checked before it parses) -------------------------------
@dataclass
class _Table:
    filename: str
    decision: etree._Element
    table: etree._Element

    @property
    def id(self) -> str:
        return self.decision.get("id") or ""


def _problem(stage: str, where: _Table | str, el: etree._Element | None, message: str) -> Problem:
    filename = where if isinstance(where, str) else where.filename
    line = f" baris {el.sourceline}" if el is not None and el.sourceline else ""
    decision = None if isinstance(where, str) else where.decision
    return Problem(stage, decision.get("id") if decision is not None else None,
                   decision.get("name") if decision is not None else None, None,
                   f"{filename}{line}: {message}")


def _tables(decisions: Mapping[str, etree._Element], problems: list[Problem]) -> dict[str, _Table]:
    """Each file's one decision and its one table, by decision id; what is not so is a problem."""
    tables: dict[str, _Table] = {}
    for filename, root in decisions.items():
        found = [el for el in root.iter() if _local(el) == "decision"]
        if len(found) != 1:
            problems.append(_problem("parse", filename, root, f"berisi {len(found)} keputusan (decision): satu berkas "
                                     ".dmn harus berisi tepat satu keputusan dengan satu tabel keputusan"))
            continue
        decision = found[0]
        if root.nsmap.get(None) != etree.QName(root).namespace and root.nsmap.get("dmn") != etree.QName(root).namespace:
            problems.append(_problem("parse", filename, root, "namespace DMN harus menjadi namespace bawaan "
                                     "(seperti ditulis bpmn.io dan Camunda Modeler) atau berawalan 'dmn'"))
            continue
        table_els = _children(decision, "decisionTable")
        where = _Table(filename, decision, table_els[0] if table_els else decision)
        if len(table_els) != 1:
            problems.append(_problem("parse", where, decision, "keputusan harus berisi tepat satu tabel keputusan "
                                     f"(decisionTable), ditemukan {len(table_els)}"))
            continue
        if where.id in tables:
            problems.append(_problem("parse", where, decision, f"id keputusan '{where.id}' juga ada di "
                                     f"{tables[where.id].filename}: id keputusan harus unik"))
            continue
        tables[where.id] = where
    return tables


def _rule_shape_problems(where: _Table) -> list[Problem]:
    inputs, outputs = _children(where.table, "input"), _children(where.table, "output")
    problems = []
    if not outputs:
        problems.append(_problem("parse", where, where.table, "tabel keputusan tidak punya kolom keluaran (output)"))
    for number, rule in enumerate(_children(where.table, "rule"), start=1):
        ins, outs = _children(rule, "inputEntry"), _children(rule, "outputEntry")
        if len(ins) != len(inputs) or len(outs) != len(outputs):
            problems.append(_problem("parse", where, rule, f"aturan {number} berisi {len(ins)} entri masukan dan "
                                     f"{len(outs)} entri keluaran, tabelnya {len(inputs)} masukan dan "
                                     f"{len(outputs)} keluaran"))
        for out, entry in zip(outputs, outs):
            text = _text(entry)
            try:
                ast.parse(text or "None")
            except SyntaxError as exc:
                problems.append(_problem("parse", where, entry, f"aturan {number}, keluaran '{_output_name(out)}': "
                                         f"'{text}' bukan ekspresi yang dapat dibaca ({exc.msg})"))
    return problems


def structure_problems(root: etree._Element, decisions: Mapping[str, etree._Element]) -> list[Problem]:
    """What SpiffWorkflow would refuse vaguely or read wrongly: run before it parses (stage "parse")."""
    problems: list[Problem] = []
    tables = _tables(decisions, problems)
    for where in tables.values():
        problems += _rule_shape_problems(where)
    available = ", ".join(sorted(tables)) or "tidak ada"
    for node in root.iter(f"{{{NS['bpmn']}}}businessRuleTask"):
        ref = decision_ref(node)
        if ref is None:
            problems.append(Problem("parse", node.get("id"), node.get("name"), node.sourceline,
                                    "tugas aturan bisnis ini tidak menyebut keputusan (decision) yang dipakainya: "
                                    "isi spiffworkflow:calledDecisionId atau camunda:decisionRef dengan id "
                                    f"keputusan (tersedia: {available})"))
        elif ref not in tables:
            problems.append(Problem("parse", node.get("id"), node.get("name"), node.sourceline,
                                    f"keputusan '{ref}' tidak ada di berkas DMN yang diimpor bersama BPMN ini: "
                                    "sertakan berkas .dmn-nya (--dmn, folder --decisions, atau unggahan di halaman "
                                    f"impor); tersedia: {available}"))
    return problems


# -- the project's rules (stage "lint") -------------------------------------------------------
def _text(entry: etree._Element) -> str:
    texts = _children(entry, "text")
    return (texts[0].text or "").strip() if texts else ""


def _output_name(output: etree._Element) -> str:
    return output.get("name") or output.get("label") or output.get("id") or "?"


def _input_expression(inp: etree._Element) -> str:
    expression = _children(inp, "inputExpression")
    return _text(expression[0]) if expression else ""


def _entry_expression(input_expr: str, entry_text: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for one input entry (DMNEngine.evaluate)."""
    if _QUESTION.search(entry_text):
        return _QUESTION.sub("dmninputexpr", entry_text)
    try:
        ast.parse(entry_text)
        return f"({input_expr}) == ({entry_text})"
    except SyntaxError:
        return input_expr + entry_text


def _column_problems(where: _Table) -> list[Problem]:
    problems = []
    for number, inp in enumerate(_children(where.table, "input"), start=1):
        expression = _input_expression(inp)
        if not (inp.get("label") or "").strip():
            problems.append(_problem("lint", where, inp, f"masukan {number} tidak berlabel: beri nama kolomnya "
                                     f"(label), mis. '{expression or 'jenis_informasi'}'"))
        if not expression:
            problems.append(_problem("lint", where, inp, f"masukan {number} ('{inp.get('label') or '?'}') tidak "
                                     "berisi ekspresi: tulis data kasus yang dibacanya, mis. jenis_informasi"))
        else:
            problems += _compile_problem(where, inp, expression, f"masukan {number} ('{inp.get('label') or '?'}')")
    for number, out in enumerate(_children(where.table, "output"), start=1):
        name = (out.get("name") or "").strip()
        if not name:
            problems.append(_problem("lint", where, out, f"keluaran {number} ('{out.get('label') or '?'}') tidak "
                                     "bernama (name): namanya adalah kunci data kasus yang diisi keputusan, "
                                     "mis. kelas_tenggat"))
        elif not _OUTPUT_NAME.match(name):
            problems.append(_problem("lint", where, out, f"nama keluaran {number} '{name}' bukan kunci data "
                                     "(huruf, angka dan _, tidak diawali angka)"))
    return problems


def _compile_problem(where: _Table, el: etree._Element, expression: str, what: str) -> list[Problem]:
    try:
        compile_expression(expression)
    except SandboxError as exc:
        return [_problem("lint", where, el, f"{what}: '{expression}' ditolak sandbox: {exc}")]
    return []


def _hit_policy_problems(where: _Table) -> list[Problem]:
    policy = (where.table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        return [_problem("lint", where, where.table, f"hit policy {policy} tidak didukung; pakai salah satu dari "
                         f"{', '.join(SUPPORTED_HIT_POLICIES)}")]
    if where.table.get("aggregation"):
        return [_problem("lint", where, where.table, f"COLLECT dengan agregasi {where.table.get('aggregation')} "
                         "tidak didukung: COLLECT menghasilkan daftar nilai; jumlahkan atau hitung di tugas skrip")]
    return []


def _literal(text: str):
    if text in ("", "-"):
        return None
    try:
        return ("value", ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return ("expression", text)


def _overlap_problems(where: _Table) -> list[Problem]:
    """Under UNIQUE, two rules whose entries are all plain values or '-' and agree can both match: the engine
    would take the first silently. (Rules with comparisons are not judged.)"""
    if (where.table.get("hitPolicy") or "UNIQUE").upper() != "UNIQUE":
        return []
    rows = []
    for number, rule in enumerate(_children(where.table, "rule"), start=1):
        cells = [_literal(_text(e)) for e in _children(rule, "inputEntry")]
        if all(c is None or c[0] == "value" for c in cells):
            rows.append((number, rule, cells))
    problems = []
    for i, (first, _rule, a) in enumerate(rows):
        for second, rule, b in rows[i + 1:]:
            if len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b)):
                problems.append(_problem("lint", where, rule, f"aturan {first} dan {second} dapat cocok bersamaan "
                                         "(hit policy UNIQUE hanya membolehkan satu): bedakan masukannya, atau "
                                         "pakai hit policy FIRST"))
    return problems


def _entry_problems(where: _Table) -> list[Problem]:
    inputs, outputs = _children(where.table, "input"), _children(where.table, "output")
    problems = []
    for number, rule in enumerate(_children(where.table, "rule"), start=1):
        for inp, entry in zip(inputs, _children(rule, "inputEntry")):
            text, expression = _text(entry), _input_expression(inp)
            if text and text != "-" and expression:
                problems += _compile_problem(where, entry, _entry_expression(expression, text),
                                             f"aturan {number}, masukan '{inp.get('label') or expression}'")
        for out, entry in zip(outputs, _children(rule, "outputEntry")):
            if _text(entry):
                problems += _compile_problem(where, entry, _text(entry),
                                             f"aturan {number}, keluaran '{_output_name(out)}'")
    return problems


def lint_decisions(root: etree._Element, decisions: Mapping[str, etree._Element]) -> tuple[list[Problem], list[str]]:
    """(problems, warnings) of the DMN files: named columns with expressions, a supported hit policy, entries
    the sandbox compiles, UNIQUE tables without overlapping plain rules; files no task uses are a warning."""
    ignored: list[Problem] = []
    tables = _tables(decisions, ignored)
    used = {decision_ref(node) for node in root.iter(f"{{{NS['bpmn']}}}businessRuleTask")}
    problems: list[Problem] = []
    for where in tables.values():
        if where.id in used:
            problems += _column_problems(where) + _hit_policy_problems(where) + _entry_problems(where)
            problems += _overlap_problems(where)
    warnings = [f"berkas keputusan {t.filename} ({t.id}) diunggah tetapi tidak dipakai proses ini; tidak disimpan"
                for t in tables.values() if t.id not in used]
    warnings += [f"{node.get('id')}: camunda:resultVariable '{node.get(CAMUNDA_RESULT)}' diabaikan; setiap keluaran "
                 "tabel keputusan disimpan ke data kasus dengan namanya sendiri"
                 for node in root.iter(f"{{{NS['bpmn']}}}businessRuleTask") if node.get(CAMUNDA_RESULT)]
    return problems, warnings


def used_files(root: etree._Element, decisions: Mapping[str, etree._Element]) -> list[str]:
    """The DMN files a business rule task of this BPMN calls (the ones stored with the version)."""
    used = {decision_ref(node) for node in root.iter(f"{{{NS['bpmn']}}}businessRuleTask")}
    tables = _tables(decisions, [])
    return sorted(t.filename for t in tables.values() if t.id in used)


def decision_texts(root: etree._Element, decisions: Mapping[str, etree._Element],
                   raw: Mapping[str, bytes] | None) -> dict[str, str]:
    """The DMN files stored with the version (those a task calls): filename -> the text as uploaded."""
    out = {}
    for filename in used_files(root, decisions):
        data = (raw or {}).get(filename, b"")
        try:
            out[filename] = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        except UnicodeDecodeError:
            out[filename] = etree.tostring(decisions[filename], encoding="unicode")
    return out
