"""Server-side SVG rendering of BPMN 2.0 diagrams from their diagram interchange (DI).

Pure Python + lxml (no SpiffWorkflow). Reading the XML lives in ``diagram_model``, shapes in
``diagram_shapes``, notation glyphs in ``diagram_markers`` and SVG/text helpers in
``diagram_svg``; this module assembles the document and draws the connecting objects.
Every element becomes a ``<g data-element-id=... class="bpmn-el bpmn-<type>">`` with a
``<title>``; shape groups also carry ``data-x/y/w/h`` measured from the drawn outline.

Public API: :func:`render_svg`, :func:`diagram_shapes`, :func:`list_diagrams`, :func:`diagram_planes`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from lxml import etree

from .diagram_model import (BPMNDI_NS, MODEL_NS, EdgeInfo, collect_edges, collect_shapes,
                            element_name, index_elements, local, parse_bpmn, q, select_plane)
from .diagram_shapes import GATEWAY_TYPES, ShapeInfo, draw_shape
from .diagram_svg import (CHAR_RATIO, INK, LINE_RATIO, PAPER, SVG_NS, Bounds, Point, fit_size,
                          num, outline_bounds, path_d, points_attr, sub, text_block)

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


#: what a diagram's plane shows, in the process owner's words
PLANE_KINDS = {"process": "proses", "subProcess": "subproses", "transaction": "transaksi",
               "adHocSubProcess": "subproses ad hoc", "collaboration": "kolaborasi", "participant": "pool",
               "choreography": "koreografi", "callActivity": "pemanggilan proses"}


@dataclass(frozen=True)
class DiagramPlane:
    """One BPMNDiagram: its position (0-based), its name and the element its plane draws."""

    index: int
    name: str
    element_id: str
    element_kind: str
    element_name: str

    @property
    def kind_words(self) -> str:
        """What the plane draws in the process owner's words: proses, subproses, kolaborasi, ..."""
        return PLANE_KINDS.get(self.element_kind, self.element_kind or "diagram")

    @property
    def label(self) -> str:
        """Which diagram this is, e.g. "subproses 'Periksa dokumen' (Sub_Periksa)"."""
        kind = self.kind_words
        name = f" '{self.element_name}'" if self.element_name else ""
        shown = f"{kind}{name} ({self.element_id})" if self.element_id else kind
        return f"{shown}, diagram '{self.name}'" if self.name and self.name not in (self.element_name, "") else shown


def diagram_planes(bpmn: bytes) -> list[DiagramPlane]:
    """Every BPMNDiagram of ``bpmn`` in document order, with the process, subprocess or collaboration it draws."""
    root = parse_bpmn(bpmn)
    index = index_elements(root)
    planes = []
    for i, diagram in enumerate(root.findall(q(BPMNDI_NS, "BPMNDiagram"))):
        plane = diagram.find(q(BPMNDI_NS, "BPMNPlane"))
        element_id = plane.get("bpmnElement", "") if plane is not None else ""
        element = index.get(element_id)
        planes.append(DiagramPlane(i, " ".join((diagram.get("name") or "").split()), element_id,
                                   local(element) if element is not None else "",
                                   " ".join((element.get("name") or "").split()) if element is not None else ""))
    return planes


def list_diagrams(bpmn: bytes) -> list[str]:
    """Names (or ids when unnamed) of the BPMNDiagrams, in document order."""
    root = parse_bpmn(bpmn)
    return [d.get("name") or d.get("id") or f"diagram {i}"
            for i, d in enumerate(root.findall(q(BPMNDI_NS, "BPMNDiagram")))]


def diagram_shapes(bpmn: bytes, diagram_index: int = 0) -> list[Shape]:
    """The shapes of one diagram as :class:`Shape` records, in painting order."""
    root = parse_bpmn(bpmn)
    return [Shape(i.di.get("bpmnElement") or i.di.get("id") or "", i.bpmn_type,
                  i.bounds.x, i.bounds.y, i.bounds.w, i.bounds.h)
            for i in collect_shapes(select_plane(root, diagram_index), index_elements(root))]


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


def _arrow(g: etree._Element, pts: list[Point], filled: bool, open_lines: bool = False,
           color: str = INK) -> None:
    """Arrowhead at the last point of ``pts``: filled, open (white) or two lines."""
    tip = pts[-1]
    prev = next((p for p in reversed(pts[:-1]) if p != tip), pts[0])
    ux, uy = _unit(prev, tip)
    bx, by = tip[0] - ux * 11, tip[1] - uy * 11
    left, right = (bx - uy * 4, by + ux * 4), (bx + uy * 4, by - ux * 4)
    if open_lines:
        sub(g, "polyline", cls="arrow", points=points_attr([left, tip, right]), fill="none",
            stroke=color, stroke_width=1.5)
        return
    sub(g, "polygon", cls="arrow arrow-filled" if filled else "arrow", stroke=color, stroke_width=1,
        points=points_attr([tip, left, right]), fill=color if filled else PAPER, stroke_linejoin="round")


