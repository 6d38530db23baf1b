"""Edits a process owner makes in a BPMN editor, done here with lxml on a copy of the model.

Used by the process-change tests: the decree that moves the service target from 4 to 5
working days, and an agency's legal review step in a new lane `bagian_hukum`.
"""
from __future__ import annotations

import json
import re

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
B, BPMNDI, DC, DI, SPIFF = ("{%s}" % NS[k] for k in ("bpmn", "bpmndi", "dc", "di", "spiffworkflow"))

TELAAH_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Telaah hukum",
    "type": "object",
    "required": ["rekomendasi_hukum", "pertimbangan_hukum"],
    "properties": {
        "rekomendasi_hukum": {"type": "string", "title": "Rekomendasi",
                              "enum": ["dapat_diberikan", "dikecualikan_sebagian", "dikecualikan"]},
        "pertimbangan_hukum": {"type": "string", "title": "Pertimbangan hukum", "minLength": 1, "maxLength": 4000},
    },
}
TELAAH_UI = {"ui:order": ["rekomendasi_hukum", "pertimbangan_hukum"], "rekomendasi_hukum": {"ui:widget": "radio"},
             "pertimbangan_hukum": {"ui:widget": "textarea"}}
TELAAH_FORMS = {"telaah_hukum.schema.json": json.dumps(TELAAH_FORM, indent=2).encode(),
                "telaah_hukum.uischema.json": json.dumps(TELAAH_UI, indent=2).encode()}


def _one(root, path):
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, len(found))
    return found[0]


def _bounds(el, x, y, w, h):
    etree.SubElement(el, DC + "Bounds", x=str(x), y=str(y), width=str(w), height=str(h))


