"""Replay in worker processes (`ppid audit replay --all --jobs N`): the same reports as the serial replay, tampering
found, a case whose replay breaks reported and the others replayed, on SQLite and PostgreSQL alike."""
import json

import sqlalchemy as sa
from click.testing import CliRunner

from app import same_app
from app.cli import main as ppid
from app.persistence.models import AuditEvent, ProcessInstance, db
from app.services.records.replay import REPLAY_FAILED, case_ids, replay_ids
from app.services.records.replay_pool import ReplayPool, chunks, replay_cases

from tests.services.case_mix import MIX_SIZE, mixed_cases  # noqa: F401  (fixture)


def _outcome(reports):
    return [(r.registration_number, r.steps_checked, r.skipped, r.note, [str(m) for m in r.mismatches])
            for r in reports]


def _tamper(reg: str, change) -> int:
    case = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))
    victim = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=case.id, event_type="task_completed")
                               .order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(payload=change(victim.payload)))
    db.session.commit()
    return victim.seq


def test_chunks_split_by_id_in_order():
    ids = list(range(1, 104))
    parts = chunks(ids, 2)
    assert [i for part in parts for i in part] == ids and len(parts) >= 8
    assert max(len(p) for p in chunks(list(range(10_000)), 2)) == 50  # a chunk is one read batch at most
    assert chunks([7], 4) == [[7]]


def test_parallel_reports_equal_the_serial_ones_and_a_broken_case_is_reported(app, mixed_cases):
    ids = case_ids()
    assert len(ids) == MIX_SIZE
    serial = replay_ids(ids)
    assert all(r.ok for r in serial) and sum(r.steps_checked for r in serial) > MIX_SIZE
    with ReplayPool(2, same_app(app)) as pool:
        assert len(pool.workers) == 2
        assert _outcome(pool.replay(ids)) == _outcome(serial)

        broken = mixed_cases[3].registration_number  # its last completion's payload is no JSON any more
        _tamper(broken, lambda _payload: "{not json")
        reports = pool.replay(ids)
    assert [r.registration_number for r in reports] == [r.registration_number for r in serial]  # none lost
    failed = [r for r in reports if not r.ok]
    assert [r.registration_number for r in failed] == [broken]
    assert failed[0].mismatches[0].what == REPLAY_FAILED and "JSONDecodeError" in failed[0].mismatches[0].actual
    assert pool.figures.cpu_s > 0 and len(pool.figures.peak_rss_kib) == 2


def test_a_tampered_case_is_found_with_two_jobs(app, mixed_cases):
    reg = mixed_cases[5].registration_number

    def altered(payload: str) -> str:
        data = json.loads(payload)
        data["submitted"] = {**(data.get("submitted") or {}), "sisipan": "diubah kemudian"}
        return json.dumps(data)

    seq = _tamper(reg, altered)
    reports = replay_cases(case_ids(), 2, same_app(app))
    assert len(reports) == MIX_SIZE
    assert [r.registration_number for r in reports if not r.ok] == [reg]
    assert any(m.seq == seq and "'sisipan'" in m.what for m in next(r for r in reports if not r.ok).mismatches)
    assert _outcome(reports) == _outcome(replay_ids(case_ids()))


def test_the_command_runs_jobs_and_says_the_same(app, mixed_cases):
    def run(*args):
        result = CliRunner().invoke(ppid, ["audit", "replay", "--all", *args])
        lines = [line for line in result.output.splitlines() if not line.startswith("replay")]  # the bar
        return result.exit_code, [line.rsplit(" (", 1)[0] for line in lines]  # without the time taken

    code, parallel = run("--jobs", "2")
    assert code == 0 and parallel[-1].startswith(f"OK: {MIX_SIZE} case(s) replayed")
    assert run("--jobs", "1") == (0, parallel)
    reg = mixed_cases[0].registration_number
    _tamper(reg, lambda payload: payload.replace('"submitted": {', '"submitted": {"sisipan": 1, ', 1)
            if '"submitted": {' in payload else payload.replace('"submitted":{', '"submitted":{"sisipan":1,', 1))
    code, parallel = run("--jobs", "2")
    assert code == 1 and any(line.startswith(f"MISMATCH {reg} ") for line in parallel)
    assert parallel[-1].startswith(f"FAIL: {MIX_SIZE} case(s) replayed") and "1 with mismatches" in parallel[-1]
    assert run("--jobs", "1") == (1, parallel)
    assert CliRunner().invoke(ppid, ["audit", "replay", "--all", "--jobs", "0"]).exit_code == 2
