"""Targets, the printed table and the JSON file."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: row key -> (title, unit, target text)
ROWS = {
    "engine": ("1 engine alone (in memory)", "cases/s", "-"),
    "state": ("1b state written + read, per use case", "ms", "(bounds row 2)"),
    "service": ("2 services, every step committed", "cases/s", "(see R1)"),
    "http": ("3 HTTP JSON API, 2 clients", "cases/s", "(see R3)"),
    "submission_page": ("2b task submission, page POST", "stmts", "<= 12 statements"),
    "worklist_query_petugas": ("4 worklist query p95, petugas", "ms", "p95 <= 20 ms"),
    "worklist_query_opd": ("4 worklist query p95, OPD officer", "ms", "p95 <= 20 ms"),
    "worklist_page_petugas": ("4 worklist page p95, petugas", "ms", "p95 <= 50 ms"),
    "worklist_page_opd": ("4 worklist page p95, OPD officer", "ms", "p95 <= 50 ms"),
    "sweep_idle": ("5 timer sweep, none due", "ms", "<= 5 ms"),
    "sweep_due": ("5 timer sweep, real cases due", "ms/timer", "(grows with due timers)"),
    "replay": ("6 replay verification", "cases/s", "(see R4)"),
    "memory": ("7 server RSS growth, small -> large", "%", "<= 10 %"),
    # issue 16: what we add, measured against what a stored step must cost (same run, same backend)
    "ceiling_ratio_service": ("R1 stored-step cost / service cost", "ratio", ">= 0.5"),
    "state_roundtrip_over_engine": ("R2 state write+read / engine step", "ratio", "<= 1.0"),
    "ratio_http_over_service": ("R3 HTTP rate / service rate", "ratio", ">= 0.7"),
    "replay_one_job_over_engine": ("R4 replay, 1 job / engine rate", "ratio", ">= 0.7"),
    "replay_scaling": ("R4 replay, N jobs / (N x 1 job)", "ratio", ">= 0.8"),
}


@dataclass
class Row:
    key: str
    value: float | None
    passed: bool | None = None
    detail: dict = field(default_factory=dict)
    note: str = ""

    @property
    def title(self) -> str:
        return ROWS[self.key][0]

    @property
    def unit(self) -> str:
        return ROWS[self.key][1]

    @property
    def target(self) -> str:
        return ROWS[self.key][2]

    def as_json(self) -> dict:
        return {"title": self.title, "unit": self.unit, "target": self.target, "result": verdict(self),
                **asdict(self)}


def at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def at_most(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound


def verdict(row: Row) -> str:
    if row.value is None:
        return "n/a"
    return {True: "PASS", False: "FAIL", None: "info"}[row.passed]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(backend: str, rows: list[Row]) -> str:
    lines = [f"== {backend} ==",
             f"{'row':40} {'value':>10} {'unit':9} {'target':24} {'result':6} notes",
             "-" * 120]
    for row in rows:
        lines.append(f"{row.title:40} {_fmt(row.value):>10} {row.unit:9} {row.target:24} {verdict(row):6} {row.note}")
    return "\n".join(lines)


def write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
