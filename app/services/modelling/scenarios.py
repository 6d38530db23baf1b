"""A process owner's scenario tests (processes/tests/<process_id>/*.json): run, gate imports, remember results.

The scenarios run in memory on the engine (app.engine.scenarios); this module finds the files, runs them on
a version being imported (the import's "scenario" stage), and keeps each scenario's last result as a setting
so the process owner's page lists them without running them again. Running them on the newest deployed
version (`ppid process test`) is app.services.modelling.processes.run_process_scenarios.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.engine import ImportRefused, Problem, ProcessDefinition
from app.engine.scenarios import ScenarioResult, run_scenarios
from app.persistence.models import Setting, db

from app.services.infrastructure.context import setting
from app.services.casework.forms import option_sources

STAGE = "scenario"
KEY_PREFIX = "skenario:"
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.json$")


@dataclass(frozen=True)
class LastResult:
    """A scenario file and what its last run said (None: never run)."""

    source: str
    passed: bool | None
    at: str = ""
    difference: str = ""


def scenario_folder(process_id: str) -> Path:
    return Path(setting("PPID_PROCESSES_DIR")) / "tests" / process_id


def scenario_files(process_id: str, extra: dict[str, bytes] | None = None) -> list[tuple[str, bytes]]:
    """The scenarios of a process: the folder's files, with files given (an import's) replacing or adding."""
    found = {p.name: p.read_bytes() for p in sorted(scenario_folder(process_id).glob("*.json"))}
    found.update(extra or {})
    return sorted(found.items())


def check_scenario_names(extra: dict[str, bytes] | None) -> None:
    bad = [name for name in (extra or {}) if not _FILE.match(name)]
    if bad:
        raise ImportRefused(STAGE, [Problem(STAGE, None, None, None,
                                            f"nama berkas skenario '{name}' tidak sah: huruf, angka, _ . - dan "
                                            "berakhiran .json") for name in bad])


def remember_results(process_id: str, results: list[ScenarioResult], now: datetime) -> None:
    """Keep each scenario's last result (flush only: the caller's transaction keeps them when it commits)."""
    for result in results:
        key = f"{KEY_PREFIX}{process_id}:{result.source}"[:100]
        row = db.session.get(Setting, key) or Setting(key=key)
        row.value = (f"lulus|{now.isoformat()}" if result.passed
                     else f"gagal|{now.isoformat()}|{result.difference}")[:500]
        db.session.add(row)


def gate(definition: ProcessDefinition, extra: dict[str, bytes] | None, now: datetime) -> list[ScenarioResult]:
    """The import's scenario stage: every scenario of the process must pass on the version imported.

    Refused (ImportRefused, stage "scenario") with one problem per failing scenario; results are
    remembered either way (flush only: the import's transaction keeps them when it commits).
    """
    check_scenario_names(extra)
    files = scenario_files(definition.process_id, extra)
    if not files:
        return []
    results = run_scenarios(definition, files, options=option_sources(staffed_only=False))
    failed = [r for r in results if not r.passed]
    if failed:
        raise ImportRefused(STAGE, [Problem(STAGE, None, r.name, None, f"{r.source}: {r.difference}") for r in failed])
    remember_results(definition.process_id, results, now)
    return results


def last_results(process_id: str) -> list[LastResult]:
    """Each scenario file of the process with its remembered last result (for the process owner's page)."""
    prefix = f"{KEY_PREFIX}{process_id}:"
    remembered = {row.key[len(prefix):]: row.value for row in
                  db.session.scalars(db.select(Setting).where(Setting.key.startswith(prefix)))}
    out = []
    for source, _raw in scenario_files(process_id):
        value = remembered.get(source)
        if value is None:
            out.append(LastResult(source, None))
            continue
        status, at, *rest = value.split("|", 2)
        out.append(LastResult(source, status == "lulus", at[:16].replace("T", " "), rest[0] if rest else ""))
    return out


def write_scenarios(process_id: str, extra: dict[str, bytes] | None) -> None:
    """Keep the scenarios that came with a successful import beside the model."""
    if not extra:
        return
    folder = scenario_folder(process_id)
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in extra.items():
        (folder / name).write_bytes(raw)
