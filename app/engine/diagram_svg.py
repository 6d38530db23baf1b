"""Low-level SVG helpers for the BPMN diagram renderer.

Everything here builds lxml elements; user text is only ever set as element text
or attribute values, so lxml escapes it when the document is serialised.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
FONT_SIZE = 11.0
LINE_RATIO = 1.2  # line height / font size
CHAR_RATIO = 0.55  # rough average advance of a sans-serif glyph / font size
INK = "#222222"
PAPER = "#ffffff"
_COLOR_RE = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$")

Point = tuple[float, float]


@dataclass(frozen=True)
class Bounds:
    """An axis-aligned rectangle in diagram coordinates."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.y + self.h / 2


def num(value: float) -> str:
    """Format a coordinate compactly (no trailing ``.0``)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: object) -> etree._Element:
    """Append an SVG child element; ``stroke_width`` style keys become ``stroke-width``."""
    el = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in attrs.items():
        if value is None:
            continue
        name = "class" if key == "cls" else key.replace("_", "-")
        el.set(name, num(value) if isinstance(value, float) else str(value))
    if text is not None:
        el.text = text
    return el


def points_attr(points: Iterable[Point]) -> str:
    """Serialise points for a ``polygon``/``polyline`` ``points`` attribute."""
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


def path_d(points: list[Point]) -> str:
    """Serialise a polyline as path data ``M x,y L x,y ...``."""
    head, *rest = points
    return f"M {num(head[0])},{num(head[1])}" + "".join(f" L {num(x)},{num(y)}" for x, y in rest)


def safe_color(value: str | None) -> str | None:
    """Return a colour from the BPMN colour extension if it looks like one, else None."""
    return value if value and _COLOR_RE.match(value.strip()) else None


def ellipse_points(b: Bounds, start_deg: float, end_deg: float, steps: int = 16) -> list[Point]:
    """Points along the ellipse inscribed in ``b`` from ``start_deg`` to ``end_deg`` (inclusive)."""
    out = []
    for i in range(steps + 1):
        a = math.radians(start_deg + (end_deg - start_deg) * i / steps)
        out.append((b.cx + b.w / 2 * math.cos(a), b.cy + b.h / 2 * math.sin(a)))
    return out


def wrap_text(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Split ``text`` on explicit newlines, then greedily wrap words to ``width`` pixels."""
    max_chars = max(4, int(width / (size * CHAR_RATIO)))
    lines: list[str] = []
    for raw in text.replace("\r", "").split("\n"):
        current = ""
        for word in raw.split():
            while len(word) > max(2 * max_chars, 24) and not current:  # split only huge words
                lines.append(word[:max_chars])
                word = word[max_chars:]
            candidate = f"{current} {word}".strip()
            if len(candidate) <= max_chars or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
    return lines


def fit_size(text: str, box: Bounds) -> float:
    """Largest font size (11 down to 9) at which ``text`` wrapped to the box fits its height."""
    for size in (11.0, 10.0):
        if len(wrap_text(text, box.w + 4, size)) * size * LINE_RATIO <= box.h + size * 0.7:
            return size
    return 9.0


def text_block(parent: etree._Element, text: str, x: float, y: float, width: float,
               anchor: str = "middle", valign: str = "middle", rotate: bool = False,
               size: float = FONT_SIZE) -> None:
    """Draw wrapped text anchored at (x, y); ``valign`` is ``middle`` or ``top``.

    With ``rotate`` the block is turned -90 degrees around (x, y), which is how pool
    and lane names are written in their header band.
    """
    lines = wrap_text(text, width, size)
    if not lines:
        return
    line_height = size * LINE_RATIO
    if valign == "middle":
        first = y - (len(lines) - 1) * line_height / 2 + size * 0.35
    else:
        first = y + size
    node = sub(parent, "text", cls="label", x=float(x), y=float(first), text_anchor=anchor,
               font_size=num(size), fill=INK,
               transform=f"rotate(-90 {num(x)} {num(y)})" if rotate else None)
    for i, line in enumerate(lines):
        sub(node, "tspan", line, x=float(x), dy="0" if i == 0 else num(line_height))


def outline_bounds(el: etree._Element) -> Bounds:
    """Measure the geometry of a drawn rect, ellipse or polygon element."""
    tag = etree.QName(el).localname
    if tag == "rect":
        return Bounds(*(float(el.get(k)) for k in ("x", "y", "width", "height")))
    if tag == "ellipse":
        cx, cy, rx, ry = (float(el.get(k)) for k in ("cx", "cy", "rx", "ry"))
        return Bounds(cx - rx, cy - ry, 2 * rx, 2 * ry)
    pts = [tuple(map(float, p.split(","))) for p in el.get("points", "").split()]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return Bounds(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
