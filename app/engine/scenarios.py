"""Scenario tests beside the model: a process owner's own tests, run in memory on the engine.

A scenario is a JSON file in processes/tests/<process_id>/ (docs/PROCESS_CONVENTIONS.md, "Scenarios"):

    {"name": "...", "start": "2026-01-05T09:00:00+07:00",
     "steps": [{"task": "Activity_AjukanPermohonan", "data": {"jenis_pemohon": "perorangan"}},
               {"timer": "Timer_Target4HK"},
               {"at": "2026-01-20T09:00:00+07:00"},
               {"message": "permohonan_dicabut", "data": {"alasan_pencabutan": "..."}}],
     "expect": {"path": ["Activity_PeriksaKelengkapan", "EndEvent_PermohonanSelesai"],
                "not_path": ["Timer_Batas10HK"], "ends": ["EndEvent_PermohonanSelesai"], "finished": true,
                "waiting": ["Activity_AjukanKeberatan"], "data": {"status": "Selesai"}}}

A task step completes the open task of that element with the data given, laid over a valid sample
answer of its form (so a scenario names only what matters); the result must still be valid by the
form, as the pages would require. A timer step fires a waiting timer (the virtual clock moves to its
due time); an `at` step moves the clock and fires what is due by then. `expect` is checked at the end:
`path` in order (other steps may come between), `not_path` never, `ends` reached, `finished`,
`waiting` the open tasks, `data` the case's values. The first difference is said in words.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .definition import ProcessDefinition
from .formdata import variants
from .formschema import FormSchemaError, form_errors, form_validator
from .runtime import Engine, Run
from .simulation import START_EXTRA, START_TIME, _Calendar, _signer, _with_options, _words
from .types import RunContext

STEP_KINDS = ("task", "timer", "at", "message")


class ScenarioError(Exception):
    """A scenario file that cannot be read as one (its shape, not the process, is wrong)."""


@dataclass
class ScenarioResult:
    name: str
    source: str
    passed: bool
    difference: str = ""
    path: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{'lulus' if self.passed else 'GAGAL'}  {self.source}: {self.name}" + \
            ("" if self.passed else f" — {self.difference}")


def load_scenario(raw: bytes | str, source: str = "") -> dict:
    """Parse and check the shape of one scenario file (ScenarioError says what is wrong, where)."""
    try:
        scenario = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: bukan JSON yang sah ({exc})") from None
    if not isinstance(scenario, dict) or not isinstance(scenario.get("steps"), list):
        raise ScenarioError(f"{source}: skenario harus objek JSON dengan daftar \"steps\"")
    for number, step in enumerate(scenario["steps"], 1):
        kinds = [k for k in STEP_KINDS if isinstance(step, dict) and k in step]
        if len(kinds) != 1:
            raise ScenarioError(f"{source}: langkah {number} harus memuat tepat satu dari {', '.join(STEP_KINDS)}")
    if not isinstance(scenario.get("expect", {}), dict):
        raise ScenarioError(f"{source}: \"expect\" harus objek JSON")
    return scenario


def _time(text: str, source: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        raise ScenarioError(f"{source}: waktu '{text}' bukan ISO 8601 (mis. 2026-01-05T09:00:00+07:00)") from None
    if value.tzinfo is None:
        raise ScenarioError(f"{source}: waktu '{text}' harus menyebut zona waktu (mis. +07:00)")
    return value


class _Failed(Exception):
    pass


class ScenarioRunner:
    def __init__(self, definition: ProcessDefinition, options: dict[str, list] | None = None):
        self.definition = definition
        self.options = options or {}
        self.engine = Engine()
        self._numbers = 0
        self._sampled: dict[tuple, tuple[dict, list[dict]]] = {}

    def _ctx(self, now: datetime) -> RunContext:
        def allocate(kind: str) -> str:
            self._numbers += 1
            return f"UJI/{kind}/{self._numbers:04d}"

        return RunContext(now=now, calendar=_Calendar(), allocate_number=allocate)

    def _samples(self, form: str, now: datetime) -> tuple[dict, list[dict]]:
        """A form (its `x-options` given choices) and its sample answers, made once per form and day."""
        key = (form, now.date())
        if key not in self._sampled:
            schema = _with_options(self.definition.forms.get(form) or {}, self.options)
            self._sampled[key] = (schema, variants(schema, now) or [{}])
        return self._sampled[key]

    def run(self, scenario: dict, source: str = "") -> ScenarioResult:
        name = str(scenario.get("name") or source)
        result = ScenarioResult(name, source, passed=False)
        run = None
        try:
            start = _time(scenario["start"], source) if scenario.get("start") else START_TIME
            run = self.engine.start(self.definition, self._ctx(start))
            for number, step in enumerate(scenario["steps"], 1):
                self._step(run, step, number, first=number == 1)
            self._expect(run, scenario.get("expect") or {})
            result.passed = True
        except _Failed as exc:
            result.difference = str(exc)
        except ScenarioError as exc:
            result.difference = str(exc)
        except Exception as exc:  # noqa: BLE001 - a failing step is a scenario's finding, said in words
            result.difference = f"proses gagal: {_words(exc)}"
        if run is not None:
            result.path = [s.spec_id for s in run.steps]
        return result

    # -- steps ------------------------------------------------------------------------------------
    def _step(self, run: Run, step: dict, number: int, first: bool) -> None:
        where = f"langkah {number}"
        if "task" in step:
            self._task(run, step, where, first)
        elif "timer" in step:
            waiting = {t.spec_id: t for t in run.waiting_timers() if t.due_at is not None}
            timer = waiting.get(step["timer"])
            if timer is None:
                raise _Failed(f"{where}: timer {step['timer']} tidak sedang menunggu (yang menunggu: "
                              f"{', '.join(sorted(waiting)) or 'tidak ada'})")
            run.ctx.now = max(run.ctx.now, timer.due_at + timedelta(seconds=1))
            run.fire_due_timers()
        elif "at" in step:
            moment = _time(step["at"], where)
            if moment < run.ctx.now:
                raise _Failed(f"{where}: waktu {step['at']} lebih awal dari waktu kasus ({run.ctx.now.isoformat()})")
            run.ctx.now = moment
            run.fire_due_timers()
        else:
            name = str(step["message"])
            if name not in run.waiting_messages():
                raise _Failed(f"{where}: kasus tidak menunggu pesan '{name}' (menunggu: "
                              f"{', '.join(run.waiting_messages()) or 'tidak ada'})")
            run.receive(name, dict(step.get("data") or {}))

    def _task(self, run: Run, step: dict, where: str, first: bool) -> None:
        ready = [t for t in run.ready_tasks() if t.spec_id == step["task"]]
        if step.get("opd") is not None:
            ready = [t for t in ready if t.opd == step["opd"]]
        if not ready:
            open_now = ", ".join(f"{t.spec_id} ({t.name})" for t in run.ready_tasks()) or "tidak ada"
            raise _Failed(f"{where}: tugas {step['task']} tidak terbuka (yang terbuka: {open_now})")
        task = ready[0]
        given = step.get("data") or {}
        if not isinstance(given, dict):
            raise ScenarioError(f"{where}: \"data\" harus objek JSON")
        data = dict(given)
        if task.form:
            schema, samples = self._samples(task.form, run.ctx.now)
            data = {**_matching(samples, given), **given}
            data = {k: v for k, v in data.items() if v is not None}  # null in a scenario: leave the field empty
            try:
                errors = sorted(form_errors(form_validator(schema), data), key=lambda e: list(e.path))
            except FormSchemaError as exc:
                raise _Failed(f"{where}: formulir {task.form} tidak dapat diperiksa: {exc.message}") from None
            if errors:
                field_name = ".".join(str(p) for p in errors[0].path) or "formulir"
                raise _Failed(f"{where}: isian {task.spec_id} tidak sah menurut formulir {task.form} "
                              f"({field_name}: {errors[0].message})")
            data.update(_signer(schema))
        if first:
            data = {**data, **START_EXTRA}
        run.complete(task.task_id, data)

    # -- expectations ----------------------------------------------------------------------------
    def _expect(self, run: Run, expect: dict) -> None:
        passed = [s.spec_id for s in run.steps]
        position = 0
        for element in expect.get("path", []):
            try:
                position = passed.index(element, position) + 1
            except ValueError:
                seen = "sudah dilewati lebih awal" if element in passed else "tidak pernah dilewati"
                raise _Failed(f"jalur: {element} {seen}; jalur yang ditempuh: {' → '.join(passed)}") from None
        for element in expect.get("not_path", []):
            if element in passed:
                raise _Failed(f"jalur: {element} dilewati, padahal tidak boleh")
        ends = {s.spec_id for s in run.steps if s.kind == "EndEvent"}
        for end in expect.get("ends", []):
            if end not in ends:
                raise _Failed(f"akhir {end} tidak tercapai (tercapai: {', '.join(sorted(ends)) or 'tidak ada'})")
        if "finished" in expect and bool(expect["finished"]) != run.finished:
            open_now = ", ".join(t.spec_id for t in run.ready_tasks()) or "tidak ada tugas"
            raise _Failed("kasus " + ("belum selesai (terbuka: " + open_now + ")" if expect["finished"]
                                      else "sudah selesai, padahal diharapkan masih berjalan"))
        if "waiting" in expect:
            open_now = sorted(t.spec_id for t in run.ready_tasks())
            if open_now != sorted(expect["waiting"]):
                raise _Failed(f"tugas terbuka {open_now}, diharapkan {sorted(expect['waiting'])}")
        data: dict[str, Any] = {}
        for s in run.steps:
            data.update(s.changes)
        for key, value in (expect.get("data") or {}).items():
            if data.get(key) != value:
                raise _Failed(f"data {key} = {data.get(key)!r}, diharapkan {value!r}")


def _matching(samples: list[dict], given: dict) -> dict:
    """The sample answer that agrees most with what the scenario gives (its conditional fields fit)."""
    return max(samples, key=lambda s: sum(1 for k, v in given.items() if s.get(k) == v))


def run_scenarios(definition: ProcessDefinition, scenarios: list[tuple[str, bytes]],
                  options: dict[str, list] | None = None) -> list[ScenarioResult]:
    """Run each (source name, file bytes) scenario on the definition; a file that is no scenario fails."""
    runner = ScenarioRunner(definition, options)
    results = []
    for source, raw in scenarios:
        try:
            scenario = load_scenario(raw, source)
        except ScenarioError as exc:
            results.append(ScenarioResult(source, source, False, str(exc)))
            continue
        results.append(runner.run(scenario, source))
    return results
