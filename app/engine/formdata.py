"""Sample answers to a form, generated from its JSON Schema (the import's simulation enters them).

`variants(schema)` gives a short list of submissions, each valid by the schema, that together take
every choice the form offers at least once: every `const` of a `oneOf`/`anyOf`, every `enum` value,
both answers of a yes/no field and every choice of a checkbox list. Choice k of every field is taken
in variant k, so a form with at most n choices per field gives n variants. Free text fills its
`pattern` (a minimal matching string) and length limits; dates fall a week after the run's time.

Conditional rules (`if`/`then`/`else`, `not`, `dependentRequired`) are met by repair: every field is
filled, then the schema's own validator says what to add, drop or change, a few rounds at most. A
variant that cannot be made valid is left out; `variants` never returns an invalid submission.
"""
from __future__ import annotations

import copy
import itertools
import re
from datetime import datetime, timedelta
from typing import Any

try:  # the regex parser of the standard library (sre_parse before 3.11)
    import re._parser as _sre  # type: ignore[import-not-found]
    import re._constants as _src  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as _src  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

from .formschema import form_validator

SAMPLE_TEXT = "Contoh isian simulasi"
SAMPLE_FILE = "data:application/pdf;name=contoh.pdf;base64,JVBERi0xLjQK"
_MAX_ROUNDS = 8


def _choices(prop: dict) -> list[Any] | None:
    """The values a field lets one choose from, or None for a free field."""
    for key in ("oneOf", "anyOf"):
        options = prop.get(key)
        if isinstance(options, list) and options and all(isinstance(o, dict) and "const" in o for o in options):
            return [o["const"] for o in options]
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return list(prop["enum"])
    if "const" in prop:
        return [prop["const"]]
    if prop.get("type") == "boolean":
        return [True, False]
    return None


def _from_regex(pattern: str) -> str | None:
    """A short string matching `pattern` (anchors honoured by construction), or None when unsure."""
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return None
    out: list[str] = []

    def emit(items) -> bool:
        for op, arg in items:
            if op is _src.LITERAL:
                out.append(chr(arg))
            elif op is _src.ANY:
                out.append("a")
            elif op is _src.IN:
                char = _first_in(arg)
                if char is None:
                    return False
                out.append(char)
            elif op in (_src.MAX_REPEAT, _src.MIN_REPEAT, getattr(_src, "POSSESSIVE_REPEAT", None)):
                low, _high, sub = arg
                for _ in range(max(low, 0)):
                    if not emit(sub):
                        return False
            elif op is _src.SUBPATTERN:
                if not emit(arg[-1]):
                    return False
            elif op is _src.BRANCH:
                if not emit(arg[1][0]):
                    return False
            elif op is _src.AT:
                continue
            elif op is _src.CATEGORY:
                out.append(_category(arg))
            else:
                return False
        return True

    if not emit(parsed):
        return None
    text = "".join(out)
    return text if re.search(pattern, text) else None


def _category(category) -> str:
    name = str(category)
    if "DIGIT" in name and "NOT" not in name:
        return "1"
    if "SPACE" in name and "NOT" not in name:
        return " "
    return "a"


def _first_in(items) -> str | None:
    negated = any(op is _src.NEGATE for op, _ in items)
    if negated:
        excluded = {chr(a) for op, a in items if op is _src.LITERAL}
        return next(c for c in "a1Z_" if c not in excluded)
    for op, arg in items:
        if op is _src.LITERAL:
            return chr(arg)
        if op is _src.RANGE:
            low, high = arg
            for preferred in ("1", "a", "A"):
                if low <= ord(preferred) <= high:
                    return preferred
            return chr(low)
        if op is _src.CATEGORY:
            return _category(arg)
    return None


