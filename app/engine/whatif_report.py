"""What-if on past cases, old model against new: the figures, per path, where time is spent, and why paths change.

Both models run the same past cases the same way (app.engine.whatif), so every difference comes from the
models, not from the method. The figures read as the annual report reads them (app.services.records.reports): working
days from receipt (`tanggal_diterima`) to the written notice (the task completion that set the final
`keputusan` to a decision); median and 90th percentile (nearest rank); within the legal limit: 10 working days,
or 17 after an extension. The service target is the model's own: a case meets it when its notice comes before
the model marked it late (`terlambat`, set by the target's timer), so a draft that moves the target from 4 to 5
working days moves this figure. A path is what happened to a case in order (user tasks, timers fired, messages);
a case whose path differs between the models is listed with the first difference and, where it can be told, why.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field, replace

from app.domain.calendar import WorkingCalendar
from app.domain.timeutil import format_waktu

from .definition import ProcessDefinition, parse_xml_safely
from .runtime import Engine
from .whatif import RECORDED, CaseRun, ModelRunner, PastCase, TrailItem, default_durations

SIMULATION_NOTE = ("SIMULASI, bukan hasil nyata: kasus yang sudah selesai dijalankan ulang dengan jam virtual dan "
                   "kalender hari kerja, tiap langkah selama waktu kerja yang tercatat di riwayatnya")


@dataclass(frozen=True)
class Figures:
    cases: int = 0
    notices: int = 0  # cases with a written notice
    met_target: int = 0
    within_limit: int = 0
    median_days: float | None = None
    p90_days: int | None = None
    failed: int = 0  # cases the model could not run to the end (a step failed)


def figures_of(runs: list[CaseRun]) -> Figures:
    days = sorted(r.days for r in runs if r.days is not None)
    return Figures(
        cases=len(runs), notices=len(days), met_target=sum(r.met_target for r in runs),
        within_limit=sum(r.within_limit for r in runs),
        median_days=float(statistics.median(days)) if days else None,
        p90_days=days[math.ceil(0.9 * len(days)) - 1] if days else None,
        failed=sum(r.error is not None for r in runs))


@dataclass(frozen=True)
class PathRow:
    path: str
    old: Figures
    new: Figures


@dataclass(frozen=True)
class TimeRow:
    """Working days spent in a task (or in a lane and OPD), summed over the cases, old and new."""

    label: str
    old_count: int
    old_days: float
    new_count: int
    new_days: float


@dataclass(frozen=True)
class PathChange:
    number: str
    old_path: str
    new_path: str
    why: str


@dataclass
class WhatIfReport:
    process_id: str
    old_label: str
    new_label: str
    seed: int
    old: Figures
    new: Figures
    paths: list[PathRow] = field(default_factory=list)
    tasks: list[TimeRow] = field(default_factory=list)
    lanes: list[TimeRow] = field(default_factory=list)
    changes: list[PathChange] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)  # the durations of steps the history has no match for
    history: str = ""  # which cases were run, in words (the service says)
    note: str = SIMULATION_NOTE
    old_runs: dict[str, CaseRun] = field(default_factory=dict, repr=False)
    new_runs: dict[str, CaseRun] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        """Everything as JSON-ready values, with each case's figures old and new."""
        out = {"simulation": True, **asdict(replace(self, old_runs={}, new_runs={}))}
        del out["old_runs"], out["new_runs"]
        out["cases"] = [{"number": number, **{f"{side}_{key}": getattr(runs[number], key) for side, runs in
                                              (("old", self.old_runs), ("new", self.new_runs))
                                              for key in ("days", "met_target", "within_limit", "error")}}
                        for number in self.old_runs]
        return out

    def lines(self) -> list[str]:
        out = [f"{self.note}.", *([self.history] if self.history else []),
               f"{self.old.cases} kasus; model lama: {self.old_label}; model baru: {self.new_label}; "
               f"benih acak {self.seed}."]
        out += [f"Langkah tanpa riwayat: {d}" for d in self.defaults]
        out += ["", f"{'':34}{'lama':>10}{'baru':>10}"] + _figure_lines(self.old, self.new)
        out += ["", "Per jalur (lama → baru):"]
        for row in self.paths:
            out.append(f"  {row.path}")
            out.append("    " + "; ".join(f"{label} {_num(getattr(row.old, key))} → {_num(getattr(row.new, key))}"
                                          for key, label in _SHORT))
        for title, rows in (("Waktu per tugas", self.tasks), ("Waktu per lajur dan OPD", self.lanes)):
            out += ["", f"{title} (jumlah hari kerja, lama → baru):"]
            out += [f"  {r.label}: {_num(r.old_days)} → {_num(r.new_days)} ({r.old_count} → {r.new_count} kali)"
                    for r in rows]
        out += ["", f"Kasus yang jalurnya berubah: {len(self.changes)}"]
        out += [f"  {c.number}: {c.why}" for c in self.changes]
        return out


