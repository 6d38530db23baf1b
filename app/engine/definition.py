"""Turn a BPMN file (and the forms it names) into a validated, versioned process definition."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .model_check import model_problems, parser_problem, select_process
from .normalize import candidate_group_lanes
from .problems import ImportRefused, Problem
from .types import NS, ProcessDefinition, UserTaskMeta  # noqa: F401 - also found here


def parse_xml_safely(data: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded size (ImportRefused otherwise)."""
    from .safexml import parse_xml_safely as parse

    return parse(data)


def _short_names(message: str) -> str:
    """libxml2's '{namespace}name' written with the usual prefixes (bpmn:, bpmndi:, ...)."""
    for prefix, uri in (*NS.items(), ("bpmndi", "http://www.omg.org/spec/BPMN/20100524/DI"),
                        ("dc", "http://www.omg.org/spec/DD/20100524/DC"), ("di", "http://www.omg.org/spec/DD/20100524/DI")):
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


def xsd_problems(root: etree._Element) -> list[Problem]:
    """Every violation of the BPMN 2.0 XSD (with the spiffworkflow extension XSD), located."""
    VALIDATOR.preprocess(root)
    schema = VALIDATOR.validator
    if schema.validate(root):
        return []
    by_line: dict[int, etree._Element] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.sourceline not in by_line:
            by_line[el.sourceline] = el
    seen: dict[str, int] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id"):
            seen[el.get("id")] = seen.get(el.get("id"), 0) + 1
    problems = []
    for error in schema.error_log:
        el = by_line.get(error.line)
        while el is not None and el.get("id") is None:
            el = el.getparent()
        message = "tidak sesuai skema BPMN 2.0 (XSD): " + _short_names(error.message)
        duplicate = re.search(r"'([^']+)' is not a valid value of the atomic type 'xs:ID'", error.message)
        if duplicate and seen.get(duplicate.group(1), 0) > 1:
            message = f"id '{duplicate.group(1)}' dipakai {seen[duplicate.group(1)]} elemen: id harus unik"
        problems.append(Problem("xsd", el.get("id") if el is not None else None,
                                el.get("name") if el is not None else None, error.line, message))
    return problems


def validate_xsd(root: etree._Element) -> None:
    """Check the document against the BPMN 2.0 XSD shipped with SpiffWorkflow."""
    problems = xsd_problems(root)
    if problems:
        raise ImportRefused("xsd", problems)


def content_hash(bpmn_xml: bytes, forms: dict[str, dict], decisions: dict[str, str] | None = None,
                 called_hashes: Iterable[str] = ()) -> str:
    """Hash of the BPMN bytes and every form it uses, canonically encoded; with the DMN files and the
    called versions' hashes when there are any (so versions without them keep their hash)."""
    digest = hashlib.sha256(bpmn_xml)
    digest.update(json.dumps(forms, sort_keys=True, separators=(",", ":")).encode())
    if decisions:
        digest.update(json.dumps(decisions, sort_keys=True, separators=(",", ":")).encode())
    if called_hashes:
        digest.update(json.dumps(sorted(called_hashes)).encode())
    return digest.hexdigest()


def _properties(element: etree._Element) -> dict[str, str]:
    props = element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


def _user_task_metas(root: etree._Element, lanes: dict[str, str | None]) -> dict[str, UserTaskMeta]:
    metas = {}
    for node in root.iterfind(".//bpmn:userTask", NS):
        props = _properties(node)
        form = props.get("formJsonSchemaFilename") or node.get(f"{{{NS['camunda']}}}formKey")
        excluded = tuple(x.strip() for x in props.get("excludeCompletersOf", "").split(",") if x.strip())
        metas[node.get("id")] = UserTaskMeta(
            id=node.get("id"), name=node.get("name") or node.get("id"), lane=lanes.get(node.get("id")),
            form=form or None, ui_form=props.get("formUiSchemaFilename") or None,
            exclude_completers_of=excluded,
        )
    return metas


