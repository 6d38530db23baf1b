"""Turn a BPMN file (and the forms it names) into a validated, versioned process definition."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
MAX_BPMN_BYTES = 2 * 1024 * 1024


class DefinitionError(Exception):
    """The BPMN could not be turned into a definition; `problems` lists every finding."""

    def __init__(self, stage: str, problems: list[str]):
        self.stage = stage
        self.problems = problems
        super().__init__(f"{stage}: " + "; ".join(problems))


@dataclass(frozen=True)
class UserTaskMeta:
    """What the product needs to know about one user task of a definition."""

    id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None = None
    exclude_completers_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcessDefinition:
    """One version of one process: its source, its forms and its parsed spec (as JSON)."""

    process_id: str
    name: str
    content_hash: str
    bpmn_xml: bytes
    forms: dict[str, dict] = field(default_factory=dict)
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    spec_json: str = ""


def parse_xml_safely(data: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded size."""
    if len(data) > MAX_BPMN_BYTES:
        raise DefinitionError("xml", [f"file is larger than {MAX_BPMN_BYTES // 1024} KiB"])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DefinitionError("xml", [f"malformed XML: {exc}"]) from None
    if root.getroottree().docinfo.doctype:
        raise DefinitionError("xml", ["DOCTYPE declarations (and so entities) are not allowed"])
    return root


def validate_xsd(root: etree._Element) -> None:
    """Check the document against the BPMN 2.0 XSD shipped with SpiffWorkflow."""
    try:
        VALIDATOR.validate(root)
    except ValidationException as exc:
        raise DefinitionError("xsd", [f"line {exc.line_number}: {exc}"]) from None


def content_hash(bpmn_xml: bytes, forms: dict[str, dict]) -> str:
    """Hash of the BPMN bytes and every form it uses, canonically encoded."""
    digest = hashlib.sha256(bpmn_xml)
    digest.update(json.dumps(forms, sort_keys=True, separators=(",", ":")).encode())
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
    """
    refs = {ref.text.strip(): ref.getparent().get("name")
            for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    lanes = {}
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            if task_spec.bpmn_id in refs:
                task_spec.lane = refs[task_spec.bpmn_id]
            if task_spec.bpmn_id:
                lanes[task_spec.bpmn_id] = task_spec.lane
    return lanes


def _executable_process(root: etree._Element) -> etree._Element:
    processes = root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)
    if len(processes) != 1:
        raise DefinitionError("parse", [f"expected exactly one executable process, found {len(processes)}"])
    return processes[0]


def _load_forms(metas: dict[str, UserTaskMeta], read_form: Callable[[str], dict]) -> dict[str, dict]:
    forms, problems = {}, []
    for meta in metas.values():
        for name in (meta.form, meta.ui_form):
            if name and name not in forms:
                try:
                    forms[name] = read_form(name)
                except (OSError, ValueError) as exc:
                    problems.append(f"{meta.id} ({meta.name}): form {name}: {exc}")
    if problems:
        raise DefinitionError("forms", problems)
    return forms


def build_definition(bpmn_xml: bytes, read_form: Callable[[str], dict]) -> ProcessDefinition:
    """Validate and parse one BPMN file into a ProcessDefinition (spec serialized to JSON)."""
    from .serialization import spec_to_json

    root = parse_xml_safely(bpmn_xml)
    validate_xsd(root)
    process = _executable_process(root)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root)
        spec = parser.get_spec(process.get("id"))
        subprocess_specs = parser.get_subprocess_specs(process.get("id"))
    except ValidationException as exc:
        where = f"{exc.id} ({exc.name}) line {exc.line_number}" if exc.id else f"line {exc.line_number}"
        raise DefinitionError("parse", [f"{where}: {exc}"]) from None
    except Exception as exc:  # SpiffWorkflow raises plain exceptions for unsupported models
        raise DefinitionError("parse", [f"{type(exc).__name__}: {exc}"]) from None
    lanes = _assign_lanes(root, [spec, *subprocess_specs.values()])
    metas = _user_task_metas(root, lanes)
    forms = _load_forms(metas, read_form)
    return ProcessDefinition(
        process_id=process.get("id"), name=process.get("name") or process.get("id"),
        content_hash=content_hash(bpmn_xml, forms), bpmn_xml=bpmn_xml, forms=forms,
        user_tasks=metas, properties=_properties(process),
        spec_json=spec_to_json(spec, subprocess_specs),
    )


def form_reader(forms_dir: Path) -> Callable[[str], dict]:
    """A read_form callable that loads JSON files from one folder, refusing paths outside it."""
    base = forms_dir.resolve()

    def read(name: str) -> dict:
        path = (base / name).resolve()
        if path.parent != base:
            raise ValueError("form names may not contain a path")
        if not path.is_file():
            raise ValueError("file not found in forms/")
        return json.loads(path.read_text(encoding="utf-8"))

    return read