def _flow_start_marker(g: etree._Element, edge: EdgeInfo, index: dict[str, etree._Element]) -> None:
    """Default-flow slash or conditional-flow diamond at the start of a sequence flow."""
    el = edge.element
    source = index.get(el.get("sourceRef", "")) if el is not None else None
    if source is None:
        return
    (x, y), (ux, uy) = edge.points[0], _unit(edge.points[0], edge.points[1])
    if source.get("default") == edge.id:
        sx, sy = x + ux * 10, y + uy * 10
        d = f"M {num(sx - ux * 3 - uy * 6)},{num(sy - uy * 3 + ux * 6)} L {num(sx + ux * 3 + uy * 6)},{num(sy + uy * 3 - ux * 6)}"
        sub(g, "path", cls="arrow", d=d, stroke=edge.stroke, stroke_width=1.5, fill="none")
    elif el.find(q(MODEL_NS, "conditionExpression")) is not None and local(source) not in GATEWAY_TYPES:
        pts = [(x, y), (x + ux * 8 - uy * 4, y + uy * 8 + ux * 4), (x + ux * 16, y + uy * 16),
               (x + ux * 8 + uy * 4, y + uy * 8 - ux * 4)]
        sub(g, "polygon", cls="arrow", points=points_attr(pts), fill=PAPER, stroke=edge.stroke,
            stroke_width=1.5)


def _draw_edge(parent: etree._Element, edge: EdgeInfo, index: dict[str, etree._Element],
               highlight: dict[str, str]) -> None:
    """Draw one connecting object with its decorations and label."""
    kind, el = edge.bpmn_type, edge.element
    name = element_name(el, index)
    g = _group_for(parent, edge.id, kind, name, highlight)
    dash = {"messageFlow": "6 4", "association": "2 3", "dataInputAssociation": "2 3", "unknown": "2 3",
            "dataOutputAssociation": "2 3"}.get(kind)
    sub(g, "path", cls="flow", d=path_d(edge.points), fill="none", stroke=edge.stroke, stroke_width=1.5,
        stroke_dasharray=dash, stroke_linejoin="round", data_points=points_attr(edge.points))
    if kind == "sequenceFlow":
        _arrow(g, edge.points, filled=True, color=edge.stroke)
        _flow_start_marker(g, edge, index)
    elif kind == "messageFlow":
        (x, y) = edge.points[0]
        ux, uy = _unit(edge.points[0], edge.points[1])
        sub(g, "ellipse", cls="arrow", cx=x + ux * 4, cy=y + uy * 4, rx=4.0, ry=4.0, fill=PAPER,
            stroke=edge.stroke, stroke_width=1.5)
        _arrow(g, edge.points, filled=False, color=edge.stroke)
    elif kind in ("dataInputAssociation", "dataOutputAssociation"):
        _arrow(g, edge.points, filled=False, open_lines=True, color=edge.stroke)
    elif kind == "association" and el is not None:
        direction = el.get("associationDirection", "None")
        for flip in (False, True)[: {"One": 1, "Both": 2}.get(direction, 0)]:
            _arrow(g, edge.points[::-1] if flip else edge.points, False, True, edge.stroke)
    if name:
        _edge_label(g, edge, name)


def _edge_label(g: etree._Element, edge: EdgeInfo, name: str) -> None:
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


def _view_box(shapes: list[ShapeInfo], edges: list[EdgeInfo], texts: list[etree._Element]) -> Bounds:
    """Bounds of every shape, label, waypoint and text, plus a margin."""
    boxes = [s.bounds for s in shapes] + [s.label for s in shapes if s.label] + \
            [e.label for e in edges if e.label] + [Bounds(x, y, 0, 0) for e in edges for x, y in e.points]
    boxes += [b for t in texts if (b := _text_extent(t)) is not None]
    if not boxes:
        return Bounds(0, 0, 100, 100)
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    return Bounds(x0 - MARGIN, y0 - MARGIN, x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN)


def _labelled(shapes: list[ShapeInfo], lane_labels: dict[str, str]) -> list[ShapeInfo]:
    """Lanes named by a role key show the role's label instead."""
    return [dataclasses.replace(info, name=lane_labels[info.name])
            if info.bpmn_type == "lane" and info.name in lane_labels else info for info in shapes]


def _check_highlight(highlight: dict[str, str] | None) -> dict[str, str]:
    """Validate the highlight mapping (states: done, active, timer)."""
    highlight = dict(highlight or {})
    bad = {state for state in highlight.values() if state not in STATES}
    if bad:
        raise ValueError(f"unknown highlight state(s) {sorted(bad)}; expected one of {STATES}")
    return highlight


def render_svg(bpmn: bytes, highlight: dict[str, str] | None = None, diagram_index: int = 0,
               lane_labels: dict[str, str] | None = None) -> str:
    """Render one BPMNDiagram of ``bpmn`` as a standalone SVG document.

    ``highlight`` maps BPMN element ids to ``done``, ``active`` or ``timer``; the element's
    group then carries the class ``st-<state>``. ``lane_labels`` maps a lane name (a role key,
    see PROCESS_CONVENTIONS) to the text drawn in its header. Raises ValueError for unsafe or
    invalid XML.
    """
    states = _check_highlight(highlight)
    root = parse_bpmn(bpmn)
    index = index_elements(root)
    plane = select_plane(root, diagram_index)
    shapes, edges = _labelled(collect_shapes(plane, index), lane_labels or {}), collect_edges(plane, index)
    svg = etree.Element(q(SVG_NS, "svg"), nsmap={None: SVG_NS})
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
    box = _view_box(shapes, edges, list(svg.iter(q(SVG_NS, "text"))))
    for key, value in (("x", box.x), ("y", box.y), ("width", box.w), ("height", box.h)):
        background.set(key, num(value))
    svg.set("viewBox", " ".join(num(v) for v in (box.x, box.y, box.w, box.h)))
    svg.set("width", num(box.w))
    svg.set("height", num(box.h))
    return etree.tostring(svg, encoding="unicode", xml_declaration=False)
