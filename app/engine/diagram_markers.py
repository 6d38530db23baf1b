"""Marker glyphs of the BPMN notation (event definitions, gateway, task and activity markers).

Each glyph is a list of ``(path data, mode)`` pairs drawn in a small local coordinate
system and placed with ``translate``/``scale``. Modes: ``n`` stroke only, ``i`` filled
with ink, ``w`` filled white, ``t`` ink when the event throws else white, ``f`` a stroke
that turns white when the glyph is filled (the flap of a throwing envelope), ``b`` a
bold stroke.
"""

from __future__ import annotations

import math

from lxml import etree

from .diagram_svg import INK, PAPER, Bounds, num, sub

Glyph = list[tuple[str, str]]


def _star(cx: float, cy: float, outer: float, inner: float, count: int, turn: float = -90) -> str:
    """Path data of a closed star/polygon (``inner == outer`` gives a regular polygon)."""
    pts = []
    for i in range(count * 2):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(turn + 180 * i / count)
        pts.append(f"{num(cx + radius * math.cos(angle))},{num(cy + radius * math.sin(angle))}")
    return "M " + " L ".join(pts) + " Z"


def _polygon(cx: float, cy: float, r: float, count: int) -> str:
    """Path data of a regular polygon with a vertex at the top."""
    return _star(cx, cy, r, r * math.cos(math.pi / count), count)


def _circle(cx: float, cy: float, r: float) -> str:
    """Path data of a circle."""
    return f"M {num(cx + r)},{num(cy)} A {num(r)},{num(r)} 0 1 1 {num(cx - r)},{num(cy)} " \
           f"A {num(r)},{num(r)} 0 1 1 {num(cx + r)},{num(cy)} Z"


def _ticks() -> str:
    """Twelve hour ticks of the timer clock face."""
    parts = []
    for i in range(12):
        a = math.radians(30 * i)
        parts.append(f"M {num(8 * math.cos(a))},{num(8 * math.sin(a))} "
                     f"L {num(10 * math.cos(a))},{num(10 * math.sin(a))}")
    return " ".join(parts)


_ENVELOPE = [("M -9,-6 H 9 V 6 H -9 Z", "t"), ("M -9,-6 L 0,1 L 9,-6", "f")]

# Event definition glyphs, for an event 36 units wide centred on the origin.
EVENT_GLYPHS: dict[str, Glyph] = {
    "message": _ENVELOPE,
    "timer": [(_circle(0, 0, 11), "w"), (_ticks(), "n"), ("M 0,0 L 0,-8 M 0,0 L 6,2", "n")],
    "error": [("M -9,9 L -4,-9 L 3,2 L 9,-9 L 4,9 L -3,-2 Z", "t")],
    "escalation": [("M 0,-10 L 7,9 L 0,2 L -7,9 Z", "t")],
    "signal": [("M 0,-10 L 9,7 L -9,7 Z", "t")],
    "conditional": [("M -7,-9 H 7 V 9 H -7 Z", "w"), ("M -4,-5 H 4 M -4,-1 H 4 M -4,3 H 4 M -4,6 H 4", "n")],
    "compensate": [("M -1,-6 L -10,0 L -1,6 Z M 8,-6 L -1,0 L 8,6 Z", "t")],
    "link": [("M -9,-4 H 2 V -9 L 10,0 L 2,9 V 4 H -9 Z", "t")],
    "terminate": [(_circle(0, 0, 11), "i")],
    "cancel": [("M -9,-6 L -6,-9 L 0,-3 L 6,-9 L 9,-6 L 3,0 L 9,6 L 6,9 L 0,3 L -6,9 L -9,6 L -3,0 Z", "t")],
    "multiple": [(_polygon(0, 1, 10, 5), "t")],
    "parallelMultiple": [("M -3,-10 H 3 V -3 H 10 V 3 H 3 V 10 H -3 V 3 H -10 V -3 H -3 Z", "w")],
}

# Gateway glyphs, for a diamond 50 units wide centred on the origin.
GATEWAY_GLYPHS: dict[str, Glyph] = {
    "exclusiveGateway": [("M -9,-9 L 9,9 M 9,-9 L -9,9", "b")],
    "parallelGateway": [("M 0,-13 V 13 M -13,0 H 13", "b")],
    "inclusiveGateway": [(_circle(0, 0, 11), "b")],
    "complexGateway": [("M 0,-13 V 13 M -13,0 H 13 M -9,-9 L 9,9 M 9,-9 L -9,9", "b")],
    "eventBasedGateway": [(_circle(0, 0, 13), "n"), (_circle(0, 0, 10), "n"),
                          (_polygon(0, 0.5, 6.5, 5), "n")],
}


def _gear() -> str:
    """A small cog wheel for service tasks."""
    return _star(9, 9, 8.5, 6, 8, turn=0) + " " + _circle(9, 9, 3)


