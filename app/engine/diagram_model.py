"""Reading BPMN 2.0 XML for the diagram renderer: safe parsing, DI shapes and edges.

Only the DI (``BPMNDiagram``/``BPMNPlane``/``BPMNShape``/``BPMNEdge``) decides where things
go; the semantic model only decides *what* is drawn (task type, event definition, ...).
Parsing is hardened: no DTD, no entities, no network, and any DOCTYPE is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from .diagram_shapes import DATA_OBJECT_TYPES, EVENT_TYPES, SUBPROCESS_TYPES, ShapeInfo
from .diagram_svg import INK, PAPER, Bounds, Point, safe_color

MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
COLOR_NS = "http://www.omg.org/spec/BPMN/non-normative/color/1.0"
BIOC_NS = "http://bpmn.io/schema/bpmn/biocolor/1.0"


@dataclass
class EdgeInfo:
    """A BPMNEdge with its semantic element and waypoints."""

    id: str
    bpmn_type: str
    element: etree._Element | None
    points: list[Point]
    label: Bounds | None
    stroke: str = INK


def q(ns: str, name: str) -> str:
    """Clark notation ``{ns}name``."""
    return f"{{{ns}}}{name}"


def local(el: etree._Element) -> str:
    """Local name of an element tag."""
    return etree.QName(el).localname


def parse_bpmn(bpmn: bytes) -> etree._Element:
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
    if root.tag != q(MODEL_NS, "definitions"):
        raise ValueError("not a BPMN 2.0 document: the root element must be bpmn:definitions")
    return root


def _bounds(el: etree._Element | None) -> Bounds | None:
    """Read a ``dc:Bounds`` child of a DI element."""
    node = None if el is None else el.find(q(DC_NS, "Bounds"))
    if node is None:
        return None
    values = [_coord(node.get(k)) for k in ("x", "y", "width", "height")]
    return None if None in values else Bounds(*values)  # type: ignore[arg-type]


def _coord(value: str | None) -> float | None:
    """A finite float from a DI attribute, else None."""
    try:
        number = float(value or "0")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _label_bounds(di: etree._Element) -> Bounds | None:
    """Bounds of the ``BPMNLabel`` of a shape or edge, if given."""
    return _bounds(di.find(q(BPMNDI_NS, "BPMNLabel")))


def index_elements(root: etree._Element) -> dict[str, etree._Element]:
    """All semantic BPMN elements by id."""
    return {el.get("id"): el for el in root.iter(q(MODEL_NS, "*")) if el.get("id")}


def select_plane(root: etree._Element, diagram_index: int) -> etree._Element:
    """The BPMNPlane of the selected diagram."""
    diagrams = root.findall(q(BPMNDI_NS, "BPMNDiagram"))
    if not diagrams:
        raise ValueError("the BPMN document has no diagram interchange (no BPMNDiagram) to draw")
    if not 0 <= diagram_index < len(diagrams):
        raise ValueError(f"diagram_index {diagram_index} out of range ({len(diagrams)} diagrams)")
    plane = diagrams[diagram_index].find(q(BPMNDI_NS, "BPMNPlane"))
    if plane is None:
        raise ValueError("BPMNDiagram has no BPMNPlane")
    return plane


def element_name(el: etree._Element | None, index: dict[str, etree._Element]) -> str:
    """The displayed name: ``name``, annotation text, group category, data state."""
    if el is None:
        return ""
    kind = local(el)
    if kind == "textAnnotation":
        return (el.findtext(q(MODEL_NS, "text")) or "").strip()
    if kind == "group":
        ref = index.get(el.get("categoryValueRef", ""))
        return (ref.get("value") or "") if ref is not None else (el.get("name") or "")
    name = el.get("name") or ""
    state = el.find(q(MODEL_NS, "dataState"))
    if state is not None and state.get("name") and f"[{state.get('name')}]" not in name:
        name = f"{name}\n[{state.get('name')}]"
    return name


def _event_kinds(el: etree._Element, index: dict[str, etree._Element]) -> tuple[str, ...]:
    """Event definition kinds of an event (``multiple`` when there are several)."""
    kinds = []
    for child in el.iterchildren(q(MODEL_NS, "*")):
        name = local(child)
        if name == "eventDefinitionRef":
            ref = index.get((child.text or "").strip())
            name = local(ref) if ref is not None else ""
        if name.endswith("EventDefinition"):
            kinds.append(name[: -len("EventDefinition")])
    if len(kinds) > 1:
        return ("parallelMultiple" if el.get("parallelMultiple") == "true" else "multiple",)
    return tuple(kinds)


def _expanded(di: etree._Element, el: etree._Element | None, drawn: set[str]) -> bool:
    """Whether a container activity is drawn expanded (DI flag, else: children are drawn)."""
    if el is None or local(el) not in SUBPROCESS_TYPES | {"callActivity"}:
        return False
    flag = di.get("isExpanded")
    if flag in ("true", "false"):
        return flag == "true"
    return any(child.get("id") in drawn for child in el.iterchildren(q(MODEL_NS, "*")))


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
    kind = local(el) if el is not None else "unknown"
    called = index.get(el.get("calledElement", "")) if el is not None else None
    return ShapeInfo(
        bounds=b, bpmn_type=kind, element=el, di=di, name=element_name(el, index),
        label=_label_bounds(di), expanded=_expanded(di, el, drawn),
        event_kinds=_event_kinds(el, index) if kind in EVENT_TYPES else (),
        called_type=local(called) if called is not None else "",
        collection=_is_collection(el, index) if kind in DATA_OBJECT_TYPES else False,
        fill=_di_color(di, "background-color", "fill") or PAPER,
        stroke=_di_color(di, "border-color", "stroke") or INK)


def _di_color(di: etree._Element, color_name: str, bioc_name: str) -> str | None:
    """A colour from the OMG colour extension or bpmn.io's ``bioc`` attributes."""
    return safe_color(di.get(q(COLOR_NS, color_name)) or di.get(q(BIOC_NS, bioc_name)))


