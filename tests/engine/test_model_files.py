"""Static checks of the process models in processes/ and the forms in forms/.

No Flask and no database: each BPMN file is parsed with SpiffWorkflow (with the BPMN XSD
and the spiffworkflow extension schema) and read with lxml, and every form is checked as
JSON Schema. The checks follow docs/PROCESS_CONVENTIONS.md and hold for any process file
dropped into processes/, not only the request procedure.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
BPMN = "{%s}" % NS["bpmn"]
XSI_TYPE = "{%s}type" % NS["xsi"]

LANE_ROLES = {"pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_diskominfo"}

# Flow node element types (BPMN 2.0 tFlowNode subclasses that can appear in a process).
FLOW_NODE_TAGS = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}

BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
SCHEMA_FILES = sorted(FORMS.glob("*.schema.json"))
UI_FILES = sorted(FORMS.glob("*.uischema.json"))


def _ids(paths):
    return [p.name for p in paths]


def test_there_is_at_least_one_process_and_form():
    assert BPMN_FILES, "processes/ holds no .bpmn file"
    assert SCHEMA_FILES, "forms/ holds no .schema.json file"


# ----------------------------------------------------------------------------- helpers
def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _executable_processes(root):
    return root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)


def _flow_nodes(root):
    """Every flow node of every process, nested subprocesses included."""
    return [el for el in root.iter() if isinstance(el.tag, str) and el.tag.startswith(BPMN)
            and _local(el) in FLOW_NODE_TAGS]


def _lane_map(root) -> dict[str, list[str]]:
    """flowNodeRef id -> names of the lanes listing it (the contract's source of truth for roles).

    SpiffWorkflow 3.2 gives a task inside an expanded subprocess the lane of the subprocess
    itself, so the role of a task is read from the lane's flowNodeRef, not from the parsed spec.
    """
    lanes: dict[str, list[str]] = {}
    for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        lanes.setdefault((ref.text or "").strip(), []).append(ref.getparent().get("name"))
    return lanes


def _properties(el) -> dict[str, str]:
    props = el.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


def _form_of(el) -> str | None:
    return _properties(el).get("formJsonSchemaFilename") or el.get("{%s}formKey" % NS["camunda"])


def _parse(path: Path):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(path))
    out = []
    for process in _executable_processes(_tree(path)):
        pid = process.get("id")
        out.append((pid, parser.get_spec(pid), parser.get_subprocess_specs(pid)))
    return out


def _shapes(root) -> dict[str, etree._Element]:
    return {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}


def _bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


# ----------------------------------------------------------------------------- BPMN files
@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_parses_with_xsd_and_spiffworkflow(path):
    parsed = _parse(path)
    assert len(parsed) == 1, "one executable process per file"
    pid, spec, _subs = parsed[0]
    assert pid == path.stem, "file name must be <process_id>.bpmn"
    assert spec.name == pid


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_collaboration_with_one_pool(path):
    root = _tree(path)
    participants = root.findall("./bpmn:collaboration/bpmn:participant", NS)
    assert len(participants) == 1, "a collaboration with exactly one participant (the pool)"
    assert participants[0].get("name"), "the pool has a name"
    assert participants[0].get("processRef") == path.stem


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_every_flow_node_in_exactly_one_role_lane(path):
    root = _tree(path)
    lanes = root.findall(".//bpmn:laneSet/bpmn:lane", NS)
    assert lanes, "the process has a laneSet"
    assert {lane.get("name") for lane in lanes} <= LANE_ROLES, "lane names are role keys"
    lane_map = _lane_map(root)
    node_ids = {n.get("id") for n in _flow_nodes(root)}
    problems = [f"{nid}: lanes {lane_map.get(nid, [])}" for nid in sorted(node_ids) if len(lane_map.get(nid, [])) != 1]
    assert not problems, "each flow node is listed in exactly one lane: " + "; ".join(problems)
    unknown = set(lane_map) - node_ids
    assert not unknown, f"flowNodeRef to unknown ids: {sorted(unknown)}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_every_element_has_a_name(path):
    root = _tree(path)
    nameless = [n.get("id") for n in _flow_nodes(root) if not (n.get("name") or "").strip()]
    nameless += [lane.get("id") for lane in root.iterfind(".//bpmn:lane", NS) if not lane.get("name")]
    assert not nameless, f"elements without a name: {nameless}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_user_tasks_have_a_role_lane_and_an_existing_form(path):
    root = _tree(path)
    lane_map = _lane_map(root)
    xml_tasks = {t.get("id"): t for t in root.iterfind(".//bpmn:userTask", NS)}
    seen = set()
    for _pid, spec, subs in _parse(path):
        for process_spec in [spec, *subs.values()]:
            for ts in process_spec.task_specs.values():
                if not isinstance(ts, UserTask):
                    continue
                seen.add(ts.bpmn_id)
                assert ts.lane, f"{ts.bpmn_id}: SpiffWorkflow sees no lane"
                lanes = lane_map.get(ts.bpmn_id, [])
                assert len(lanes) == 1 and lanes[0] in LANE_ROLES, f"{ts.bpmn_id}: lane {lanes}"
                props = ts.extensions.get("properties", {})
                form = props.get("formJsonSchemaFilename") or _form_of(xml_tasks[ts.bpmn_id])
                assert form, f"{ts.bpmn_id}: no form"
                assert (FORMS / form).is_file(), f"{ts.bpmn_id}: forms/{form} does not exist"
                ui = props.get("formUiSchemaFilename")
                if ui:
                    assert (FORMS / ui).is_file(), f"{ts.bpmn_id}: forms/{ui} does not exist"
    assert seen == set(xml_tasks), f"user tasks not parsed: {sorted(set(xml_tasks) - seen)}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_exclude_completers_of_names_user_tasks(path):
    root = _tree(path)
    user_tasks = {t.get("id") for t in root.iterfind(".//bpmn:userTask", NS)}
    for task in root.iterfind(".//bpmn:userTask", NS):
        value = _properties(task).get("excludeCompletersOf")
        if value is None:
            continue
        ids = [x.strip() for x in value.split(",") if x.strip()]
        assert ids, f"{task.get('id')}: empty excludeCompletersOf"
        assert set(ids) <= user_tasks, f"{task.get('id')}: unknown ids in excludeCompletersOf: {ids}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_exclusive_gateways_have_conditions_or_a_default(path):
    root = _tree(path)
    flows = {f.get("id"): f for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    for gw in root.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gw.get("id")]
        assert outgoing, f"{gw.get('id')}: no outgoing flow"
        if len(outgoing) == 1:
            continue  # a merge: SpiffWorkflow takes a lone unconditioned flow as the default
        default = gw.get("default")
        for flow in outgoing:
            if flow.get("id") == default:
                continue
            cond = flow.find("bpmn:conditionExpression", NS)
            assert cond is not None and (cond.text or "").strip(), \
                f"{gw.get('id')} -> {flow.get('id')}: no condition and not the default"
            assert cond.get(XSI_TYPE, "").endswith("tFormalExpression"), f"{flow.get('id')}: condition type"
            assert (flow.get("name") or "").strip(), f"{flow.get('id')}: a conditional flow is named"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_scripts_conditions_and_timers_are_python(path):
    """Syntax only; the engine's sandbox decides at run time what they may call."""
    root = _tree(path)
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        compile(script.text or "", script.getparent().get("id"), "exec")
    for cond in root.iterfind(".//bpmn:conditionExpression", NS):
        compile((cond.text or "").strip(), cond.getparent().get("id"), "eval")
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{tag}", NS):
            compile((timer.text or "").strip(), tag, "eval")


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_diagram_interchange_is_complete(path):
    root = _tree(path)
    planes = root.findall(".//bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert planes, "no BPMNDiagram/BPMNPlane"
    shapes = _shapes(root)
    wanted = [n.get("id") for n in _flow_nodes(root)]
    wanted += [p.get("id") for p in root.iterfind(".//bpmn:collaboration/bpmn:participant", NS)]
    wanted += [lane.get("id") for lane in root.iterfind(".//bpmn:lane", NS)]
    missing = [i for i in wanted if i not in shapes or shapes[i].find("dc:Bounds", NS) is None]
    assert not missing, f"elements without a DI shape: {missing}"
    for sub in root.iterfind(".//bpmn:subProcess", NS):
        assert shapes[sub.get("id")].get("isExpanded") == "true", f"{sub.get('id')}: draw it expanded"
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')}: no DI edge"
        assert len(edge.findall("di:waypoint", NS)) >= 2, f"{flow.get('id')}: fewer than two waypoints"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_boundary_events_sit_on_their_activity_border(path):
    root = _tree(path)
    shapes = _shapes(root)
    for event in root.iterfind(".//bpmn:boundaryEvent", NS):
        ex, ey, ew, eh = _bounds(shapes[event.get("id")])
        cx, cy = ex + ew / 2, ey + eh / 2
        hx, hy, hw, hh = _bounds(shapes[event.get("attachedToRef")])
        inside_x = hx - 1 <= cx <= hx + hw + 1
        inside_y = hy - 1 <= cy <= hy + hh + 1
        on_edge = min(abs(cx - hx), abs(cx - hx - hw), abs(cy - hy), abs(cy - hy - hh)) <= max(ew, eh) / 2
        assert inside_x and inside_y and on_edge, f"{event.get('id')} is not on the border of its activity"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_nested_nodes_are_drawn_inside_their_subprocess(path):
    root = _tree(path)
    shapes = _shapes(root)
    for sub in root.iterfind(".//bpmn:subProcess", NS):
        sx, sy, sw, sh = _bounds(shapes[sub.get("id")])
        for child in sub:
            if not isinstance(child.tag, str) or _local(child) not in FLOW_NODE_TAGS:
                continue
            x, y, w, h = _bounds(shapes[child.get("id")])
            cx, cy = x + w / 2, y + h / 2
            assert sx <= cx <= sx + sw and sy <= cy <= sy + sh, f"{child.get('id')} is drawn outside {sub.get('id')}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=_ids(BPMN_FILES))
def test_nodes_are_drawn_in_the_band_of_their_lane(path):
    """A node listed in a lane is drawn in that lane (centre inside the lane's band)."""
    root = _tree(path)
    shapes = _shapes(root)
    for lane in root.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = _bounds(shapes[lane.get("id")])
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            node = root.find(f".//*[@id='{ref.text.strip()}']")
            if _local(node) == "subProcess" or ref.text.strip() not in shapes:
                continue  # an expanded subprocess may span the lanes of the nodes it holds
            x, y, w, h = _bounds(shapes[ref.text.strip()])
            cx, cy = x + w / 2, y + h / 2
            assert lx <= cx <= lx + lw and ly <= cy <= ly + lh, \
                f"{ref.text.strip()} is listed in lane {lane.get('name')} but drawn outside it"


# ----------------------------------------------------------------------------- forms
def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=_ids(SCHEMA_FILES))
def test_form_is_valid_json_schema(path):
    schema = _load(path)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema.get("type") == "object"
    assert (schema.get("title") or "").strip(), "a form has a title"
    props = schema.get("properties")
    assert props, "a form has fields"
    for name, prop in props.items():
        assert (prop.get("title") or "").strip(), f"{name}: no title"
        for option in prop.get("oneOf", []):
            assert "const" in option and option.get("title"), f"{name}: choices are const + title"
        if prop.get("format") == "data-url":
            assert prop.get("type") == "string", f"{name}: uploads are strings"
    assert set(schema.get("required", [])) <= set(props), "required names only existing fields"


@pytest.mark.parametrize("path", UI_FILES, ids=_ids(UI_FILES))
def test_ui_schema_matches_its_form(path):
    ui = _load(path)
    schema_path = path.with_name(path.name.replace(".uischema.json", ".schema.json"))
    assert schema_path.is_file(), f"{path.name} has no {schema_path.name}"
    props = set(_load(schema_path)["properties"])
    order = ui.get("ui:order", [])
    assert set(order) - {"*"} <= props, f"ui:order names unknown fields: {set(order) - {'*'} - props}"
    assert set(k for k in ui if not k.startswith("ui:")) <= props, "ui entries for unknown fields"


def test_every_form_is_used_by_a_process():
    used = set()
    for path in BPMN_FILES:
        for task in _tree(path).iterfind(".//bpmn:userTask", NS):
            props = _properties(task)
            used |= {v for k, v in props.items() if k in ("formJsonSchemaFilename", "formUiSchemaFilename")}
            if _form_of(task):
                used.add(_form_of(task))
    unused = {p.name for p in [*SCHEMA_FILES, *UI_FILES]} - used
    assert not unused, f"forms no process uses: {sorted(unused)}"


def test_fields_shared_between_forms_have_the_same_type():
    """Forms merge into one case data dict, so a field name means one thing everywhere."""
    seen: dict[str, tuple[str, object]] = {}
    for path in SCHEMA_FILES:
        for name, prop in _load(path)["properties"].items():
            kind = (prop.get("type"), prop.get("format"))
            if name in seen:
                assert seen[name][1] == kind, f"{name}: {seen[name][0]} and {path.name} disagree"
            else:
                seen[name] = (path.name, kind)


def test_layout_has_no_coincident_shapes():
    """Two flow nodes drawn at the same place are almost always a copy-paste slip."""
    for path in BPMN_FILES:
        root = _tree(path)
        shapes = _shapes(root)
        centres = {}
        for node in _flow_nodes(root):
            if node.get("id") not in shapes:
                continue  # reported by test_diagram_interchange_is_complete
            x, y, w, h = _bounds(shapes[node.get("id")])
            key = (round(x + w / 2), round(y + h / 2))
            assert key not in centres, f"{path.name}: {node.get('id')} drawn on top of {centres[key]}"
            centres[key] = node.get("id")
