"""`ppid bench --quick` runs every row and writes numbers; how fast they are is the bench's business,
never a test's (no timing is asserted here)."""
import json
import os
import subprocess
import sys

import pytest

from app.bench.report import ROWS


def test_quick_bench_writes_a_number_for_every_row(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite only
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "bench", "--quick",
                           "--json", str(out)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads(out.read_text())
    assert document["quick"] is True and list(document["backends"]) == ["sqlite"]
    rows = document["backends"]["sqlite"]["rows"]
    assert set(rows) == set(ROWS)
    for key, row in rows.items():
        assert isinstance(row["value"], (int, float)), f"{key}: {row['note']}"
        assert row["passed"] in (True, False, None)
    assert rows["service"]["detail"]["ratio_to_engine"] > 0
    assert 0 < rows["state"]["detail"]["ceiling_for_services_ratio"] < 1
    assert rows["http"]["detail"]["ratio_to_engine"] > 0
    assert rows["sweep_due"]["detail"]["timers"] > 0 and rows["sweep_due"]["detail"]["due_after"] == 0
    assert rows["worklist_query_petugas"]["detail"]["worklist_total"] > 0
    for key in ROWS:
        assert ROWS[key][0] in done.stdout  # the printed table names every row
    # issue 16: the five ratios, each with its value, target and verdict, and the figures they are made of
    for key, target in (("ceiling_ratio_service", ">= 0.5"), ("state_roundtrip_over_engine", "<= 1.0"),
                        ("ratio_http_over_service", ">= 0.7"), ("replay_one_job_over_engine", ">= 0.7"),
                        ("replay_scaling", ">= 0.8")):
        assert rows[key]["target"] == target and rows[key]["result"] in ("PASS", "FAIL"), rows[key]
        bound = float(target.split()[1])
        assert rows[key]["passed"] == (rows[key]["value"] >= bound if target.startswith(">=") else
                                       rows[key]["value"] <= bound)
    ceiling = rows["ceiling_ratio_service"]["detail"]
    assert len(ceiling["ratio_per_repeat"]) == document["sizes"]["repeats"]
    assert min(ceiling["ratio_per_repeat"]) <= rows["ceiling_ratio_service"]["value"] <= max(ceiling["ratio_per_repeat"])
    state = rows["state"]["detail"]
    round_trips = rows["state_roundtrip_over_engine"]["detail"]["ratio_per_measurement"]
    assert len(round_trips) == document["sizes"]["repeats"] + 1 and round_trips[-1] == pytest.approx(
        (state["dumps_ms"] + state["open_ms"]) / state["engine_ms_per_use_case"])
    assert min(round_trips) <= rows["state_roundtrip_over_engine"]["value"] <= max(round_trips)
    per_repeat = rows["ratio_http_over_service"]["detail"]["ratio_per_repeat"]
    assert len(per_repeat) == document["sizes"]["repeats"]
    assert min(per_repeat) <= rows["ratio_http_over_service"]["value"] <= max(per_repeat)
    assert rows["replay_one_job_over_engine"]["value"] == pytest.approx(rows["replay"]["value"] / rows["engine"]["value"])
