"""Human labels of coded form values, taken from the JSON Schema forms.

``labels_from_schema(schema)`` gives ``{field: {const: title}}`` from every property with a
``oneOf`` of ``{"const", "title"}`` entries (also inside ``allOf``/``if``/``then``). The
caller loads the schemas (e.g. ``load_form_labels(settings["PPID_FORMS_DIR"])``) and passes
the result as the ``labels`` argument of the document functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

Labels = dict[str, dict[str, str]]


def labels_from_schema(schema: Mapping[str, Any], into: Labels | None = None) -> Labels:
    """Collect ``field -> const -> title``; an existing title is kept (first schema wins)."""
    out: Labels = {} if into is None else into
    _walk(schema, out)
    return out


def _walk(node: Any, out: Labels) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, out)
        return
    if not isinstance(node, Mapping):
        return
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        for name, prop in properties.items():
            if not isinstance(prop, Mapping):
                continue
            for option in prop.get("oneOf") or prop.get("anyOf") or ():
                if isinstance(option, Mapping) and "const" in option and isinstance(option.get("title"), str):
                    out.setdefault(str(name), {}).setdefault(str(option["const"]), option["title"])
            if prop.get("type") == "object" or "properties" in prop:
                _walk(prop, out)
            if isinstance(prop.get("items"), Mapping):
                _walk(prop["items"], out)
    for key in ("allOf", "anyOf", "oneOf", "then", "else", "if"):
        if key in node:
            _walk(node[key], out)


def merge_labels(sources: Iterable[Mapping[str, Mapping[str, str]]]) -> Labels:
    """Merge several label maps; the first title of a value wins."""
    out: Labels = {}
    for source in sources:
        for name, titles in source.items():
            for const, title in titles.items():
                out.setdefault(name, {}).setdefault(const, title)
    return out


def load_form_labels(forms_dir: str | Path) -> Labels:
    """Labels of every ``*.schema.json`` in ``forms_dir`` (sorted by file name).

    Unreadable or invalid files are skipped: labels are a convenience, never a failure.
    """
    out: Labels = {}
    for path in sorted(Path(forms_dir).glob("*.schema.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        labels_from_schema(schema, out)
    return out
