"""Drawing of BPMN shapes (activities, events, gateways, data, artifacts, swimlanes) as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lxml import etree

from .diagram_markers import (DATA_ARROWS, TASK_ICONS, draw_activity_markers, draw_event_marker,
                              draw_gateway_marker, draw_glyph)
from .diagram_svg import (INK, PAPER, Bounds, ellipse_points, fit_size, points_attr, sub,
                          text_block)

TASK_TYPES = {"task", "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "manualTask", "businessRuleTask"}
SUBPROCESS_TYPES = {"subProcess", "transaction", "adHocSubProcess"}
EVENT_TYPES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
               "boundaryEvent", "implicitThrowEvent"}
GATEWAY_TYPES = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                 "complexGateway"}
DATA_OBJECT_TYPES = {"dataObjectReference", "dataObject", "dataInput", "dataOutput"}
THROWING = {"endEvent", "intermediateThrowEvent", "implicitThrowEvent"}


@dataclass
class ShapeInfo:
    """Everything a shape drawer needs to know about one BPMNShape."""

    bounds: Bounds
    bpmn_type: str
    element: etree._Element | None
    di: etree._Element
    name: str = ""
    label: Bounds | None = None
    expanded: bool = False
    event_kinds: tuple[str, ...] = ()
    called_type: str = ""
    collection: bool = False
    fill: str = PAPER
    stroke: str = INK


def _local(el: etree._Element) -> str:
    """Local name of an element tag."""
    return etree.QName(el).localname


def _attr(info: ShapeInfo, name: str) -> str | None:
    """An attribute of the semantic element, if any."""
    return None if info.element is None else info.element.get(name)


def _rect(g: etree._Element, b: Bounds, info: ShapeInfo, cls: str = "outline", **kw: object) -> etree._Element:
    """Draw a rectangle with the shape's colours."""
    style: dict[str, object] = {"fill": info.fill, "stroke": info.stroke, "stroke_width": 1.5}
    style.update(kw)
    return sub(g, "rect", cls=cls, x=b.x, y=b.y, width=b.w, height=b.h, **style)


