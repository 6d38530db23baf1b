"""Server-side SVG rendering of BPMN 2.0 diagrams from their diagram interchange (DI).

Only the DI (``BPMNDiagram``/``BPMNPlane``/``BPMNShape``/``BPMNEdge``) decides where things
go; the semantic model only decides *what* is drawn (task type, event definition, ...).
Parsing is hardened: no DTD, no entities, no network, and any DOCTYPE is refused.

Public API: :func:`render_svg`, :func:`diagram_shapes`, :func:`list_diagrams`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from .diagram_shapes import (DATA_OBJECT_TYPES, EVENT_TYPES, GATEWAY_TYPES, SUBPROCESS_TYPES,
                             TASK_TYPES, ShapeInfo, draw_shape)
from .diagram_svg import (CHAR_RATIO, INK, LINE_RATIO, PAPER, SVG_NS, Bounds, Point, fit_size,
                          num, outline_bounds, path_d, points_attr, safe_color, sub, text_block)

MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
COLOR_NS = "http://www.omg.org/spec/BPMN/non-normative/color/1.0"
BIOC_NS = "http://bpmn.io/schema/bpmn/biocolor/1.0"
STATES = ("done", "active", "timer")
MARGIN = 20.0

CSS = """
.st-done .outline, .st-done .ring, .st-done .flow, .st-done .arrow { stroke: #4e9a6a; }
.st-done .outline { fill: #e6f3ea; }
.st-done .flow { stroke-width: 2.5px; }
.st-done .arrow-filled { fill: #4e9a6a; }
.st-active .outline { stroke: #1565c0; stroke-width: 4px; fill: #e3eefb; }
.st-active .ring, .st-active .flow, .st-active .arrow { stroke: #1565c0; }
.st-timer .outline, .st-timer .ring, .st-timer .mark { stroke: #e07b00; }
.st-timer .outline { fill: #fff1e0; stroke-width: 2.5px; }
.bpmn-el text { pointer-events: none; }
"""


@dataclass(frozen=True)
class Shape:
    """A BPMNShape as drawn: the BPMN element id and type, and its DI bounds."""

    id: str
    bpmn_type: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class _Edge:
    """A BPMNEdge with its semantic element and waypoints."""

    id: str
    bpmn_type: str
    element: etree._Element | None
    points: list[Point]
    label: Bounds | None


def _q(ns: str, name: str) -> str:
    """Clark notation ``{ns}name``."""
    return f"{{{ns}}}{name}"


def _local(el: etree._Element) -> str:
    """Local name of an element tag."""
    return etree.QName(el).localname


def _parse(bpmn: bytes) -> etree._Element:
    """Parse BPMN XML safely; refuse DTDs, entities and anything but ``definitions``."""
    if isinstance(bpmn, str):
        bpmn = bpmn.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False)
    try:
        root = etree.fromstring(bpmn, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"BPMN document is not well-formed XML: {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise ValueError("BPMN documents with a DOCTYPE are refused (DTDs and entities are not allowed)")
    if root.tag != _q(MODEL_NS, "definitions"):
        raise ValueError("not a BPMN 2.0 document: the root element must be bpmn:definitions")
    return root


def _bounds(el: etree._Element | None) -> Bounds | None:
    """Read a ``dc:Bounds`` child of a DI element."""
    node = None if el is None else el.find(_q(DC_NS, "Bounds"))
    if node is None:
        return None
    try:
        return Bounds(*(float(node.get(k, "0")) for k in ("x", "y", "width", "height")))
    except ValueError:
        return None


def _label_bounds(di: etree._Element) -> Bounds | None:
    """Bounds of the ``BPMNLabel`` of a shape or edge, if given."""
    return _bounds(di.find(_q(BPMNDI_NS, "BPMNLabel")))


def _index(root: etree._Element) -> dict[str, etree._Element]:
    """All semantic BPMN elements by id."""
    return {el.get("id"): el for el in root.iter(_q(MODEL_NS, "*")) if el.get("id")}


def _plane(root: etree._Element, diagram_index: int) -> etree._Element:
    """The BPMNPlane of the selected diagram."""
    diagrams = root.findall(_q(BPMNDI_NS, "BPMNDiagram"))
    if not 0 <= diagram_index < len(diagrams):
        raise ValueError(f"diagram_index {diagram_index} out of range ({len(diagrams)} diagrams)")
    plane = diagrams[diagram_index].find(_q(BPMNDI_NS, "BPMNPlane"))
    if plane is None:
        raise ValueError("BPMNDiagram has no BPMNPlane")
    return plane


def list_diagrams(bpmn: bytes) -> list[str]:
    """Names (or ids when unnamed) of the BPMNDiagrams, in document order."""
    root = _parse(bpmn)
    return [d.get("name") or d.get("id") or f"diagram {i}"
            for i, d in enumerate(root.findall(_q(BPMNDI_NS, "BPMNDiagram")))]


def _element_name(el: etree._Element | None, index: dict[str, etree._Element]) -> str:
    """The displayed name: ``name``, annotation text, group category, data state."""
    if el is None:
        return ""
    kind = _local(el)
    if kind == "textAnnotation":
        return (el.findtext(_q(MODEL_NS, "text")) or "").strip()
    if kind == "group":
        ref = index.get(el.get("categoryValueRef", ""))
        return (ref.get("value") or "") if ref is not None else (el.get("name") or "")
    name = el.get("name") or ""
    state = el.find(_q(MODEL_NS, "dataState"))
    if state is not None and state.get("name") and f"[{state.get('name')}]" not in name:
        name = f"{name}\n[{state.get('name')}]"
    return name


def _event_kinds(el: etree._Element, index: dict[str, etree._Element]) -> tuple[str, ...]:
    """Event definition kinds of an event (``multiple`` when there are several)."""
    kinds = []
    for child in el.iterchildren(_q(MODEL_NS, "*")):
        name = _local(child)
        if name == "eventDefinitionRef":
            ref = index.get((child.text or "").strip())
            name = _local(ref) if ref is not None else ""
        if name.endswith("EventDefinition"):
            kinds.append(name[: -len("EventDefinition")])
    if len(kinds) > 1:
        return ("parallelMultiple" if el.get("parallelMultiple") == "true" else "multiple",)
    return tuple(kinds)


def _expanded(di: etree._Element, el: etree._Element | None, drawn: set[str]) -> bool:
    """Whether a container activity is drawn expanded (DI flag, else: children are drawn)."""
    if el is None or _local(el) not in SUBPROCESS_TYPES | {"callActivity"}:
        return False
    flag = di.get("isExpanded")
    if flag in ("true", "false"):
        return flag == "true"
    return any(child.get("id") in drawn for child in el.iterchildren(_q(MODEL_NS, "*")))


def _is_collection(el: etree._Element | None, index: dict[str, etree._Element]) -> bool:
    """Whether a data object (or the one a reference points to) is a collection."""
    if el is None:
        return False
    target = index.get(el.get("dataObjectRef", ""), el)
    return "true" in (el.get("isCollection"), target.get("isCollection"))


def _shape_info(di: etree._Element, b: Bounds, index: dict[str, etree._Element],
                drawn: set[str]) -> ShapeInfo:
    """Collect what the shape drawers need for one BPMNShape."""
    el = index.get(di.get("bpmnElement", ""))
    kind = _local(el) if el is not None else "unknown"
    called = index.get(el.get("calledElement", "")) if el is not None else None
    return ShapeInfo(
        bounds=b, bpmn_type=kind, element=el, di=di, name=_element_name(el, index),
        label=_label_bounds(di), expanded=_expanded(di, el, drawn),
        event_kinds=_event_kinds(el, index) if kind in EVENT_TYPES else (),
        called_type=_local(called) if called is not None else "",
        collection=_is_collection(el, index) if kind in DATA_OBJECT_TYPES else False,
        fill=safe_color(di.get(_q(COLOR_NS, "background-color")) or di.get(_q(BIOC_NS, "fill"))) or PAPER,
        stroke=safe_color(di.get(_q(COLOR_NS, "border-color")) or di.get(_q(BIOC_NS, "stroke"))) or INK)


def _collect_shapes(plane: etree._Element, index: dict[str, etree._Element]) -> list[ShapeInfo]:
    """All BPMNShapes of a plane that have bounds, in painting order (containers first)."""
    found = [(di, b) for di in plane.iter(_q(BPMNDI_NS, "BPMNShape")) if (b := _bounds(di)) is not None]
    drawn = {di.get("bpmnElement", "") for di, _ in found}
    infos = [_shape_info(di, b, index, drawn) for di, b in found]

    def rank(item: tuple[int, ShapeInfo]) -> tuple[int, float, int]:
        pos, info = item
        order = {"participant": 0, "lane": 1, "boundaryEvent": 4, "group": 5}.get(info.bpmn_type, 3)
        if info.expanded:
            return 2, -info.bounds.w * info.bounds.h, pos
        return order, 0.0, pos

    return [info for _, info in sorted(enumerate(infos), key=rank)]


def diagram_shapes(bpmn: bytes, diagram_index: int = 0) -> list[Shape]:
    """The shapes of one diagram as :class:`Shape` records, in painting order."""
    root = _parse(bpmn)
    return [Shape(i.di.get("bpmnElement") or i.di.get("id") or "", i.bpmn_type,
                  i.bounds.x, i.bounds.y, i.bounds.w, i.bounds.h)
            for i in _collect_shapes(_plane(root, diagram_index), _index(root))]


def _collect_edges(plane: etree._Element, index: dict[str, etree._Element]) -> list[_Edge]:
    """All BPMNEdges of a plane with at least two waypoints."""
    edges = []
    for di in plane.iter(_q(BPMNDI_NS, "BPMNEdge")):
        points = [(float(w.get("x", "0")), float(w.get("y", "0")))
                  for w in di.iter(_q(DI_NS, "waypoint"))]
        if len(points) < 2:
            continue
        el = index.get(di.get("bpmnElement", ""))
        edges.append(_Edge(di.get("bpmnElement") or di.get("id") or "",
                           _local(el) if el is not None else "unknown", el, points, _label_bounds(di)))
    return edges


def _group_for(parent: etree._Element, element_id: str, kind: str, name: str,
               highlight: dict[str, str]) -> etree._Element:
    """Create the ``<g>`` of one element with its id, type class, state class and title."""
    classes = ["bpmn-el", f"bpmn-{kind}"]
    if element_id in highlight:
        classes.append(f"st-{highlight[element_id]}")
    g = sub(parent, "g", cls=" ".join(classes), data_element_id=element_id)
    sub(g, "title", name or element_id)
    return g


def _unit(a: Point, b: Point) -> tuple[float, float]:
    """Unit vector from a to b (zero when the points coincide)."""
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    return ((b[0] - a[0]) / length, (b[1] - a[1]) / length) if length else (0.0, 0.0)


def _arrow(g: etree._Element, pts: list[Point], filled: bool, open_lines: bool = False) -> None:
    """Arrowhead at the last point of ``pts``: filled, open (white) or two lines."""
    tip = pts[-1]
    prev = next((p for p in reversed(pts[:-1]) if p != tip), pts[0])
    ux, uy = _unit(prev, tip)
    bx, by = tip[0] - ux * 11, tip[1] - uy * 11
    left, right = (bx - uy * 4, by + ux * 4), (bx + uy * 4, by - ux * 4)
    if open_lines:
        sub(g, "polyline", cls="arrow", points=points_attr([left, tip, right]), fill="none",
            stroke=INK, stroke_width=1.5)
        return
    sub(g, "polygon", cls="arrow arrow-filled" if filled else "arrow", stroke=INK, stroke_width=1,
        points=points_attr([tip, left, right]), fill=INK if filled else PAPER, stroke_linejoin="round")


def _flow_start_marker(g: etree._Element, edge: _Edge, index: dict[str, etree._Element]) -> None:
    """Default-flow slash or conditional-flow diamond at the start of a sequence flow."""
    el = edge.element
    source = index.get(el.get("sourceRef", "")) if el is not None else None
    if source is None:
        return
    (x, y), (ux, uy) = edge.points[0], _unit(edge.points[0], edge.points[1])
    if source.get("default") == edge.id:
        sx, sy = x + ux * 10, y + uy * 10
        d = f"M {num(sx - ux * 3 - uy * 6)},{num(sy - uy * 3 + ux * 6)} L {num(sx + ux * 3 + uy * 6)},{num(sy + uy * 3 - ux * 6)}"
        sub(g, "path", cls="arrow", d=d, stroke=INK, stroke_width=1.5, fill="none")
    elif el.find(_q(MODEL_NS, "conditionExpression")) is not None and _local(source) not in GATEWAY_TYPES:
        pts = [(x, y), (x + ux * 8 - uy * 4, y + uy * 8 + ux * 4), (x + ux * 16, y + uy * 16),
               (x + ux * 8 + uy * 4, y + uy * 8 - ux * 4)]
        sub(g, "polygon", cls="arrow", points=points_attr(pts), fill=PAPER, stroke=INK, stroke_width=1.5)


def _draw_edge(parent: etree._Element, edge: _Edge, index: dict[str, etree._Element],
               highlight: dict[str, str]) -> None:
    """Draw one connecting object with its decorations and label."""
    kind, el = edge.bpmn_type, edge.element
    name = _element_name(el, index)
    g = _group_for(parent, edge.id, kind, name, highlight)
    dash = {"messageFlow": "6 4", "association": "2 3", "dataInputAssociation": "2 3",
            "dataOutputAssociation": "2 3"}.get(kind)
    stroke = INK if kind != "unknown" else "#888888"
    sub(g, "path", cls="flow", d=path_d(edge.points), fill="none", stroke=stroke, stroke_width=1.5,
        stroke_dasharray=dash, stroke_linejoin="round", data_points=points_attr(edge.points))
    if kind == "sequenceFlow":
        _arrow(g, edge.points, filled=True)
        _flow_start_marker(g, edge, index)
    elif kind == "messageFlow":
        (x, y) = edge.points[0]
        ux, uy = _unit(edge.points[0], edge.points[1])
        sub(g, "ellipse", cls="arrow", cx=x + ux * 4, cy=y + uy * 4, rx=4.0, ry=4.0, fill=PAPER,
            stroke=INK, stroke_width=1.5)
        _arrow(g, edge.points, filled=False)
    elif kind in ("dataInputAssociation", "dataOutputAssociation"):
        _arrow(g, edge.points, filled=False, open_lines=True)
    elif kind == "association" and el is not None:
        direction = el.get("associationDirection", "None")
        if direction in ("One", "Both"):
            _arrow(g, edge.points, filled=False, open_lines=True)
        if direction == "Both":
            _arrow(g, edge.points[::-1], filled=False, open_lines=True)
    if name:
        _edge_label(g, edge, name)


def _edge_label(g: etree._Element, edge: _Edge, name: str) -> None:
    """Edge name: in its BPMNLabel bounds, else beside the middle of the middle segment."""
    if edge.label is not None and edge.label.w > 0:
        text_block(g, name, edge.label.cx, edge.label.cy, max(edge.label.w + 4, 30),
                   size=fit_size(name, edge.label))
        return
    mid = len(edge.points) // 2
    (ax, ay), (bx, by) = edge.points[mid - 1], edge.points[mid]
    text_block(g, name, (ax + bx) / 2 + 4, (ay + by) / 2 - 10, 90, anchor="start")


def _text_extent(text: etree._Element) -> Bounds | None:
    """Approximate box of an unrotated ``<text>`` element."""
    if text.get("transform"):
        return None
    lines = [t.text or "" for t in text]
    size = float(text.get("font-size", "11"))
    width = max((len(s) for s in lines), default=0) * size * CHAR_RATIO
    x, y = float(text.get("x", "0")), float(text.get("y", "0"))
    left = {"start": x, "middle": x - width / 2}.get(text.get("text-anchor", "start"), x - width)
    return Bounds(left, y - size, width, size * LINE_RATIO * (len(lines) + 0.5))


def _view_box(shapes: list[ShapeInfo], edges: list[_Edge], texts: list[etree._Element]) -> Bounds:
    """Bounds of every shape, label, waypoint and text, plus a margin."""
    boxes = [s.bounds for s in shapes] + [s.label for s in shapes if s.label] + \
            [e.label for e in edges if e.label] + [Bounds(x, y, 0, 0) for e in edges for x, y in e.points]
    boxes += [b for t in texts if (b := _text_extent(t)) is not None]
    if not boxes:
        return Bounds(0, 0, 100, 100)
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    return Bounds(x0 - MARGIN, y0 - MARGIN, x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN)


def _check_highlight(highlight: dict[str, str] | None) -> dict[str, str]:
    """Validate the highlight mapping (states: done, active, timer)."""
    highlight = dict(highlight or {})
    bad = {state for state in highlight.values() if state not in STATES}
    if bad:
        raise ValueError(f"unknown highlight state(s) {sorted(bad)}; expected one of {STATES}")
    return highlight


def render_svg(bpmn: bytes, highlight: dict[str, str] | None = None, diagram_index: int = 0) -> str:
    """Render one BPMNDiagram of ``bpmn`` as a standalone SVG document.

    ``highlight`` maps BPMN element ids to ``done``, ``active`` or ``timer``; the element's
    group then carries the class ``st-<state>``. Raises ValueError for unsafe or invalid XML.
    """
    states = _check_highlight(highlight)
    root = _parse(bpmn)
    index = _index(root)
    plane = _plane(root, diagram_index)
    shapes, edges = _collect_shapes(plane, index), _collect_edges(plane, index)
    svg = etree.Element(_q(SVG_NS, "svg"), nsmap={None: SVG_NS})
    svg.set("version", "1.1")
    svg.set("font-family", "Arial, Helvetica, sans-serif")
    sub(svg, "style", CSS, type="text/css")
    background = sub(svg, "rect", cls="background", fill=PAPER)
    layer = sub(svg, "g", cls="bpmn-diagram")
    for info in shapes:
        element_id = info.di.get("bpmnElement") or info.di.get("id") or ""
        g = _group_for(layer, element_id, info.bpmn_type, info.name, states)
        drawn = outline_bounds(draw_shape(g, info))
        for key, value in (("x", drawn.x), ("y", drawn.y), ("w", drawn.w), ("h", drawn.h)):
            g.set(f"data-{key}", num(value))
    for edge in edges:
        _draw_edge(layer, edge, index, states)
    box = _view_box(shapes, edges, list(svg.iter(_q(SVG_NS, "text"))))
    for key, value in (("x", box.x), ("y", box.y), ("width", box.w), ("height", box.h)):
        background.set(key, num(value))
    svg.set("viewBox", " ".join(num(v) for v in (box.x, box.y, box.w, box.h)))
    svg.set("width", num(box.w))
    svg.set("height", num(box.h))
    return etree.tostring(svg, encoding="unicode", xml_declaration=False)