class _Generator:
    def __init__(self, schema: dict, now: datetime):
        self.schema = schema
        self.now = now
        self.validator = form_validator(schema)

    def value(self, prop: Any, pick: int) -> Any:
        if not isinstance(prop, dict):
            return SAMPLE_TEXT
        choices = _choices(prop)
        if choices is not None:
            return choices[pick % len(choices)]
        kind = prop.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "array":
            items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
            options = _choices(items)
            count = max(int(prop.get("minItems", 1) or 0), 1)
            if options:
                # one step ahead of a single choice of the same options (an OPD and the other OPDs that answer too)
                chosen = [options[(pick + 1 + i) % len(options)] for i in range(min(count, len(options)))]
                return list(dict.fromkeys(chosen))
            return [self.value(items, pick) for _ in range(count)]
        if kind == "object":
            return self.fill(prop, pick)
        if kind in ("integer", "number"):
            low = prop.get("minimum", prop.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in prop else 1)
            high = prop.get("maximum")
            number = low if high is None else min(low, high)
            return int(number) if kind == "integer" else float(number)
        return self.text(prop)

    def text(self, prop: dict) -> str:
        fmt = prop.get("format")
        if fmt == "date":
            return (self.now + timedelta(days=7)).date().isoformat()
        if fmt == "date-time":
            return (self.now + timedelta(days=7)).isoformat()
        if fmt == "email":
            return "pemohon@example.com"
        if fmt == "data-url":
            return SAMPLE_FILE
        if fmt in ("uri", "url"):
            return "https://example.com/"
        text = SAMPLE_TEXT
        if prop.get("pattern"):
            text = _from_regex(str(prop["pattern"])) or text
        low, high = int(prop.get("minLength", 0) or 0), prop.get("maxLength")
        if len(text) < low:
            text = (text + "x" * low)[:max(low, len(text))]
        if high is not None and len(text) > int(high):
            text = text[: int(high)]
        return text

    def fill(self, schema: dict, pick: int) -> dict:
        props = schema.get("properties") or {}
        return {name: self.value(prop, pick) for name, prop in props.items()}

    def repair(self, data: dict, pick: int) -> dict | None:
        """Make `data` valid by the whole schema (conditional rules included), or None."""
        props = self.schema.get("properties") or {}
        for _ in range(_MAX_ROUNDS):
            errors = list(self.validator.iter_errors(data))
            if not errors:
                return data
            changed = False
            for error in errors:
                changed |= self._fix(data, error, props, pick)
            if not changed:
                return None
        return data if self.validator.is_valid(data) else None

    def _fix(self, data: dict, error, props: dict, pick: int) -> bool:
        path = list(error.absolute_path)
        field = path[0] if path and isinstance(path[0], str) else None
        if error.validator == "required" and not path:
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            for name in missing:
                if name not in data:
                    data[name] = self.value(props.get(name, {}), pick)
                    return True
            return False
        if error.validator == "not" and not path:
            banned = error.validator_value.get("required", []) if isinstance(error.validator_value, dict) else []
            dropped = [n for n in banned if n in data]
            for name in dropped:
                data.pop(name)
            return bool(dropped)
        if error.validator in ("additionalProperties", "unevaluatedProperties") and not path:
            extra = [n for n in list(data) if n not in props]
            for name in extra:
                data.pop(name)
            return bool(extra)
        if field is not None and error.validator in ("const", "enum") and len(path) == 1:
            target = error.validator_value if error.validator == "const" else error.validator_value[0]
            if data.get(field) != target:
                data[field] = copy.deepcopy(target)
                return True
        if field is not None and error.validator == "false":
            data.pop(field, None)
            return True
        if field is not None and field in data and len(path) == 1:
            fresh = self.value(props.get(field, {}), 0)
            if fresh != data[field]:
                data[field] = fresh
                return True
            data.pop(field)
            return True
        for sub in error.context or ():
            if self._fix(data, sub, props, pick):
                return True
        return False


def choice_count(schema: dict) -> int:
    """How many variants take every choice of the form at least once."""
    counts = [1]
    for prop in (schema.get("properties") or {}).values():
        if isinstance(prop, dict):
            options = _choices(prop)
            if options is None and prop.get("type") == "array" and isinstance(prop.get("items"), dict):
                options = _choices(prop["items"])
            if options:
                counts.append(len(options))
    return max(counts)


def _choice_fields(schema: dict) -> list[tuple[str, list]]:
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            options = _choices(prop)
            if options is not None and len(options) > 1:
                fields.append((name, options))
    return fields


def variants(schema: dict, now: datetime, limit: int = 16, combinations: int = 64) -> list[dict]:
    """Valid submissions of the form, together taking each choice at least once (at most `limit`).

    Where the choice fields give at most `combinations` combinations, every combination is tried
    (a gateway may need two answers together, e.g. a decision's kind and its order); the valid ones
    that differ are kept. Otherwise choice k of every field goes into variant k."""
    generator = _Generator(schema, now)
    found: list[dict] = []

    def keep(data: dict | None) -> None:
        if data is not None and data not in found and len(found) < limit:
            found.append(data)

    for pick in range(min(choice_count(schema), limit)):
        keep(generator.repair(generator.fill(schema, pick), pick))
    fields = _choice_fields(schema)
    total = 1
    for _name, options in fields:
        total *= len(options)
    if 1 < total <= combinations:
        for combo in itertools.product(*(options for _name, options in fields)):
            data = {**generator.fill(schema, 0), **dict(zip((n for n, _o in fields), combo))}
            fixed = generator.repair(data, 0)
            # keep a combination when repair changed none of its choices (dropping one a rule forbids is fine)
            if fixed is not None and all(fixed.get(n) in (v, None) for n, v in zip((n for n, _o in fields), combo)):
                keep(fixed)
    return found