def collect_shapes(plane: etree._Element, index: dict[str, etree._Element]) -> list[ShapeInfo]:
    """All BPMNShapes of a plane that have bounds, in painting order (containers first)."""
    found = [(di, b) for di in plane.iter(q(BPMNDI_NS, "BPMNShape")) if (b := _bounds(di)) is not None]
    drawn = {di.get("bpmnElement", "") for di, _ in found}
    infos = [_shape_info(di, b, index, drawn) for di, b in found]

    def rank(item: tuple[int, ShapeInfo]) -> tuple[int, float, int]:
        pos, info = item
        order = {"participant": 0, "lane": 1, "boundaryEvent": 4, "group": 5}.get(info.bpmn_type, 3)
        if info.expanded:
            return 2, -info.bounds.w * info.bounds.h, pos
        return order, 0.0, pos

    return [info for _, info in sorted(enumerate(infos), key=rank)]


def collect_edges(plane: etree._Element, index: dict[str, etree._Element]) -> list[EdgeInfo]:
    """All BPMNEdges of a plane with at least two waypoints."""
    edges = []
    for di in plane.iter(q(BPMNDI_NS, "BPMNEdge")):
        coords = [(_coord(w.get("x")), _coord(w.get("y"))) for w in di.iter(q(DI_NS, "waypoint"))]
        points = [(x, y) for x, y in coords if x is not None and y is not None]
        if len(points) < 2:
            continue
        el = index.get(di.get("bpmnElement", ""))
        edges.append(EdgeInfo(di.get("bpmnElement") or di.get("id") or "",
                              local(el) if el is not None else "unknown", el, points,
                              _label_bounds(di), _di_color(di, "border-color", "stroke") or INK))
    return edges