def _assign_lanes(root: etree._Element, specs: list) -> dict[str, str | None]:
    """Give every task the lane whose flowNodeRef lists it.

    SpiffWorkflow 3.2 gives tasks inside an expanded subprocess the subprocess's lane; the
    model says otherwise (each node is listed in the lane it is drawn in), and the model wins.
    A user task in no lane with Camunda Modeler's `camunda:candidateGroups` takes that group
    as its lane.
    """
    refs = {ref.text.strip(): ref.getparent().get("name")
            for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    refs.update(candidate_group_lanes(root))
    lanes = {}
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            if task_spec.bpmn_id in refs:
                task_spec.lane = refs[task_spec.bpmn_id]
            if task_spec.bpmn_id:
                lanes[task_spec.bpmn_id] = task_spec.lane
    for node_id, lane in refs.items():  # nodes SpiffWorkflow made no spec for (e.g. unreachable ones)
        lanes.setdefault(node_id, lane)
    return lanes


@dataclass
class ImportCheck:
    """A BPMN file that passed every stage: its definition and what the import changed or noticed."""

    definition: ProcessDefinition
    normalized: list[str]
    warnings: list[str]
    simulation: object | None = None  # app.engine.simulation.SimulationReport, when that stage ran


def _model_stage(root: etree._Element) -> None:
    """Stage "model": the process to run, and what SpiffWorkflow would refuse vaguely, said plainly first."""
    process, problems = select_process(root)
    if process is not None:
        problems = model_problems(root, process)
    if problems:
        raise ImportRefused("model", problems)


def _parse_stage(root: etree._Element, decisions: dict | None = None, library: Callable | None = None):
    """Stage c: the executable process (chosen by the model stage) that SpiffWorkflow can parse and build,
    with the DMN files given (app.engine.decisions) and the deployed processes it calls (app.engine.calls)."""
    from .calls import resolve_calls
    from .decisions import new_parser, structure_problems

    process = select_process(root)[0]
    problems = structure_problems(root, decisions or {})
    if problems:
        raise ImportRefused("parse", problems)
    parser = new_parser(decisions)
    try:
        parser.add_bpmn_xml(root)
        spec = parser.get_spec(process.get("id"))
        subprocess_specs, called = resolve_calls(parser, process, spec, library)
    except ImportRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - ValidationException, or plain exceptions for unsupported models
        raise ImportRefused("parse", [parser_problem(exc, root, process)]) from None
    return process, spec, subprocess_specs, called


def _combined_reader(read_form: Callable[[str], dict], extra_forms: dict[str, bytes] | None) -> Callable[[str], dict]:
    """Forms given with the import first (bytes, parsed here), then the forms folder."""
    if not extra_forms:
        return read_form

    def read(name: str) -> dict:
        if name in extra_forms:
            raw = extra_forms[name]
            return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        return read_form(name)

    return read


def check_import(bpmn_xml: bytes, read_form: Callable[[str], dict], known_roles: Iterable[str] | None = None,
                 extra_forms: dict[str, bytes] | None = None, simulate: bool = True,
                 options: dict[str, list] | None = None, decisions: dict[str, bytes] | None = None,
                 library: Callable | None = None) -> ImportCheck:
    """Run every import stage; ImportRefused names the first failing stage and all its problems.

    Stages: xml (safe parsing), normalization of editor dialects, xsd, model (the process to run and
    what SpiffWorkflow would refuse vaguely, app.engine.model_check), parse (SpiffWorkflow), lint
    (the project's rules, app.engine.lint), simulate (app.engine.simulation: every path run in memory;
    `options` gives sample choices of `x-options` fields). `known_roles` defaults to the built-in roles.
    `decisions`: DMN files (name -> bytes) for business rule tasks; `library`: the deployed processes
    call activities may call (app.engine.calls.Library).
    """
    from app.domain.roles import ROLES

    from .contract_check import provided_by_called
    from .decisions import decision_texts, lint_decisions, read_decision_files
    from .lint import lint
    from .normalize import normalize
    from .serialization import spec_to_json

    root = parse_xml_safely(bpmn_xml)
    normalized = normalize(root)
    validate_xsd(root)
    decision_roots = read_decision_files(decisions)
    _model_stage(root)
    process, spec, subprocess_specs, called = _parse_stage(root, decision_roots, library)
    lanes = _assign_lanes(root, [spec, *subprocess_specs.values()])
    try:
        spec_json = spec_to_json(spec, {**subprocess_specs, **called.specs()})
    except Exception as exc:  # noqa: BLE001 - a spec SpiffWorkflow cannot serialize cannot run here
        raise ImportRefused("parse", [Problem("parse", process.get("id"), process.get("name"), process.sourceline,
                                              "proses ini tidak dapat disimpan oleh mesin proses "
                                              f"({type(exc).__name__}: {exc})")]) from None
    result = lint(process, _combined_reader(read_form, extra_forms), ROLES if known_roles is None else known_roles,
                  lanes, also_provided=provided_by_called(called.spec_dicts, called.forms.values()))
    dmn_problems, dmn_warnings = lint_decisions(root, decision_roots)
    result.problems += dmn_problems
    result.warnings += dmn_warnings
    if extra_forms:
        for name in extra_forms:
            if name not in result.forms:
                result.warnings.append(f"formulir {name} diunggah tetapi tidak dipakai proses ini; tidak disimpan")
    if result.problems:
        raise ImportRefused("lint", result.problems)
    xml = bpmn_xml if not normalized else etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    metas = {**called.task_metas(), **_user_task_metas(root, lanes)}
    forms = {**called.forms, **result.forms}
    stored_decisions = decision_texts(root, decision_roots, decisions)
    definition = ProcessDefinition(
        process_id=process.get("id"), name=process.get("name") or process.get("id"),
        content_hash=content_hash(xml, forms, stored_decisions, called.hashes()), bpmn_xml=xml, forms=forms,
        user_tasks=metas, properties=_properties(process), spec_json=spec_json,
        decisions=stored_decisions, called=called.called,
    )
    report = None
    if simulate:
        from .simulation import STAGE as SIMULATE, simulate as run_simulation

        report = run_simulation(definition, process, options=options)
        if report.problems:
            raise ImportRefused(SIMULATE, report.problems)
        result.warnings.extend(report.warnings())
    return ImportCheck(definition, normalized, result.warnings, report)


def build_definition(bpmn_xml: bytes, read_form: Callable[[str], dict],
                     known_roles: Iterable[str] | None = None, decisions: dict[str, bytes] | None = None,
                     library: Callable | None = None) -> ProcessDefinition:
    """Validate and parse one BPMN file into a ProcessDefinition (spec serialized to JSON).

    Deploys processes/ at start-up without the simulation stage (seconds per file): `ppid process test`
    and tests/engine/test_simulation.py run it on every file of processes/."""
    return check_import(bpmn_xml, read_form, known_roles, simulate=False, decisions=decisions,
                        library=library).definition


def form_reader(forms_dir: Path) -> Callable[[str], dict]:
    """A read_form callable that loads JSON files from one folder, refusing paths outside it."""
    base = forms_dir.resolve()

    def read(name: str) -> dict:
        path = (base / name).resolve()
        if path.parent != base:
            raise ValueError("nama formulir tidak boleh memuat folder")
        if not path.is_file():
            raise ValueError("berkas tidak ada di folder forms/ dan tidak ikut diunggah")
        return json.loads(path.read_text(encoding="utf-8"))

    return read
