"""One whole run of `ppid bench`: every row, on SQLite and (when asked) PostgreSQL."""
from __future__ import annotations

import os
import platform
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Callable

import click

from . import report
from .databases import Backend, Workspace, dispose, make_app, prepare_database
from .report import Row, at_least, at_most
from .stats import load_average, median


@dataclass(frozen=True)
class Sizes:
    repeats: int
    engine_cases: int
    service_cases: int
    http_cases: int
    worklist_cases: int
    worklist_events: int
    worklist_calls: int
    page_calls: int
    submission_posts: int
    waiting_timers: int
    due_cases: int
    idle_sweeps: int
    replay_cases: int
    replay_pass: int  # cases one timed replay pass runs (the row's cases over and over)
    memory: tuple[int, int]


FULL = Sizes(repeats=5, engine_cases=40, service_cases=10, http_cases=10, worklist_cases=100_000,
             worklist_events=1_000_000, worklist_calls=300, page_calls=100, submission_posts=20,
             waiting_timers=100_000, due_cases=1_000, idle_sweeps=50, replay_cases=200, replay_pass=400,
             memory=(1_000, 10_000))
QUICK = Sizes(repeats=2, engine_cases=4, service_cases=1, http_cases=2, worklist_cases=2_000, worklist_events=20_000,
              worklist_calls=20, page_calls=5, submission_posts=3, waiting_timers=2_000, due_cases=5, idle_sweeps=10,
              replay_cases=5, replay_pass=40, memory=(4, 12))


#: parts of a run that --only can pick (rows 1-3 also run for replay and memory: they make the cases)
PARTS = frozenset({"throughput", "replay", "memory", "worklist", "timers"})


