"""Small BPMN models of our own for the DMN and call-activity tests (not the product's procedure).

`layanan_kelas` (tests/engine/fixtures/decisions/) routes a request by a DMN decision table;
`process_bpmn` writes a two-lane process that may call another process through a call activity.
"""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "engine" / "fixtures" / "decisions"
FORM_NAMES = ("ajukan_kelas.schema.json", "layani_kelas.schema.json")


def forms() -> dict[str, bytes]:
    """The two forms the small models use (uploaded with the import)."""
    return {name: (FIXTURES / name).read_bytes() for name in FORM_NAMES}


def dmn_bpmn() -> bytes:
    return (FIXTURES / "layanan_kelas.bpmn").read_bytes()


def dmn_table() -> bytes:
    return (FIXTURES / "kelas_tenggat.dmn").read_bytes()


def _task(tag: str, name: str, form: str, x: int, y: int) -> tuple[str, str]:
    node = f'''    <bpmn:userTask id="Activity_{tag}" name="{name}">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_{tag}_In</bpmn:incoming>
      <bpmn:outgoing>Flow_{tag}_Out</bpmn:outgoing>
    </bpmn:userTask>'''
    return node, _shape(f"Activity_{tag}", x, y, 100, 80)


def _shape(element: str, x: int, y: int, w: int, h: int) -> str:
    return (f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}">\n'
            f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />\n      </bpmndi:BPMNShape>')


def _edge(flow: str, points: list[tuple[int, int]]) -> str:
    waypoints = "\n".join(f'        <di:waypoint x="{x}" y="{y}" />' for x, y in points)
    return f'      <bpmndi:BPMNEdge id="{flow}_di" bpmnElement="{flow}">\n{waypoints}\n      </bpmndi:BPMNEdge>'


def process_bpmn(process_id: str, name: str, call: str | None = None, pin: str | None = None) -> bytes:
    """A process: the applicant asks (pemohon), [a call activity calls `call`], an officer serves (diskominfo).

    Element ids carry the process id, so a caller's user tasks never share an id with its callee's."""
    tag = "".join(part.capitalize() for part in process_id.split("_"))
    ask, ask_shape = _task(f"{tag}_Ajukan", "Ajukan permintaan", "ajukan_kelas.schema.json", 250, 75)
    serve, serve_shape = _task(f"{tag}_Layani", "Layani permintaan", "layani_kelas.schema.json", 550, 260)
    flows = [(f"Flow_{tag}_Ajukan_In", f"Start_{tag}", f"Activity_{tag}_Ajukan", [(208, 115), (250, 115)])]
    lane_nodes = [f"Activity_{tag}_Layani", f"End_{tag}"]
    call_node, call_shapes = "", []
    if call:
        pin_xml = ("" if pin is None else
                   '\n      <bpmn:extensionElements>\n        <spiffworkflow:properties>\n'
                   f'          <spiffworkflow:property name="calledVersion" value="{pin}" />\n'
                   '        </spiffworkflow:properties>\n      </bpmn:extensionElements>')
        call_node = f'''    <bpmn:callActivity id="Call_{tag}" name="Panggil {call}" calledElement="{call}">{pin_xml}
      <bpmn:incoming>Flow_{tag}_Ajukan_Out</bpmn:incoming>
      <bpmn:outgoing>Flow_{tag}_Call_Out</bpmn:outgoing>
    </bpmn:callActivity>'''
        call_shapes = [_shape(f"Call_{tag}", 400, 260, 100, 80)]
        lane_nodes.insert(0, f"Call_{tag}")
        flows.append((f"Flow_{tag}_Ajukan_Out", f"Activity_{tag}_Ajukan", f"Call_{tag}",
                      [(300, 155), (300, 300), (400, 300)]))
        flows.append((f"Flow_{tag}_Call_Out", f"Call_{tag}", f"Activity_{tag}_Layani", [(500, 300), (550, 300)]))
        serve = serve.replace(f"Flow_{tag}_Layani_In", f"Flow_{tag}_Call_Out")
    else:
        serve = serve.replace(f"Flow_{tag}_Layani_In", f"Flow_{tag}_Ajukan_Out")
        flows.append((f"Flow_{tag}_Ajukan_Out", f"Activity_{tag}_Ajukan", f"Activity_{tag}_Layani",
                      [(300, 155), (300, 300), (550, 300)]))
    flows.append((f"Flow_{tag}_Layani_Out", f"Activity_{tag}_Layani", f"End_{tag}", [(650, 300), (702, 300)]))
    sequence = "\n".join(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{dst}" />'
                         for fid, src, dst, _points in flows)
    refs = "\n".join(f"        <bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in lane_nodes)
    shapes = "\n".join([
        f'      <bpmndi:BPMNShape id="Participant_{tag}_di" bpmnElement="Participant_{tag}" isHorizontal="true">\n'
        '        <dc:Bounds x="100" y="40" width="700" height="400" />\n      </bpmndi:BPMNShape>',
        f'      <bpmndi:BPMNShape id="Lane_{tag}_Pemohon_di" bpmnElement="Lane_{tag}_Pemohon" isHorizontal="true">\n'
        '        <dc:Bounds x="130" y="40" width="670" height="150" />\n      </bpmndi:BPMNShape>',
        f'      <bpmndi:BPMNShape id="Lane_{tag}_Petugas_di" bpmnElement="Lane_{tag}_Petugas" isHorizontal="true">\n'
        '        <dc:Bounds x="130" y="190" width="670" height="250" />\n      </bpmndi:BPMNShape>',
        _shape(f"Start_{tag}", 172, 97, 36, 36), ask_shape, *call_shapes, serve_shape,
        _shape(f"End_{tag}", 702, 282, 36, 36),
        *(_edge(fid, points) for fid, _s, _d, points in flows)])
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_{tag}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_{tag}">
    <bpmn:participant id="Participant_{tag}" name="{name}" processRef="{process_id}" />
  </bpmn:collaboration>
  <bpmn:process id="{process_id}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{tag}">
      <bpmn:lane id="Lane_{tag}_Pemohon" name="pemohon">
        <bpmn:flowNodeRef>Start_{tag}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_{tag}_Ajukan</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_{tag}_Petugas" name="diskominfo">
{refs}
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_{tag}" name="Mulai">
      <bpmn:outgoing>Flow_{tag}_Ajukan_In</bpmn:outgoing>
    </bpmn:startEvent>
{ask}
{call_node}
{serve}
    <bpmn:endEvent id="End_{tag}" name="Selesai">
      <bpmn:incoming>Flow_{tag}_Layani_Out</bpmn:incoming>
    </bpmn:endEvent>
{sequence}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{tag}">
    <bpmndi:BPMNPlane id="BPMNPlane_{tag}" bpmnElement="Collaboration_{tag}">
{shapes}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''.encode()