def _activity(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Tasks, call activities and sub-processes: rounded rectangles with markers."""
    b, kind = info.bounds, info.bpmn_type
    dashed = "2 3" if _attr(info, "triggeredByEvent") == "true" else None
    width = 4.0 if kind == "callActivity" else 1.5
    fill = "none" if info.expanded and info.fill == PAPER else info.fill
    outline = _rect(g, b, info, rx=10, ry=10, stroke_width=width, stroke_dasharray=dashed, fill=fill)
    if kind == "transaction":
        _rect(g, Bounds(b.x + 3, b.y + 3, b.w - 6, b.h - 6), info, cls="ring", rx=8, ry=8, fill="none")
    icon = kind if kind in TASK_ICONS else _global_task_icon(info.called_type)
    if icon in TASK_ICONS:
        draw_glyph(g, TASK_ICONS[icon], b.x + 6, b.y + 6, filled=icon == "sendTask")
    draw_activity_markers(g, b, _activity_marker_names(info, icon))
    return outline


def _global_task_icon(called_type: str) -> str:
    """Map ``globalUserTask`` and friends to the matching task icon name."""
    if not called_type.startswith("global"):
        return ""
    rest = called_type[len("global"):]
    return rest[:1].lower() + rest[1:]


def _activity_marker_names(info: ShapeInfo, icon: str) -> list[str]:
    """Bottom markers of an activity: loop / multi-instance, [+], ad-hoc, compensation."""
    names: list[str] = []
    children = {} if info.element is None else {_local(c): c for c in info.element
                                                 if isinstance(c.tag, str)}
    if "standardLoopCharacteristics" in children:
        names.append("loop")
    elif "multiInstanceLoopCharacteristics" in children:
        sequential = children["multiInstanceLoopCharacteristics"].get("isSequential") == "true"
        names.append("sequential" if sequential else "parallel")
    is_container = info.bpmn_type in SUBPROCESS_TYPES or (info.bpmn_type == "callActivity" and not icon)
    if is_container and not info.expanded:
        names.append("collapsed")
    if info.bpmn_type == "adHocSubProcess":
        names.append("adhoc")
    if _attr(info, "isForCompensation") == "true":
        names.append("compensation")
    return names


def _event(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Events: thin (start), double (intermediate/boundary) or thick (end) circles."""
    b, kind = info.bounds, info.bpmn_type
    non_interrupting = (kind == "boundaryEvent" and _attr(info, "cancelActivity") == "false") or \
                       (kind == "startEvent" and _attr(info, "isInterrupting") == "false")
    dash = "5 3" if non_interrupting else None
    width = 4.0 if kind == "endEvent" else 1.5
    outline = sub(g, "ellipse", cls="outline", cx=b.cx, cy=b.cy, rx=b.w / 2, ry=b.h / 2,
                  fill=info.fill, stroke=info.stroke, stroke_width=width, stroke_dasharray=dash)
    if kind not in ("startEvent", "endEvent"):
        sub(g, "ellipse", cls="ring", cx=b.cx, cy=b.cy, rx=max(b.w / 2 - 3, 1), ry=max(b.h / 2 - 3, 1),
            fill="none", stroke=info.stroke, stroke_width=1.5, stroke_dasharray=dash)
    if info.event_kinds:
        draw_event_marker(g, b, info.event_kinds[0], kind in THROWING)
    return outline


def _gateway(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Gateways: a diamond with the type marker (exclusive only when isMarkerVisible)."""
    b = info.bounds
    pts = [(b.cx, b.y), (b.x + b.w, b.cy), (b.cx, b.y + b.h), (b.x, b.cy)]
    outline = sub(g, "polygon", cls="outline", points=points_attr(pts), fill=info.fill,
                  stroke=info.stroke, stroke_width=1.5, stroke_linejoin="round")
    kind = info.bpmn_type
    if kind != "exclusiveGateway" or info.di.get("isMarkerVisible") == "true":
        draw_gateway_marker(g, b, kind)
    return outline


def _data_object(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Data objects, inputs and outputs: a page with a dog-ear."""
    b = info.bounds
    fold = min(b.w, b.h) * 0.3
    pts = [(b.x, b.y), (b.x + b.w - fold, b.y), (b.x + b.w, b.y + fold), (b.x + b.w, b.y + b.h),
           (b.x, b.y + b.h)]
    outline = sub(g, "polygon", cls="outline", points=points_attr(pts), fill=info.fill,
                  stroke=info.stroke, stroke_width=1.5, stroke_linejoin="round")
    ear = [(b.x + b.w - fold, b.y), (b.x + b.w - fold, b.y + fold), (b.x + b.w, b.y + fold)]
    sub(g, "polyline", cls="ring", points=points_attr(ear), fill="none", stroke=info.stroke, stroke_width=1.5)
    if info.bpmn_type in DATA_ARROWS:
        draw_glyph(g, DATA_ARROWS[info.bpmn_type], b.x + 4, b.y + 4)
    if info.collection:
        draw_activity_markers(g, Bounds(b.x, b.y + 3, b.w, b.h), ["parallel"])
    return outline


def _data_store(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Data stores: a cylinder."""
    b = info.bounds
    cap = min(b.h * 0.15, 10.0)
    top = Bounds(b.x, b.y, b.w, 2 * cap)
    bottom = Bounds(b.x, b.y + b.h - 2 * cap, b.w, 2 * cap)
    silhouette = ellipse_points(top, 180, 360) + ellipse_points(bottom, 0, 180)
    outline = sub(g, "polygon", cls="outline", points=points_attr(silhouette), fill=info.fill,
                  stroke=info.stroke, stroke_width=1.5)
    for offset in (0.0, 5.0):
        lip = ellipse_points(Bounds(b.x, b.y + offset, b.w, 2 * cap), 0, 180)
        sub(g, "polyline", cls="ring", points=points_attr(lip), fill="none", stroke=info.stroke, stroke_width=1.5)
    return outline


def _annotation(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Text annotations: an open bracket on the left over an invisible hit box."""
    b = info.bounds
    outline = _rect(g, b, info, fill=PAPER, fill_opacity="0", stroke="none")
    sub(g, "path", cls="ring", d=f"M {b.x + 15:.3f},{b.y:.3f} H {b.x:.3f} V {b.y + b.h:.3f} H {b.x + 15:.3f}",
        fill="none", stroke=info.stroke, stroke_width=1.5)
    return outline


def _group(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Groups: a dash-dotted rounded rectangle."""
    return _rect(g, info.bounds, info, rx=10, ry=10, fill="none", stroke_dasharray="8 3 2 3")


def _swimlane(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Pools and lanes: a rectangle with a header band (unless the pool is a black box)."""
    b = info.bounds
    fill = "none" if info.bpmn_type == "lane" and info.fill == PAPER else info.fill
    outline = _rect(g, b, info, fill=fill)
    if _has_band(info):
        d = f"M {b.x + 30:.3f},{b.y:.3f} V {b.y + b.h:.3f}" if _horizontal(info) else \
            f"M {b.x:.3f},{b.y + 30:.3f} H {b.x + b.w:.3f}"
        sub(g, "path", cls="ring", d=d, fill="none", stroke=info.stroke, stroke_width=1.5)
    return outline


def _has_band(info: ShapeInfo) -> bool:
    """Named lanes and pools with a process have a header band; black-box pools do not."""
    return bool(info.name) if info.bpmn_type == "lane" else bool(_attr(info, "processRef"))


def _horizontal(info: ShapeInfo) -> bool:
    """Orientation of a pool or lane from ``isHorizontal`` (default: wider than high)."""
    flag = info.di.get("isHorizontal")
    return flag == "true" if flag in ("true", "false") else info.bounds.w >= info.bounds.h


def _plain(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Fallback for elements this renderer does not know: a plain rectangle."""
    return _rect(g, info.bounds, info, stroke_dasharray="4 2")


def _drawer(kind: str) -> Callable[[etree._Element, ShapeInfo], etree._Element]:
    """Pick the drawing function for a BPMN type."""
    if kind in TASK_TYPES or kind in SUBPROCESS_TYPES or kind == "callActivity":
        return _activity
    table: dict[str, Callable[[etree._Element, ShapeInfo], etree._Element]] = {
        "dataStoreReference": _data_store, "textAnnotation": _annotation, "group": _group,
        "participant": _swimlane, "lane": _swimlane}
    for kinds, fn in ((EVENT_TYPES, _event), (GATEWAY_TYPES, _gateway), (DATA_OBJECT_TYPES, _data_object)):
        table.update(dict.fromkeys(kinds, fn))
    return table.get(kind, _plain)


def draw_shape(g: etree._Element, info: ShapeInfo) -> etree._Element:
    """Draw one shape and its label into group ``g``; return the outline element."""
    outline = _drawer(info.bpmn_type)(g, info)
    if info.name:
        _label(g, info)
    return outline


def _label(g: etree._Element, info: ShapeInfo) -> None:
    """Place the name: BPMNLabel bounds if given, else inside or under the shape."""
    b, kind, name = info.bounds, info.bpmn_type, info.name
    if kind in ("participant", "lane"):
        if not _has_band(info):
            text_block(g, name, b.cx, b.cy, b.w - 10)
        elif _horizontal(info):
            text_block(g, name, b.x + 15, b.cy, b.h - 10, rotate=True)
        else:
            text_block(g, name, b.cx, b.y + 15, b.w - 10)
    elif kind == "textAnnotation":
        text_block(g, name, b.x + 5, b.y + 2, b.w - 8, anchor="start", valign="top")
    elif info.label is not None and info.label.w > 0:
        lb = info.label
        text_block(g, name, lb.cx, lb.cy, lb.w + 4, size=fit_size(name, lb))
    elif info.expanded or kind == "group":
        text_block(g, name, b.x + 8, b.y + 3, b.w - 16, anchor="start", valign="top")
    elif kind in EVENT_TYPES or kind in GATEWAY_TYPES or kind in DATA_OBJECT_TYPES or \
            kind == "dataStoreReference":
        text_block(g, name, b.cx, b.y + b.h + 4, max(b.w * 2.5, 90), valign="top")
    else:
        text_block(g, name, b.cx, b.cy, b.w - 8)
