"""What an import check reports: one Problem per finding, ImportRefused for a failed stage."""
from __future__ import annotations

from dataclasses import dataclass

#: the import stages, in the order they run (normalization runs between xml and xsd and never refuses)
STAGES = ("xml", "xsd", "parse", "lint")


@dataclass(frozen=True)
class Problem:
    """One finding of one stage, located in the imported file as precisely as possible."""

    stage: str
    element_id: str | None
    element_name: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.element_id:
            where.append(self.element_id)
        if self.element_name and self.element_name != self.element_id:
            where.append(f"({self.element_name})")
        if self.line:
            where.append(f"line {self.line}")
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
        """One line per problem: 'stage: element id (name) line N: message'."""
        return [str(p) for p in self.problems]
