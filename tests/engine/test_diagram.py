"""Tests of the server-side BPMN diagram renderer (app.engine.diagram)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from lxml import etree

from app.engine.diagram import Shape, diagram_shapes, list_diagrams, render_svg

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus" / "miwg-reference"
SVG = "{http://www.w3.org/2000/svg}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
TOL = 1e-3

MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="Defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="P" isExecutable="true">
    <bpmn:startEvent id="Start_1" name="Start"/>
    <bpmn:userTask id="Task_1" name=TASK_NAME/>
    <bpmn:boundaryEvent id="Timer_1" attachedToRef="Task_1" cancelActivity="false">
      <bpmn:timerEventDefinition id="TD_1"/>
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="Gw_1" default="Flow_3"/>
    <bpmn:exclusiveGateway id="Gw_2"/>
    <bpmn:endEvent id="End_1"><bpmn:messageEventDefinition id="MD_1"/></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="Gw_1"/>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Gw_1" targetRef="Gw_2"/>
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Gw_2" targetRef="End_1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1" name="Main">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="P">
      <bpmndi:BPMNShape id="Start_1_di" bpmnElement="Start_1"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1"><dc:Bounds x="180" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Timer_1_di" bpmnElement="Timer_1"><dc:Bounds x="242" y="140" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Gw_1_di" bpmnElement="Gw_1" isMarkerVisible="true"><dc:Bounds x="330" y="93" width="50" height="50"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Gw_2_di" bpmnElement="Gw_2"><dc:Bounds x="430" y="93" width="50" height="50"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_1_di" bpmnElement="End_1"><dc:Bounds x="530" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Ghost_di" bpmnElement="NoSuchElement"><dc:Bounds x="600" y="300" width="80" height="40"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="136" y="118"/><di:waypoint x="180" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="280" y="118"/><di:waypoint x="330" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_3_di" bpmnElement="Flow_3"><di:waypoint x="380" y="118"/><di:waypoint x="430" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_4_di" bpmnElement="Flow_4"><di:waypoint x="480" y="118"/><di:waypoint x="505" y="118"/><di:waypoint x="505" y="90"/><di:waypoint x="548" y="100"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _minimal(task_name: str = "Review request") -> bytes:
    """The small test model with the user task named ``task_name``."""
    return MINIMAL.replace("TASK_NAME", quoteattr(task_name)).encode("utf-8")


def _svg(text: str) -> etree._Element:
    """Parse rendered SVG text (must be well-formed XML with an svg root)."""
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return root


def _groups(svg: etree._Element) -> dict[str, list[etree._Element]]:
    """SVG groups by their data-element-id."""
    out: dict[str, list[etree._Element]] = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("data-element-id") is not None:
            out.setdefault(g.get("data-element-id"), []).append(g)
    return out


def _outline_box(g: etree._Element) -> tuple[float, float, float, float]:
    """Measure the drawn outline (rect, ellipse or polygon) of a shape group."""
    outline = next(el for el in g if "outline" in (el.get("class") or "").split())
    tag = etree.QName(outline).localname
    if tag == "rect":
        return tuple(float(outline.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]
    if tag == "ellipse":
        cx, cy, rx, ry = (float(outline.get(k)) for k in ("cx", "cy", "rx", "ry"))
        return cx - rx, cy - ry, 2 * rx, 2 * ry
    assert tag == "polygon", tag
    pts = [tuple(map(float, p.split(","))) for p in outline.get("points").split()]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _path_points(d: str) -> list[tuple[float, float]]:
    """Points of a polyline path ``M x,y L x,y ...``."""
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Element-wise equality within TOL."""
    return len(a) == len(b) and all(abs(x - y) <= TOL for x, y in zip(a, b))


def _di_key(di: etree._Element) -> str:
    """The id the renderer puts in data-element-id for a DI element."""
    return di.get("bpmnElement") or di.get("id")


def _check_shapes(diagram: etree._Element, groups: dict[str, list[etree._Element]]) -> int:
    """Every BPMNShape is a group whose data-x/y/w/h and outline equal its DI bounds."""
    count = 0
    for shape in diagram.iter(f"{BPMNDI}BPMNShape"):
        b = shape.find(f"{DC}Bounds")
        expected = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
        candidates = groups.get(_di_key(shape), [])
        assert candidates, f"shape {_di_key(shape)} not drawn"
        drawn = [tuple(float(g.get(f"data-{k}")) for k in "xywh") for g in candidates]
        assert any(_close(d, expected) for d in drawn), (_di_key(shape), drawn, expected)
        assert any(_close(_outline_box(g), expected) for g in candidates), _di_key(shape)
        count += 1
    return count


def _check_edges(diagram: etree._Element, groups: dict[str, list[etree._Element]]) -> int:
    """Every BPMNEdge is a group with a path through exactly its waypoints."""
    count = 0
    for edge in diagram.iter(f"{BPMNDI}BPMNEdge"):
        expected = [(float(w.get("x")), float(w.get("y"))) for w in edge.iter(f"{DI}waypoint")]
        if len(expected) < 2:
            continue
        paths = [p for g in groups.get(_di_key(edge), []) for p in g.iter(f"{SVG}path")
                 if p.get("class") == "flow"]
        assert paths, f"edge {_di_key(edge)} not drawn"
        drawn = [_path_points(p.get("d")) for p in paths]
        assert any(len(d) == len(expected) and all(_close(a, b) for a, b in zip(d, expected))
                   for d in drawn), (_di_key(edge), drawn, expected)
        count += 1
    return count


def _corpus_params() -> list:
    """One parameter per corpus file, or a single skipped one when the corpus is absent."""
    files = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="corpus-absent")]