class Run:
    """The rows of one backend, filled in phase by phase; a phase that fails marks its rows."""

    def __init__(self, backend: Backend, workspace: Workspace, sizes: Sizes, echo: Callable[[str], None]):
        self.backend, self.ws, self.sizes, self.echo = backend, workspace, sizes, echo
        self.only = PARTS
        self.rows: dict[str, Row] = {}
        self.facts: dict = {}

    def phase(self, keys: tuple[str, ...], label: str, func: Callable[[], None]) -> None:
        self.echo(f"[{self.backend.name}] {label} ...")
        began = time.perf_counter()
        try:
            func()
        except Exception as exc:  # the other rows still run; this one says why it has no number
            traceback.print_exc()
            for key in keys:
                self.rows.setdefault(key, Row(key, None, note=f"error: {type(exc).__name__}: {exc}"[:300]))
        seconds = time.perf_counter() - began
        self.facts.setdefault("phase_seconds", {})[label] = round(seconds, 1)
        self.echo(f"[{self.backend.name}] {label}: {seconds:.0f} s")

    # -- rows 1, 2, 3 (interleaved), 6 and 7 on one database of real cases --------------------------
    def throughput_rows(self) -> None:
        from .engine_row import EngineBench, load_definition
        from .http_row import HttpBench, api_available
        from .server import ServerProcess
        from .service_row import ServiceBench

        s = self.sizes
        url = self.new_database("cases")
        app = make_app(self.ws, url, "cases")
        self.cases_app, self.cases_url = app, url
        server = ServerProcess(self._env(url, "server"), self.ws.instance_path("server"),
                               self.ws.root / f"server-{self.backend.name}.log").spawn() if api_available(app) else None
        if "memory" in self.only:  # row 7's own server boots meanwhile, and idles until its turn
            self.memory_server = ServerProcess(self._env(url, "memory"), self.ws.instance_path("memory"),
                                               self.ws.root / f"memory-{self.backend.name}.log").spawn()
        http = None
        try:
            definition = load_definition()
            engine, service = EngineBench(definition), ServiceBench(app)
            warmup = 1 if s.repeats < 3 else 2  # caches, compiled expressions, connection pools
            engine.repeat(2 * warmup, offset=0)
            service.repeat(warmup, offset=0)
            if server is not None:
                http = HttpBench(server.ready(), self.ws.password, definition)
                http.repeat(2 * warmup, offset=0)
        except BaseException:
            for process in (server, getattr(self, "memory_server", None)):
                if process is not None:
                    process.stop()
            raise
        samples: dict[str, list[dict]] = {"engine": [], "stored": [], "service": [], "http": []}
        try:
            for r in range(s.repeats):
                offset = 1000 * (r + 1)
                samples["engine"].append(engine.repeat(s.engine_cases, offset))
                # the stored step right before the services, on the same cases: this VM's speed drifts by a
                # quarter within minutes, so R1 is judged per repeat (the median of the repeats' ratios)
                samples["stored"].append(engine.state_round_trip(s.service_cases, offset))
                samples["service"].append(service.repeat(s.service_cases, offset))
                if http is not None:
                    samples["http"].append(http.repeat(s.http_cases, offset))
        finally:
            if http is not None:
                http.close()
            if server is not None:
                server.stop()
        rate = lambda key: median([x["cases"] / x["wall_s"] for x in samples[key]])  # noqa: E731
        cpu = lambda key, field: median([1000 * x[field] / x["cases"] for x in samples[key]])  # noqa: E731
        engine_rate = rate("engine")
        self.rows["engine"] = Row("engine", engine_rate, None,
                                  {"cases_per_repeat": s.engine_cases, "repeats": s.repeats,
                                   "cpu_ms_per_case": cpu("engine", "cpu_s")},
                                  note=f"cpu {cpu('engine', 'cpu_s'):.0f} ms/case")
        split = engine.state_round_trip(s.engine_cases, offset=100_000)
        self.rows["state"] = Row(
            "state", split["dumps_ms"] + split["open_ms"], None, split,
            note=f"cpu: engine step {split['engine_ms_per_use_case']:.2f} ms, state written "
                 f"{split['dumps_ms']:.2f} ms, read {split['open_ms']:.2f} ms; row 2 at most "
                 f"{split['ceiling_for_services_ratio']:.2f} x engine")
        # every measurement of the split in this run (the repeats' and the one after them), the median taken
        round_trips = [x["state_roundtrip_over_engine"] for x in (*samples["stored"], split)]
        state_ratio = median(round_trips)
        self.rows["state_roundtrip_over_engine"] = Row(
            "state_roundtrip_over_engine", state_ratio, at_most(state_ratio, 1.0),
            {**split, "ratio_per_measurement": round_trips},
            note=f"median of {len(round_trips)} ({min(round_trips):.2f}-{max(round_trips):.2f}); last: (write "
                 f"{split['dumps_ms']:.2f} + read {split['open_ms']:.2f} ms) / engine step "
                 f"{split['engine_ms_per_use_case']:.2f} ms, cpu")
        service_rate = rate("service")
        service_cpu = cpu("service", "use_case_cpu_s")  # inside start_case/complete_task, not the driver's lookups
        stored_cpu = median([x["stored_step_ms_per_case"] for x in samples["stored"]])
        ratios = [st["stored_step_ms_per_case"] / (1000 * sv["use_case_cpu_s"] / sv["cases"])
                  for st, sv in zip(samples["stored"], samples["service"])]
        ceiling = median(ratios)
        self.rows["ceiling_ratio_service"] = Row(
            "ceiling_ratio_service", ceiling, at_least(ceiling, 0.5),
            {"stored_step_ms_per_case": stored_cpu, "service_cpu_ms_per_case": service_cpu,
             "ratio_per_repeat": ratios, "engine_in_memory_ratio": service_rate / engine_rate},
            note=f"median of {len(ratios)} repeats ({min(ratios):.2f}-{max(ratios):.2f}): stored step "
                 f"{stored_cpu:.1f} ms/case / services {service_cpu:.1f} ms/case, cpu; against the in-memory "
                 f"engine {service_rate / engine_rate:.3f}")
        ratio = service_rate / engine_rate
        self.rows["service"] = Row("service", service_rate, None,
                                   {"ratio_to_engine": ratio, "cases_per_repeat": s.service_cases,
                                    "repeats": s.repeats, "cpu_ms_per_case": cpu("service", "cpu_s")},
                                   note=f"ratio {ratio:.3f}; cpu {cpu('service', 'cpu_s'):.0f} ms/case")
        if http is None:
            self.rows["http"] = Row("http", None, note="not available: the JSON API (/api/v1) is not in this app")
            self.rows["ratio_http_over_service"] = Row("ratio_http_over_service", None, note="no JSON API")
        else:
            http_rate = rate("http")
            ratio = http_rate / engine_rate
            per_repeat = [(h["cases"] / h["wall_s"]) / (sv["cases"] / sv["wall_s"])
                          for h, sv in zip(samples["http"], samples["service"])]
            over_service = median(per_repeat)  # each repeat's own pair, as for R1
            self.rows["ratio_http_over_service"] = Row(
                "ratio_http_over_service", over_service, at_least(over_service, 0.7),
                {"http_cases_per_s": http_rate, "service_cases_per_s": service_rate, "ratio_per_repeat": per_repeat,
                 "server_cpu_ms_per_case": cpu("http", "server_cpu_s"), "service_cpu_ms_per_case": service_cpu},
                note=f"median of {len(per_repeat)} repeats ({min(per_repeat):.2f}-{max(per_repeat):.2f}); "
                     f"{http_rate:.2f} / {service_rate:.2f} cases/s; cpu {cpu('http', 'server_cpu_s'):.0f} ms/case "
                     f"in the server against {service_cpu:.0f} in the services")
            self.rows["http"] = Row("http", http_rate, None,
                                    {"ratio_to_engine": ratio, "cases_per_repeat": s.http_cases,
                                     "repeats": s.repeats, "server": server.kind,
                                     "server_cpu_ms_per_case": cpu("http", "server_cpu_s")},
                                    note=f"ratio {ratio:.3f}; {server.kind}; server cpu "
                                         f"{cpu('http', 'server_cpu_s'):.0f} ms/case")

    def submission_row(self) -> None:
        from .submission_row import LIMIT, measure_submissions

        app = make_app(self.ws, self.cases_url, "submission", WTF_CSRF_ENABLED=False)
        try:
            result = measure_submissions(app, self.ws.password, self.sizes.submission_posts)
        finally:
            dispose(app)
        self.rows["submission_page"] = Row(
            "submission_page", result["page_median"], at_most(result["page_max"], LIMIT), result,
            note=f"max {result['page_max']}; the use case alone {result['service_median']:.0f}; "
                 f"{result['posts']} posts of {result['task']}, Flask test client")

    def replay_row(self) -> None:
        from .replay_row import measure_replay

        result = measure_replay(self.cases_app, self.sizes.replay_cases, self.sizes.repeats, self.sizes.replay_pass)
        jobs = result["jobs"]
        note = (f"1 job; {jobs} jobs {result['cases_per_s_jobs']:.1f} cases/s; {result['cases']} cases, "
                f"{result['pass_cases']} per pass; cpu {result['cpu_ms_per_case']:.1f} ms/case")
        if result["problems"]:
            note += f"; {result['problems']} case(s) with mismatches"
        self.rows["replay"] = Row("replay", result["cases_per_s"], None, result, note)
        engine_rate = self.rows["engine"].value if "engine" in self.rows else None
        if engine_rate:
            one = result["cases_per_s"] / engine_rate
            # the two rates are measured minutes apart: the CPU times beside them move less with the machine's load
            engine_cpu = self.rows["engine"].detail.get("cpu_ms_per_case")
            cpu_ratio = engine_cpu / result["cpu_ms_per_case"] if engine_cpu and result["cpu_ms_per_case"] else None
            self.rows["replay_one_job_over_engine"] = Row(
                "replay_one_job_over_engine", one, at_least(one, 0.7),
                {"engine_cases_per_s": engine_rate, "engine_cpu_ms_per_case": engine_cpu,
                 "replay_cpu_ms_per_case": result["cpu_ms_per_case"], "cpu_ratio": cpu_ratio},
                note=f"{result['cases_per_s']:.1f} / {engine_rate:.1f} cases/s"
                     + (f"; cpu {engine_cpu:.1f} / {result['cpu_ms_per_case']:.1f} ms/case = {cpu_ratio:.2f}"
                        if cpu_ratio else ""))
        scaling = result["scaling"]
        rss = result["worker_peak_rss_kib"]
        self.rows["replay_scaling"] = Row(
            "replay_scaling", scaling, at_least(scaling, 0.8), result,
            note=f"{result['cases_per_s_jobs']:.1f} / ({jobs} x {result['cases_per_s']:.1f}) cases/s, "
                 f"{jobs} = os.cpu_count(); workers warm (start-up {result['startup_s']:.1f} s not counted); "
                 f"cpu {result['cpu_ms_per_case_jobs']:.1f} ms/case in the workers, on a CPU "
                 f"{100 * result['workers_cpu_share']:.0f} % of the time; "
                 f"worker peak RSS {max(rss) / 1024 if rss else 0:.0f} MiB")

    def memory_row(self) -> None:
        from .memory_row import measure_memory

        small, large = self.sizes.memory
        result = measure_memory(self.memory_server, (small, large))
        peak = {k: v["VmHWM"] for k, v in result["readings_kib"].items()}
        growth = 100 * (peak[str(large)] - peak[str(small)]) / peak[str(small)]
        self.rows["memory"] = Row("memory", growth, at_most(growth, 10), result,
                                  note=f"peak RSS {peak[str(small)] / 1024:.0f} MiB after {small:,} cases, "
                                       f"{peak[str(large)] / 1024:.0f} MiB after {large:,}; {result['server']}")

    # -- row 4 --------------------------------------------------------------------------------------
    def worklist_rows(self) -> None:
        from .worklist_row import fill_worklist_database, measure_pages, measure_queries, page_available

        s = self.sizes
        url = self.new_database("worklist")
        app = make_app(self.ws, url, "worklist", WTF_CSRF_ENABLED=False)
        fill = fill_worklist_database(app, s.worklist_cases, s.worklist_events)
        self.facts["worklist_database"] = fill
        scale = f"{fill['rows']['process_instance']:,} cases, {fill['rows']['audit_event']:,} events"
        for name, result in measure_queries(app, s.worklist_calls).items():
            self.rows[f"worklist_query_{name}"] = Row(
                f"worklist_query_{name}", result["p95_ms"], at_most(result["p95_ms"], 20), result,
                note=f"p50 {result['p50_ms']:.1f} ms; cpu p95 {result['cpu_p95_ms']:.1f} ms; "
                     f"{'' if result.get('total_exact', True) else 'more than '}{result['worklist_total']:,} open "
                     f"tasks in it; {scale}")
        if page_available(app):
            for name, result in measure_pages(app, s.page_calls, self.ws.password).items():
                self.rows[f"worklist_page_{name}"] = Row(
                    f"worklist_page_{name}", result["p95_ms"], at_most(result["p95_ms"], 50), result,
                    note=f"p50 {result['p50_ms']:.1f} ms; cpu p95 {result['cpu_p95_ms']:.1f} ms; Flask test client")
        else:
            for name in ("petugas", "opd"):
                self.rows[f"worklist_page_{name}"] = Row(f"worklist_page_{name}", None,
                                                         note="not available: /staf/tugas is not in this app")
        dispose(app)

    # -- row 5 --------------------------------------------------------------------------------------
    def timer_rows(self) -> None:
        from . import timer_row

        s = self.sizes
        url = self.new_database("timers")
        app = make_app(self.ws, url, "timers")
        empty = timer_row.idle_sweeps(app, s.idle_sweeps)
        timer_row.fill_waiting(app, s.waiting_timers)
        counts = timer_row.count_timers(app)
        idle = timer_row.idle_sweeps(app, s.idle_sweeps)
        self.rows["sweep_idle"] = Row("sweep_idle", idle["median_ms"], at_most(idle["median_ms"], 5),
                                      {**idle, "waiting_timers": counts["waiting"], "empty_database": empty},
                                      note=f"median of {idle['sweeps']}; {counts['waiting']:,} waiting timers "
                                           f"(empty database: {empty['median_ms']:.2f} ms)")
        if not timer_row.time_machine_available():
            self.rows["sweep_due"] = Row("sweep_due", None, note="not available: needs time-machine "
                                                                  "(pip install time-machine)")
            dispose(app)
            return
        timer_row.make_due_cases(app, s.due_cases)
        before = timer_row.count_timers(app)
        due = timer_row.due_sweep(app, limit=2 * s.due_cases + 10)
        after = timer_row.count_timers(app)
        per_timer = due["ms"] / due["timers"] if due["timers"] else None
        self.rows["sweep_due"] = Row(
            "sweep_due", per_timer, None,
            {**due, "due_before": before["due"], "due_after": after["due"], "waiting": before["waiting"],
             "ms_per_case": due["ms"] / due["cases"] if due["cases"] else None},
            note=f"{due['ms']:,.0f} ms for {due['timers']:,} timers of {due['cases']:,} cases "
                 f"({before['waiting']:,} waiting untouched; {after['due']} still due)")
        dispose(app)

    def new_database(self, label: str) -> str:
        """A database with the schema, the process, the OPDs and the demo accounts (prepared once, then copied)."""
        if not hasattr(self, "template_url"):
            self.template_url = self.backend.new_database("template")
            app = make_app(self.ws, self.template_url, "template")
            prepare_database(app, self.ws.password)
            dispose(app)
        return self.backend.clone(self.template_url, label)

    def _env(self, url: str, label: str) -> dict[str, str]:
        return {k: str(v) for k, v in self.ws.config(url, label).items()}

    def run(self, only: frozenset[str] = PARTS) -> list[Row]:
        self.only = only
        if only & {"throughput", "replay", "memory"}:
            self.phase(("engine", "state", "service", "http", "state_roundtrip_over_engine", "ceiling_ratio_service",
                        "ratio_http_over_service"), "rows 1-3: engine, services, HTTP (interleaved repeats)",
                       self.throughput_rows)
        if hasattr(self, "cases_app"):
            if "throughput" in only:
                self.phase(("submission_page",), "row 2b: statements per task submission", self.submission_row)
            if "replay" in only:
                self.phase(("replay", "replay_one_job_over_engine", "replay_scaling"), "row 6: replay verification", self.replay_row)
            if "memory" in only:
                self.phase(("memory",), "row 7: server memory", self.memory_row)
            dispose(self.cases_app)
        if getattr(self, "memory_server", None) is not None:
            self.memory_server.stop()  # (already stopped unless its row failed before using it)
        if "worklist" in only:
            self.phase(("worklist_query_petugas", "worklist_query_opd", "worklist_page_petugas",
                        "worklist_page_opd"), "row 4: worklist", self.worklist_rows)
        if "timers" in only:
            self.phase(("sweep_idle", "sweep_due"), "row 5: timer sweep", self.timer_rows)
        for key in report.ROWS:
            self.rows.setdefault(key, Row(key, None, note="not measured"))
        return [self.rows[key] for key in report.ROWS]


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_1min": load_average()}