_FIGURES = (("cases", "Kasus"), ("notices", "Pemberitahuan tertulis"), ("met_target", "Memenuhi target layanan"),
            ("within_limit", "Dalam batas 10/17 hari kerja"), ("median_days", "Median hari kerja"),
            ("p90_days", "Persentil 90 hari kerja"), ("failed", "Gagal disimulasikan"))
_SHORT = (("cases", "kasus"), ("met_target", "target"), ("within_limit", "batas"), ("median_days", "median"),
          ("p90_days", "p90"))


def _num(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else _days(value)
    return str(value)


def _figure_lines(old: Figures, new: Figures) -> list[str]:
    return [f"{label:34}{_num(getattr(old, key)):>10}{_num(getattr(new, key)):>10}" for key, label in _FIGURES]


# -- the comparison ------------------------------------------------------------------------------------------
def compare(old: ProcessDefinition, new: ProcessDefinition, cases: list[PastCase], *, calendar=None,
            durations: dict[str, float] | None = None, seed: int = 1, options: dict[str, list] | None = None,
            old_label: str = "model sekarang", new_label: str = "draf") -> WhatIfReport:
    """Run every past case on both models and compare (see the module's doc). `durations`: working days of
    steps the history has no match for, by task id (the process owner's); `options`: sample choices of
    `x-options` fields."""
    calendar = calendar or WorkingCalendar()
    defaults = default_durations(cases, calendar, durations)
    engine = Engine()
    runs = []
    for definition in (old, new) if old.content_hash != new.content_hash else (old,):  # the same model: run once
        runner = ModelRunner(definition, calendar, defaults, seed, options, engine)
        runs.append({case.number: runner.run(case) for case in cases})
    old_runs, new_runs = runs[0], runs[-1]
    report = WhatIfReport(new.process_id, old_label, new_label, seed, figures_of(list(old_runs.values())),
                          figures_of(list(new_runs.values())), old_runs=old_runs, new_runs=new_runs)
    report.paths = _paths(old_runs, new_runs)
    report.tasks = _time_rows(old_runs, new_runs, lambda i: (i.element_id, f"{i.name} ({i.lane or 'tanpa lajur'})"))
    report.lanes = _time_rows(old_runs, new_runs,
                              lambda i: ((i.lane, i.opd), f"lajur {i.lane or '-'}, OPD {i.opd or '-'}"))
    explain = _Explainer(old, new)
    report.changes = [PathChange(n, old_runs[n].path_label, new_runs[n].path_label, explain(old_runs[n], new_runs[n]))
                      for n in old_runs if old_runs[n].path != new_runs[n].path or new_runs[n].error]
    report.defaults = _defaults_used(new_runs)
    return report


def _paths(old_runs: dict[str, CaseRun], new_runs: dict[str, CaseRun]) -> list[PathRow]:
    """Cases grouped by path (the elements, so a timer renamed in the draft is still the same path; named as in the
    new model when a case takes it there)."""
    groups: dict[tuple, tuple[list, list]] = {}
    labels: dict[tuple, str] = {}
    for runs, side in ((new_runs, 1), (old_runs, 0)):
        for run in runs.values():
            groups.setdefault(run.path, ([], []))[side].append(run)
            labels.setdefault(run.path, run.path_label or "(tidak berjalan)")
    rows = [PathRow(labels[key], figures_of(a), figures_of(b)) for key, (a, b) in groups.items()]
    return sorted(rows, key=lambda r: (-max(r.old.cases, r.new.cases), r.path))


def _time_rows(old_runs, new_runs, key_of) -> list[TimeRow]:
    totals: dict = {}
    for side, runs in ((0, old_runs), (1, new_runs)):
        for run in runs.values():
            for item in run.trail[1:]:  # the start form takes no time
                if item.kind != "task":
                    continue
                key, label = key_of(item)
                row = totals.setdefault(key, [label, 0, 0.0, 0, 0.0])
                row[1 + 2 * side] += 1
                row[2 + 2 * side] += item.days
    rows = [TimeRow(label, a, round(ad, 2), b, round(bd, 2)) for label, a, ad, b, bd in totals.values()]
    return sorted(rows, key=lambda r: (-max(r.old_days, r.new_days), r.label))


def _defaults_used(runs: dict[str, CaseRun]) -> list[str]:
    seen: dict[str, str] = {}
    for run in runs.values():
        for item in run.trail:
            if item.kind == "task" and item.source != RECORDED and item.element_id not in seen:
                seen[item.element_id] = (f"'{item.name}' ({item.element_id}): {_days(item.days)} hari kerja, "
                                         f"{item.source}")
    return [seen[k] for k in sorted(seen)]


class _Explainer:
    """Why a case's path differs: the first difference, and what the models say about it."""

    def __init__(self, old: ProcessDefinition, new: ProcessDefinition):
        self.old_ids, self.new_ids = _element_ids(old), _element_ids(new)

    def __call__(self, old: CaseRun, new: CaseRun) -> str:
        if new.error:
            return f"model baru gagal menjalankan kasus ini: {new.error}"
        if old.error:
            return f"model lama gagal menjalankan kasus ini: {old.error}"
        index = next((i for i, (a, b) in enumerate(zip(old.trail, new.trail)) if a.key != b.key),
                     min(len(old.trail), len(new.trail)))
        a = old.trail[index] if index < len(old.trail) else None
        b = new.trail[index] if index < len(new.trail) else None
        where = f"langkah ke-{index + 1}"
        if b is None:
            return (f"{where}: model baru {'selesai' if new.finished else 'berhenti'} setelah "
                    f"'{new.trail[-1].label}'; model lama lanjut ke '{a.label}'{self._gone(a, new)}")
        if a is None:
            return f"{where}: model baru lanjut ke '{b.label}'{self._new(b)}; model lama sudah " + \
                ("selesai" if old.finished else "berhenti")
        return f"{where}: model lama '{a.label}', model baru '{b.label}'{self._new(b) or self._gone(a, new)}"

    def _new(self, item: TrailItem) -> str:
        if item.kind == "timer":
            return f" (timer ini jatuh tempo {format_waktu(item.at)}, sebelum langkah berikutnya selesai)"
        if item.kind == "task" and item.element_id not in self.old_ids:
            return f" (langkah baru: {_days(item.days)} hari kerja, {item.source})"
        return ""

    def _gone(self, item: TrailItem, new: CaseRun) -> str:
        if item.element_id not in self.new_ids:
            return " (tidak ada di model baru)"
        if item.kind == "timer":
            due = new.timer_due.get(item.element_id)
            return (f" (di model baru timer ini jatuh tempo {format_waktu(due)}: langkah berikutnya selesai lebih dulu)"
                    if due else " (di model baru timer ini tidak ditunggu di titik itu)")
        if item.kind == "message":
            return " (di model baru kasus tidak menunggu pesan ini saat itu)"
        return " (jawaban yang sama mengambil cabang lain: syarat gateway atau alur berubah)"


def _days(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _element_ids(definition: ProcessDefinition) -> frozenset[str]:
    root = parse_xml_safely(definition.bpmn_xml)
    return frozenset(el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id"))