def set_service_target(bpmn: bytes, days: int) -> bytes:
    """The regent's decree: the service target Timer_Target4HK counts `days` working days."""
    root = etree.fromstring(bpmn)
    timer = _one(root, "//bpmn:boundaryEvent[@id='Timer_Target4HK']")
    expression = _one(timer, "./bpmn:timerEventDefinition/bpmn:timeDate")
    expression.text = re.sub(r"hari_kerja\(\d+,", f"hari_kerja({days},", expression.text)
    timer.set("name", f"Target layanan {days} hari kerja")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def add_legal_review(bpmn: bytes) -> bytes:
    """A user task 'Telaah hukum' in a new lane bagian_hukum between the OPD's answer and the notice."""
    root = etree.fromstring(bpmn)
    lane_set = _one(root, "//bpmn:laneSet")
    lane = etree.SubElement(lane_set, B + "lane", id="Lane_BagianHukum", name="bagian_hukum")
    etree.SubElement(lane, B + "flowNodeRef").text = "Activity_TelaahHukum"

    notice = _one(root, "//bpmn:userTask[@id='Activity_TerbitkanPemberitahuan']")
    review = etree.Element(B + "userTask", id="Activity_TelaahHukum", name="Telaah hukum")
    ext = etree.SubElement(review, B + "extensionElements")
    props = etree.SubElement(ext, SPIFF + "properties")
    etree.SubElement(props, SPIFF + "property", name="formJsonSchemaFilename", value="telaah_hukum.schema.json")
    etree.SubElement(props, SPIFF + "property", name="formUiSchemaFilename", value="telaah_hukum.uischema.json")
    etree.SubElement(review, B + "incoming").text = "Flow_KeTerbitkan"
    etree.SubElement(review, B + "outgoing").text = "Flow_TelaahKeTerbitkan"
    notice.addprevious(review)  # beside the notice, in the same (sub)process as the flow it splits

    flow = _one(root, "//bpmn:sequenceFlow[@id='Flow_KeTerbitkan']")
    flow.set("targetRef", "Activity_TelaahHukum")
    new_flow = etree.Element(B + "sequenceFlow", id="Flow_TelaahKeTerbitkan", sourceRef="Activity_TelaahHukum",
                             targetRef="Activity_TerbitkanPemberitahuan")
    flow.addnext(new_flow)
    _one(notice, "./bpmn:incoming").text = "Flow_TelaahKeTerbitkan"

    # diagram: a lane under the others (the pool grows), the task in it, the two flows
    pool = _one(root, "//bpmndi:BPMNShape[@bpmnElement='Participant_PPID']/dc:Bounds")
    pool_bottom = float(pool.get("y")) + float(pool.get("height"))
    pool.set("height", str(float(pool.get("height")) + 160))
    plane = _one(root, "//bpmndi:BPMNPlane")
    last_lane = _one(root, "//bpmndi:BPMNShape[@bpmnElement='Lane_AtasanPPID']")
    lane_shape = etree.Element(BPMNDI + "BPMNShape", id="Lane_BagianHukum_di", bpmnElement="Lane_BagianHukum",
                               isHorizontal="true")
    _bounds(lane_shape, 160, pool_bottom, float(pool.get("width")) - 30, 160)
    last_lane.addnext(lane_shape)
    # under the notice, in the new lane; the answer's flow goes down to it and the review's flow up to the notice
    nx, ny, nw, nh = (float(_one(root, f"//bpmndi:BPMNShape[@bpmnElement='Activity_TerbitkanPemberitahuan']"
                                       f"/dc:Bounds").get(k)) for k in ("x", "y", "width", "height"))
    task_shape = etree.SubElement(plane, BPMNDI + "BPMNShape", id="Activity_TelaahHukum_di",
                                  bpmnElement="Activity_TelaahHukum")
    _bounds(task_shape, nx, pool_bottom + 40, 100, 80)
    edge = _one(root, "//bpmndi:BPMNEdge[@bpmnElement='Flow_KeTerbitkan']")
    start = edge.find(DI + "waypoint")
    for child in list(edge):
        edge.remove(child)
    sx, sy = float(start.get("x")), float(start.get("y"))
    for x, y in ((sx, sy), (nx - 20, sy), (nx - 20, pool_bottom + 80), (nx, pool_bottom + 80)):
        etree.SubElement(edge, DI + "waypoint", x=str(x), y=str(y))
    new_edge = etree.SubElement(plane, BPMNDI + "BPMNEdge", id="Flow_TelaahKeTerbitkan_di",
                                bpmnElement="Flow_TelaahKeTerbitkan")
    for x, y in ((nx + 50, pool_bottom + 40), (nx + 50, ny + nh)):
        etree.SubElement(new_edge, DI + "waypoint", x=str(x), y=str(y))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def remove_legal_review(bpmn: bytes) -> bytes:
    """Undo add_legal_review's task (the agency drops the step again); the target stays as it is."""
    root = etree.fromstring(bpmn)
    for path in ("//bpmn:userTask[@id='Activity_TelaahHukum']", "//bpmn:lane[@id='Lane_BagianHukum']",
                 "//bpmn:sequenceFlow[@id='Flow_TelaahKeTerbitkan']",
                 "//bpmndi:BPMNShape[@bpmnElement='Activity_TelaahHukum']",
                 "//bpmndi:BPMNShape[@bpmnElement='Lane_BagianHukum']",
                 "//bpmndi:BPMNEdge[@bpmnElement='Flow_TelaahKeTerbitkan']"):
        el = _one(root, path)
        el.getparent().remove(el)
    _one(root, "//bpmn:sequenceFlow[@id='Flow_KeTerbitkan']").set("targetRef", "Activity_TerbitkanPemberitahuan")
    _one(root, "//bpmn:userTask[@id='Activity_TerbitkanPemberitahuan']/bpmn:incoming").text = "Flow_KeTerbitkan"
    pool = _one(root, "//bpmndi:BPMNShape[@bpmnElement='Participant_PPID']/dc:Bounds")
    pool.set("height", str(float(pool.get("height")) - 160))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def rename_data_key(bpmn: bytes, forms_dir, old: str, new: str) -> tuple[bytes, dict[str, bytes]]:
    """A form field or script variable renamed in the editor: `old` becomes `new` as a whole word in the model
    (scripts, conditions, timers) and in every form of `forms_dir` that names it. Returns the model and the changed
    forms (to upload with it)."""
    word = re.compile(rf"\b{re.escape(old)}\b")
    forms = {}
    for path in sorted(forms_dir.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        if word.search(text):
            forms[path.name] = word.sub(new, text).encode()
    return word.sub(new, bpmn.decode()).encode(), forms