@pytest.mark.parametrize("path", _corpus_params())
def test_corpus_diagrams_match_their_di(path: Path | None) -> None:
    """Each MIWG reference model renders; shapes and edges sit exactly where the DI says."""
    if path is None:
        pytest.skip(f"BPMN corpus not found at {CORPUS}")
    data = path.read_bytes()
    source = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    diagrams = source.findall(f"{BPMNDI}BPMNDiagram")
    assert len(list_diagrams(data)) == len(diagrams) >= 1
    for index, diagram in enumerate(diagrams):
        svg = _svg(render_svg(data, diagram_index=index))
        groups = _groups(svg)
        assert _check_shapes(diagram, groups) + _check_edges(diagram, groups) > 0
        vx, vy, vw, vh = map(float, svg.get("viewBox").split())
        for b in diagram.iter(f"{DC}Bounds"):
            x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
            assert vx <= x and vy <= y and x + w <= vx + vw and y + h <= vy + vh
        assert len(diagram_shapes(data, index)) == len(list(diagram.iter(f"{BPMNDI}BPMNShape")))


def test_minimal_model_geometry_types_and_titles() -> None:
    """Shapes carry their type class, DI geometry and a <title> with the name."""
    data = _minimal()
    svg = _svg(render_svg(data))
    groups = _groups(svg)
    task = groups["Task_1"][0]
    assert "bpmn-userTask" in task.get("class").split()
    assert task.find(f"{SVG}title").text == "Review request"
    assert (task.get("data-x"), task.get("data-y"), task.get("data-w"), task.get("data-h")) == \
        ("180", "78", "100", "80")
    assert "bpmn-boundaryEvent" in groups["Timer_1"][0].get("class")
    assert "bpmn-sequenceFlow" in groups["Flow_4"][0].get("class")
    assert _check_shapes(etree.fromstring(data).find(f"{BPMNDI}BPMNDiagram"), groups) == 7
    assert Shape("Task_1", "userTask", 180.0, 78.0, 100.0, 80.0) in diagram_shapes(data)
    assert list_diagrams(data) == ["Main"]


def test_notation_details() -> None:
    """Non-interrupting boundary is dashed; X only when isMarkerVisible; default flow slash."""
    groups = _groups(_svg(render_svg(_minimal())))
    timer_outline = groups["Timer_1"][0].find(f"{SVG}ellipse")
    assert timer_outline.get("stroke-dasharray")
    assert groups["Timer_1"][0].findall(f"{SVG}path[@class='mark']")
    assert groups["Gw_1"][0].findall(f"{SVG}path[@class='mark']")
    assert not groups["Gw_2"][0].findall(f"{SVG}path[@class='mark']")
    assert len(groups["Flow_3"][0].findall(f"{SVG}path")) == 2  # line + default slash
    assert groups["End_1"][0].find(f"{SVG}ellipse").get("stroke-width") == "4"


def test_unknown_element_is_a_plain_rectangle() -> None:
    """A shape whose BPMN element is missing is drawn as a rectangle, not an error."""
    ghost = _groups(_svg(render_svg(_minimal())))["NoSuchElement"][0]
    assert "bpmn-unknown" in ghost.get("class").split()
    assert ghost.find(f"{SVG}rect").get("width") == "80"


def test_highlight_classes() -> None:
    """done / active / timer states become st-* classes on the element groups."""
    states = {"Start_1": "done", "Flow_1": "done", "Task_1": "active", "Timer_1": "timer"}
    groups = _groups(_svg(render_svg(_minimal(), highlight=states)))
    for element_id, state in states.items():
        assert f"st-{state}" in groups[element_id][0].get("class").split()
    assert not any(c.startswith("st-") for c in groups["End_1"][0].get("class").split())


def test_unknown_highlight_state_is_refused() -> None:
    """A typo in a state name is an error rather than a silently missing highlight."""
    with pytest.raises(ValueError, match="highlight"):
        render_svg(_minimal(), highlight={"Task_1": "running"})


def test_names_are_escaped() -> None:
    """Markup in names is text, never markup in the SVG."""
    name = '<script>alert("x")</script> & more'
    text = render_svg(_minimal(name))
    assert "<script" not in text
    assert "&lt;script&gt;" in text
    svg = _svg(text)
    assert not [el for el in svg.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "script"]
    assert _groups(svg)["Task_1"][0].find(f"{SVG}title").text == name


def test_long_names_wrap_into_lines() -> None:
    """A name wider than the task is wrapped into several tspans."""
    task = _groups(_svg(render_svg(_minimal("Verify the identity documents of the applicant carefully"))))["Task_1"][0]
    assert len(task.find(f"{SVG}text").findall(f"{SVG}tspan")) >= 3


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&x;</bpmn:definitions>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&x;</bpmn:definitions>',
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><bpmn:definitions '
    b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&c;</bpmn:definitions>',
    b'<!DOCTYPE html><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
], ids=["internal-entity", "external-entity", "billion-laughs", "plain-doctype"])
def test_doctype_and_entities_are_refused(payload: bytes) -> None:
    """Any DOCTYPE (and so any entity) is refused with a clear ValueError."""
    with pytest.raises(ValueError, match="DOCTYPE"):
        render_svg(payload)
    with pytest.raises(ValueError, match="DOCTYPE"):
        list_diagrams(payload)


@pytest.mark.parametrize("payload", [b"<not-closed", b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_invalid_documents_are_refused(payload: bytes) -> None:
    """Malformed XML or a non-BPMN root is a ValueError."""
    with pytest.raises(ValueError):
        render_svg(payload)


def test_diagram_index_out_of_range() -> None:
    """Asking for a diagram that does not exist is a ValueError."""
    with pytest.raises(ValueError, match="diagram_index"):
        render_svg(_minimal(), diagram_index=3)
