"""A small process of our own to inject run-time failures into (tests of app/services/casework/incidents.py).

Pool "Uji insiden": the applicant's request (start form), a script "Catat penerimaan", the office's check with an
interrupting timer "Batas 3 hari kerja" (its path runs the script "Catat lewat batas") and a withdrawal message
(script "Catat pencabutan"), then the script "Tutup permohonan". `broken(...)` replaces one script's text in a
stored definition, after the import checks: the fault shows only when the step runs, as a slipped-through error
would.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace

from app.engine import ProcessDefinition, build_definition
from app.engine.definition import content_hash
from app.persistence.models import ProcessVersion, db
from app.services.modelling.processes import store_definition

from tests.support import actor, now

PROCESS_ID = "uji_insiden"
FORMS = {
    "uji_ajukan.schema.json": {"type": "object", "title": "Ajukan", "required": ["rincian_informasi"],
                               "properties": {"rincian_informasi": {"type": "string", "title": "Rincian informasi"}}},
    "uji_periksa.schema.json": {"type": "object", "title": "Periksa", "required": ["catatan"],
                                "properties": {"catatan": {"type": "string", "title": "Catatan"}}},
}
REQUEST = {"rincian_informasi": "Daftar sekolah penerima bantuan 2026"}
CHECK = {"catatan": "Lengkap"}
#: the scripts of the model, by element: what a fault replaces
SCRIPTS = {"Activity_Terima": 'status = "Diajukan"', "Activity_Tutup": 'status = "Selesai"',
           "Activity_Lewat": 'status = "Gugur"', "Activity_Cabut": 'status = "Ditarik"'}

MODEL = '''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_Uji" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_Uji">
    <bpmn:participant id="Participant_Uji" name="Uji insiden" processRef="uji_insiden" />
  </bpmn:collaboration>
  <bpmn:message id="Message_Cabut" name="permohonan_dicabut" />
  <bpmn:process id="uji_insiden" name="Uji insiden" isExecutable="true">
    <bpmn:laneSet id="LaneSet_Uji">
      <bpmn:lane id="Lane_Pemohon" name="pemohon">
        <bpmn:flowNodeRef>StartEvent_Mulai</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_Ajukan</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_Petugas" name="diskominfo">
        <bpmn:flowNodeRef>Activity_Terima</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_Periksa</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Timer_Batas</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Message_Dicabut</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_Tutup</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_Lewat</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_Cabut</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_Selesai</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_Lewat</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_Dicabut</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_Mulai" name="Mulai"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_Ajukan" name="Ajukan permohonan">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="uji_ajukan.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="Activity_Terima" name="Catat penerimaan" scriptFormat="python">
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:script>status = "Diajukan"
tanggal_diterima = sekarang()</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="Activity_Periksa" name="Periksa permohonan">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="uji_periksa.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_3</bpmn:incoming><bpmn:outgoing>Flow_4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Batas" name="Batas 3 hari kerja" attachedToRef="Activity_Periksa">
      <bpmn:outgoing>Flow_Lewat</bpmn:outgoing>
      <bpmn:timerEventDefinition id="Timer_Batas_Def">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">hari_kerja(3, sejak=tanggal_diterima)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="Message_Dicabut" name="Permohonan dicabut" attachedToRef="Activity_Periksa">
      <bpmn:outgoing>Flow_Cabut</bpmn:outgoing>
      <bpmn:messageEventDefinition id="Message_Dicabut_Def" messageRef="Message_Cabut" />
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="Activity_Tutup" name="Tutup permohonan" scriptFormat="python">
      <bpmn:incoming>Flow_4</bpmn:incoming><bpmn:outgoing>Flow_5</bpmn:outgoing>
      <bpmn:script>status = "Selesai"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="Activity_Lewat" name="Catat lewat batas" scriptFormat="python">
      <bpmn:incoming>Flow_Lewat</bpmn:incoming><bpmn:outgoing>Flow_6</bpmn:outgoing>
      <bpmn:script>status = "Gugur"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="Activity_Cabut" name="Catat pencabutan" scriptFormat="python">
      <bpmn:incoming>Flow_Cabut</bpmn:incoming><bpmn:outgoing>Flow_7</bpmn:outgoing>
      <bpmn:script>status = "Ditarik"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="EndEvent_Selesai" name="Selesai"><bpmn:incoming>Flow_5</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="EndEvent_Lewat" name="Gugur"><bpmn:incoming>Flow_6</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="EndEvent_Dicabut" name="Ditarik"><bpmn:incoming>Flow_7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_Mulai" targetRef="Activity_Ajukan" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_Ajukan" targetRef="Activity_Terima" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_Terima" targetRef="Activity_Periksa" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_Periksa" targetRef="Activity_Tutup" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Activity_Tutup" targetRef="EndEvent_Selesai" />
    <bpmn:sequenceFlow id="Flow_Lewat" sourceRef="Timer_Batas" targetRef="Activity_Lewat" />
    <bpmn:sequenceFlow id="Flow_6" sourceRef="Activity_Lewat" targetRef="EndEvent_Lewat" />
    <bpmn:sequenceFlow id="Flow_Cabut" sourceRef="Message_Dicabut" targetRef="Activity_Cabut" />
    <bpmn:sequenceFlow id="Flow_7" sourceRef="Activity_Cabut" targetRef="EndEvent_Dicabut" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_Uji">
    <bpmndi:BPMNPlane id="BPMNPlane_Uji" bpmnElement="Collaboration_Uji">
      <bpmndi:BPMNShape id="Participant_Uji_di" bpmnElement="Participant_Uji" isHorizontal="true"><dc:Bounds x="100" y="40" width="900" height="460" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_Pemohon_di" bpmnElement="Lane_Pemohon" isHorizontal="true"><dc:Bounds x="130" y="40" width="870" height="150" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_Petugas_di" bpmnElement="Lane_Petugas" isHorizontal="true"><dc:Bounds x="130" y="190" width="870" height="310" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_Mulai_di" bpmnElement="StartEvent_Mulai"><dc:Bounds x="172" y="97" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Ajukan_di" bpmnElement="Activity_Ajukan"><dc:Bounds x="250" y="75" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Terima_di" bpmnElement="Activity_Terima"><dc:Bounds x="250" y="240" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Periksa_di" bpmnElement="Activity_Periksa"><dc:Bounds x="400" y="240" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Timer_Batas_di" bpmnElement="Timer_Batas"><dc:Bounds x="412" y="302" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Message_Dicabut_di" bpmnElement="Message_Dicabut"><dc:Bounds x="462" y="302" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Tutup_di" bpmnElement="Activity_Tutup"><dc:Bounds x="560" y="240" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Lewat_di" bpmnElement="Activity_Lewat"><dc:Bounds x="380" y="400" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_Cabut_di" bpmnElement="Activity_Cabut"><dc:Bounds x="560" y="400" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_Selesai_di" bpmnElement="EndEvent_Selesai"><dc:Bounds x="712" y="262" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_Lewat_di" bpmnElement="EndEvent_Lewat"><dc:Bounds x="512" y="422" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_Dicabut_di" bpmnElement="EndEvent_Dicabut"><dc:Bounds x="712" y="422" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="208" y="115" /><di:waypoint x="250" y="115" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="300" y="155" /><di:waypoint x="300" y="240" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_3_di" bpmnElement="Flow_3"><di:waypoint x="350" y="280" /><di:waypoint x="400" y="280" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_4_di" bpmnElement="Flow_4"><di:waypoint x="500" y="280" /><di:waypoint x="560" y="280" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_5_di" bpmnElement="Flow_5"><di:waypoint x="660" y="280" /><di:waypoint x="712" y="280" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_Lewat_di" bpmnElement="Flow_Lewat"><di:waypoint x="430" y="338" /><di:waypoint x="430" y="400" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_6_di" bpmnElement="Flow_6"><di:waypoint x="480" y="440" /><di:waypoint x="512" y="440" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_Cabut_di" bpmnElement="Flow_Cabut"><di:waypoint x="480" y="338" /><di:waypoint x="480" y="370" /><di:waypoint x="610" y="370" /><di:waypoint x="610" y="400" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_7_di" bpmnElement="Flow_7"><di:waypoint x="660" y="440" /><di:waypoint x="712" y="440" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''


def _read_form(name: str) -> dict:
    if name not in FORMS:
        raise ValueError("file not found in forms/")
    return FORMS[name]


def definition(xml: str = MODEL) -> ProcessDefinition:
    return build_definition(xml.encode(), _read_form)


def broken(element_id: str, script: str, base: ProcessDefinition | None = None) -> ProcessDefinition:
    """The definition with one script replaced after the import checks (a fault that slips through)."""
    base = base or definition()
    old = SCRIPTS[element_id]
    assert base.bpmn_xml.count(old.encode()) == 1
    xml = base.bpmn_xml.replace(old.encode(), script.replace("<", "&lt;").encode())
    spec_json = base.spec_json.replace(json.dumps(old)[1:-1], json.dumps(script)[1:-1])
    assert spec_json != base.spec_json
    return replace(base, bpmn_xml=xml, spec_json=spec_json, content_hash=content_hash(xml, base.forms))


def with_service_task() -> ProcessDefinition:
    """"Tutup permohonan" as a service task: nothing in this installation runs one."""
    task = ('<bpmn:serviceTask id="Activity_Tutup" name="Tutup permohonan"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="http/GetRequest" resultVariable="hasil_layanan">'
            '<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
            '<bpmn:incoming>Flow_4</bpmn:incoming><bpmn:outgoing>Flow_5</bpmn:outgoing></bpmn:serviceTask>')
    return definition(re.sub(r'<bpmn:scriptTask id="Activity_Tutup".*?</bpmn:scriptTask>', task, MODEL, flags=re.S))


def deploy(found: ProcessDefinition, note: str = "") -> ProcessVersion:
    """Store a version as the process owner (the newest: new cases start on it)."""
    version = store_definition(found, actor("pemilik"), now(), note=note)
    db.session.commit()
    return version