# Task type icons, drawn in an 18x18 box at the top-left corner of the task.
TASK_ICONS: dict[str, Glyph] = {
    "userTask": [(_circle(9, 5, 4), "w"), ("M 1,18 C 1,10 17,10 17,18 Z", "w")],
    "scriptTask": [("M 5,1 H 17 C 13,5 17,13 13,17 H 1 C 5,13 1,5 5,1 Z", "w"),
                   ("M 6,5 H 13 M 6,9 H 13 M 5,13 H 12", "n")],
    "serviceTask": [(_gear(), "w")],
    "sendTask": [("M 1,4 H 17 V 15 H 1 Z", "i"), ("M 1,4 L 9,10 L 17,4", "f")],
    "receiveTask": [("M 1,4 H 17 V 15 H 1 Z", "w"), ("M 1,4 L 9,10 L 17,4", "n")],
    "manualTask": [("M 1,8 L 6,3 H 15 C 16.5,3 16.5,5 15,5 H 10 H 17 C 18.5,5 18.5,7.5 17,7.5 H 10 "
                    "H 17 C 18.5,7.5 18.5,10 17,10 H 10 H 15.5 C 17,10 17,12.5 15.5,12.5 H 10 "
                    "H 14 C 15.5,12.5 15.5,15 14,15 H 4 L 1,12 Z", "w")],
    "businessRuleTask": [("M 1,3 H 17 V 16 H 1 Z", "w"), ("M 1,3 H 17 V 7 H 1 Z", "i"),
                         ("M 1,11.5 H 17 M 6,7 V 16", "n")],
}

# Activity markers at the bottom centre, in a 14x14 box centred on the origin.
ACTIVITY_MARKERS: dict[str, Glyph] = {
    "collapsed": [("M -7,-7 H 7 V 7 H -7 Z", "w"), ("M 0,-4 V 4 M -4,0 H 4", "n")],
    "loop": [("M -3.5,5.5 A 6.5,6.5 0 1 1 3.5,5.5", "n"), ("M 4,1.5 L 3.5,5.5 L 7.5,6", "n")],
    "parallel": [("M -5,-6 V 6 M 0,-6 V 6 M 5,-6 V 6", "b")],
    "sequential": [("M -6,-5 H 6 M -6,0 H 6 M -6,5 H 6", "b")],
    "adhoc": [("M -7,2 C -4,-4 -1,-1 0,0 C 1,1 4,4 7,-2", "n")],
    "compensation": [("M -1,-5 L -8,0 L -1,5 Z M 7,-5 L 0,0 L 7,5 Z", "w")],
}

# Data input / output arrows, drawn in a 12x10 box at the top-left of the data object.
DATA_ARROWS: dict[str, Glyph] = {
    "dataInput": [("M 0,3 H 6 V 0 L 11,5 L 6,10 V 7 H 0 Z", "w")],
    "dataOutput": [("M 0,3 H 6 V 0 L 11,5 L 6,10 V 7 H 0 Z", "i")],
}


def draw_glyph(parent: etree._Element, glyph: Glyph, x: float, y: float,
               scale: float = 1.0, filled: bool = False) -> None:
    """Draw ``glyph`` with its origin at (x, y); ``filled`` selects the throwing style."""
    for d, mode in glyph:
        fill, stroke, width = "none", INK, 1.5
        if mode == "i" or (mode == "t" and filled):
            fill = INK
        elif mode in ("w", "t"):
            fill = PAPER
        elif mode == "f" and filled:
            stroke = PAPER
        elif mode == "b":
            width = 3.5
        sub(parent, "path", cls="mark", d=d, fill=fill, stroke=stroke, stroke_width=width,
            stroke_linejoin="round", vector_effect="non-scaling-stroke",
            transform=f"translate({num(x)} {num(y)}) scale({num(scale)})")


def draw_event_marker(parent: etree._Element, b: Bounds, kind: str, throwing: bool) -> None:
    """Draw the event definition marker ``kind`` inside event bounds ``b``."""
    glyph = EVENT_GLYPHS.get(kind)
    if glyph:
        draw_glyph(parent, glyph, b.cx, b.cy, min(b.w, b.h) / 36, throwing)


def draw_gateway_marker(parent: etree._Element, b: Bounds, kind: str) -> None:
    """Draw the marker of gateway type ``kind`` inside bounds ``b``."""
    glyph = GATEWAY_GLYPHS.get(kind)
    if glyph:
        draw_glyph(parent, glyph, b.cx, b.cy, min(b.w, b.h) / 50)


def draw_activity_markers(parent: etree._Element, b: Bounds, names: list[str]) -> None:
    """Draw the bottom-centre activity markers ``names`` side by side."""
    step = 18.0
    start = b.cx - step * (len(names) - 1) / 2
    for i, name in enumerate(names):
        draw_glyph(parent, ACTIVITY_MARKERS[name], start + i * step, b.y + b.h - 11)
