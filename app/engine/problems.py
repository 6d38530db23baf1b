"""What an import check reports: one Problem per finding, ImportRefused for a failed stage."""
from __future__ import annotations

import re
from dataclasses import dataclass

#: the import stages, in the order they run (normalization runs between xml and xsd and never refuses).
#: "model" checks the XML before SpiffWorkflow reads it, wherever the parser would word the same problem vaguely.
STAGES = ("xml", "xsd", "model", "parse", "lint", "simulate", "scenario")

_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-fA-F]+>")
_OBJECT_REPR = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def flatten(text: str | None) -> str | None:
    """One line: line breaks and runs of spaces (names drawn over two lines in an editor) become one space."""
    return " ".join(text.split()) if text is not None else None


def plain(message: str) -> str:
    """A message without Python reprs (`<Element {ns}tag at 0x..>` becomes `bpmn:tag`) on one line."""
    message = _ELEMENT_REPR.sub(lambda m: f"bpmn:{m.group(1)}", message)
    message = _OBJECT_REPR.sub(lambda m: m.group(1), message)
    return flatten(_ADDRESS.sub("", message)) or ""


@dataclass(frozen=True)
class Problem:
    """One finding of one stage, located in the imported file as precisely as possible."""

    stage: str
    element_id: str | None
    element_name: str | None
    line: int | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "element_name", flatten(self.element_name) or None)
        object.__setattr__(self, "message", plain(self.message))

    def __str__(self) -> str:
        where = []
        if self.element_id:
            where.append(self.element_id)
        if self.element_name and self.element_name != self.element_id:
            where.append(f"({self.element_name})")
        if self.line:
            where.append(f"baris {self.line}")
        return f"{self.stage}: {' '.join(where)}: {self.message}" if where else f"{self.stage}: {self.message}"


class DefinitionError(Exception):
    """The BPMN could not be turned into a definition; `problems` lists every finding of `stage`."""

    def __init__(self, stage: str, problems: list):
        self.stage = stage
        self.problems = list(problems)
        super().__init__(f"{stage}: " + "; ".join(str(p) for p in self.problems))


class ImportRefused(DefinitionError):
    """An import stopped at `stage`; `problems` are Problem objects (every problem of that stage)."""

    def __init__(self, stage: str, problems: list[Problem]):
        super().__init__(stage, problems)
        self.problems: list[Problem] = list(problems)

    def lines(self) -> list[str]:
        """One line per problem: 'stage: element id (name) baris N: message'."""
        return [str(p) for p in self.problems]