def run_bench(sizes: Sizes, quick: bool, pg_admin_url: str | None, keep: bool, only: frozenset[str] = PARTS,
              echo: Callable[[str], None] = click.echo, sqlite: bool = True) -> dict:
    from .databases import check_postgres
    from .server import server_kind

    document = {"generated_at": datetime.now(timezone.utc).isoformat(), "quick": quick, "sizes": asdict(sizes),
                "parts": sorted(only),
                "machine": machine(), "server": server_kind(), "backends": {}}
    if pg_admin_url:
        check_postgres(pg_admin_url)
    workspace = Workspace.create()
    backends = [Backend("sqlite", workspace.root)] if sqlite else []
    if pg_admin_url:
        backends.append(Backend("postgresql", workspace.root, admin_url=pg_admin_url))
    try:
        for backend in backends:
            run = Run(backend, workspace, sizes, echo)
            try:
                rows = run.run(only)
            finally:
                if keep:
                    for url in backend.created:
                        echo(f"kept database {url}")
                else:
                    backend.drop_all()
            document["backends"][backend.name] = {"rows": {r.key: r.as_json() for r in rows}, "facts": run.facts}
            echo("")
            echo(report.table(backend.name, rows))
            echo("")
    finally:
        document["machine"]["load_average_1min_end"] = load_average()
        if keep:
            echo(f"kept {workspace.root}")
        else:
            workspace.remove()
    return document
