"""Bulk rows for rows 4 and 5: cases copied from real cases, inserted with SQLAlchemy core.

A few template cases are walked through the services first; after every step the case's rows
(process_instance, human_task, timer_job, audit_event) are read back as a *stage*. Bulk cases are
copies of a stage with their own id, registration number, applicant, OPD, task ids and times
(every time shifted by the same amount), so the tables hold rows exactly like the application's.
The hash chains of the copies are not recomputed (nothing verifies them); no outbox rows are made.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import click
import sqlalchemy as sa

from .service_row import demo_actors
from .workload import PROCESS_ID, REQUEST, plan

CHUNK = 1000
OPDS = ("SETDA", "DISKOMINFO", "DISDIK", "DINKES", "DPUPR", "DISPENDUKCAPIL", "DINSOS", "DLH", "DISHUB",
        "DPMPTSP", "BAPPELITBANGDA", "BPKPD", "BKPSDM", "BPBD", "INSPEKTORAT", "RSUD-BANGIL")
NAMES = ("Siti Aminah", "Ahmad Fauzi", "Dewi Lestari", "Budi Hartono", "Nur Hidayah", "Agus Salim",
         "Rina Wulandari", "Moch. Ridwan", "Sri Rahayu", "Eko Prasetyo", "Lilik Suryani", "Hendra Gunawan")


@dataclass
class Stage:
    """The rows of one real case after one of its steps."""

    name: str
    instance: dict
    tasks: list[dict]
    timers: list[dict]
    events: list[dict]

    @property
    def open_spec(self) -> str | None:
        return self.tasks[0]["spec_id"] if self.tasks else None


def _tables():
    from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, User

    return (ProcessInstance.__table__, HumanTask.__table__, TimerJob.__table__, AuditEvent.__table__,
            User.__table__)


def _snapshot(name: str, instance_id: int) -> Stage:
    from app.persistence.models import db

    instances, tasks, timers, events, _users = _tables()
    conn = db.session.connection()
    rows = lambda table, order: [dict(r._mapping) for r in conn.execute(  # noqa: E731
        sa.select(table).where(table.c.get("instance_id", table.c.id) == instance_id).order_by(order))]
    stage = Stage(name, rows(instances, instances.c.id)[0], rows(tasks, tasks.c.id), rows(timers, timers.c.id),
                  rows(events, events.c.seq))
    db.session.rollback()
    return stage


def capture_stages(index: int) -> list[Stage]:
    """Walk case `index` of the workload through the services, reading its rows after every step."""
    from app.persistence.models import HumanTask, db
    from app.services.casework.cases import start_case
    from app.services.casework.tasks import complete_task

    actors = demo_actors()
    now = lambda: datetime.now(timezone.utc)  # noqa: E731
    ref = start_case(actors["pemohon"], PROCESS_ID, dict(REQUEST), now())
    stages = []
    for step in plan(index).steps:
        stages.append(_snapshot(step.spec_id, ref.id))
        row_id = db.session.scalar(db.select(HumanTask.task_id).filter_by(instance_id=ref.id, spec_id=step.spec_id))
        complete_task(actors[step.username], row_id, step.data, now())
    stages.append(_snapshot("finished-" + ("refused" if plan(index).refused else "granted"), ref.id))
    db.session.remove()
    return stages


@dataclass
class Mix:
    """Which stage bulk cases copy, with what weight, and when they were filed."""

    weights: dict[str, float]
    created: Callable[[random.Random, bool], datetime]  # (rng, is_open) -> created_at


def worklist_mix(now: datetime) -> Mix:
    """90% finished (mostly granted), 10% open at every staff and applicant task; open cases are recent."""
    weights = {"finished-granted": 70, "finished-refused": 20, "Activity_PeriksaKelengkapan": 2,
               "Activity_TeruskanKeOPD": 1.5, "Activity_JawabPermohonan": 3, "Activity_TerbitkanPemberitahuan": 1.5,
               "Activity_SerahkanInformasi": 1, "Activity_AjukanKeberatan": 0.5, "Activity_PutuskanKeberatan": 0.3,
               "Activity_LaksanakanPutusan": 0.2}

    def created(rng: random.Random, is_open: bool) -> datetime:
        span = timedelta(days=30) if is_open else timedelta(days=3 * 365)
        return now - timedelta(seconds=rng.uniform(0, span.total_seconds()))

    return Mix(weights, created)


def waiting_timers_mix(now: datetime) -> Mix:
    """Every case waits for the OPD's answer, with its two timers (4 and 10 working days) still to come."""
    return Mix({"Activity_JawabPermohonan": 1},
               lambda rng, is_open: now - timedelta(seconds=rng.uniform(0, 6 * 3600)))


def _shift(row: dict, delta: timedelta) -> dict:
    return {k: (v + delta if isinstance(v, datetime) else v) for k, v in row.items()}


class Filler:
    """Inserts bulk cases (and their applicants) next to whatever the database holds already."""

    def __init__(self, stages: list[Stage], seed: int = 6):
        self.stages = {s.name: s for s in stages}
        self.rng = random.Random(seed)
        self.prefix = stages[0].instance["registration_number"].split("-")[0]

    def _next_ids(self, conn) -> tuple[int, int]:
        instances, *_rest, users = _tables()
        return (int(conn.scalar(sa.select(sa.func.coalesce(sa.func.max(instances.c.id), 0)))) + 1,
                int(conn.scalar(sa.select(sa.func.coalesce(sa.func.max(users.c.id), 0)))) + 1)

    def applicants(self, count: int, label: str = "filling applicants") -> list[int]:
        from app.persistence.models import UserRole, db, role_rows

        *_rest, users = _tables()
        now = datetime.now(timezone.utc)
        with db.engine.begin() as conn:
            _first_case, first = self._next_ids(conn)
        ids = list(range(first, first + count))
        with click.progressbar(length=count, label=label) as bar:
            for chunk in _chunks(ids, CHUNK * 5):
                rows = [{"id": i, "username": f"bench.pemohon.{i}", "full_name": self.rng.choice(NAMES),
                         "email": f"pemohon{i}@contoh.id", "password_hash": "!", "roles": "pemohon",
                         "active": True, "session_epoch": 0, "created_at": now, "email_confirmed_at": now}
                        for i in chunk]
                with db.engine.begin() as conn:
                    conn.execute(users.insert(), rows)
                    conn.execute(UserRole.__table__.insert(), [role_rows(i, "pemohon")[0] for i in chunk])
                bar.update(len(chunk))
        _fix_sequence("app_user")
        return ids

    def cases(self, count: int, mix: Mix, applicant_ids: list[int], events_target: int | None = None,
              label: str = "filling cases") -> dict[str, int]:
        """Insert `count` cases; with `events_target`, claim/unclaim events bring the audit log to that size."""
        from app.persistence.models import db

        instances, tasks, timers, events, _users = _tables()
        names = list(mix.weights)
        choice = self.rng.choices(names, weights=[mix.weights[n] for n in names], k=count)
        base_events = sum(len(self.stages[n].events) for n in choice)
        extra = max((events_target or 0) - base_events, 0)
        finished = [i for i, n in enumerate(choice) if n.startswith("finished")] or list(range(count))
        pads = {i: extra // len(finished) + (1 if k < extra % len(finished) else 0) for k, i in enumerate(finished)}
        with db.engine.begin() as conn:
            first_id, _first_user = self._next_ids(conn)
        counts = {"cases": 0, "human_task": 0, "timer_job": 0, "audit_event": 0}
        years = _number_sequences(self.prefix)
        with click.progressbar(length=count, label=label) as bar:
            for start in range(0, count, CHUNK):
                rows_i, rows_t, rows_j, rows_e = [], [], [], []
                for n in range(start, min(start + CHUNK, count)):
                    stage = self.stages[choice[n]]
                    self._case(stage, first_id + n, applicant_ids, mix, pads.get(n, 0), years,
                               rows_i, rows_t, rows_j, rows_e)
                with db.engine.begin() as conn:
                    conn.execute(instances.insert(), rows_i)
                    for table, rows in ((tasks, rows_t), (timers, rows_j), (events, rows_e)):
                        if rows:
                            conn.execute(table.insert(), rows)
                counts["cases"] += len(rows_i)
                counts["human_task"] += len(rows_t)
                counts["timer_job"] += len(rows_j)
                counts["audit_event"] += len(rows_e)
                bar.update(len(rows_i))
        _fix_sequence("process_instance")
        _raise_number_sequences(self.prefix, years)
        return counts

    def _case(self, stage: Stage, case_id: int, applicant_ids: list[int], mix: Mix, pad: int,
              years: dict[int, int], rows_i: list, rows_t: list, rows_j: list, rows_e: list) -> None:
        from app.domain.timeutil import to_wib

        rng = self.rng
        template = stage.instance
        created = mix.created(rng, stage.open_spec is not None)
        delta = created - template["created_at"]
        year = to_wib(created).year
        years[year] = years.get(year, 0) + 1
        number = f"{self.prefix}-{year}-{years[year]:05d}"
        applicant = rng.choice(applicant_ids)
        name = rng.choice(NAMES)
        opd = rng.choice(OPDS) if template.get("opd_code") else None
        data = dict(template["case_data"] or {})
        data.update(nomor_pendaftaran=number, nama_lengkap=name)
        if opd:
            data["opd"] = opd
        instance = _shift(template, delta)
        instance.update(id=case_id, registration_number=number, applicant_id=applicant, applicant_name=name,
                        opd_code=opd, case_data=data)
        rows_i.append(instance)
        for task in stage.tasks:
            row = _shift(task, delta)
            row.pop("id", None)
            row.update(instance_id=case_id, task_id=str(uuid.UUID(int=rng.getrandbits(128))), registration_number=number,
                       applicant_id=applicant, applicant_name=name, opd_code=opd)
            rows_t.append(row)
        for timer in stage.timers:
            row = _shift(timer, delta)
            row.pop("id", None)
            row.update(instance_id=case_id, task_id=str(uuid.UUID(int=rng.getrandbits(128))))
            rows_j.append(row)
        last = None
        for event in stage.events:
            row = _shift(event, delta)
            row.pop("id", None)
            row["instance_id"] = case_id
            rows_e.append(row)
            last = row
        for k in range(pad):
            seq = last["seq"] + 1 + k
            rows_e.append({**last, "seq": seq, "event_type": "task_claimed" if k % 2 == 0 else "task_unclaimed",
                           "payload": '{"task_id":"%s"}' % uuid.UUID(int=rng.getrandbits(128)),
                           "prev_hash": "%064x" % rng.getrandbits(256), "hash": "%064x" % rng.getrandbits(256)})


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _fix_sequence(table: str) -> None:
    """PostgreSQL: explicit ids were inserted, so move the id sequence past them."""
    from app.persistence.models import db

    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM {table}))")


def _number_sequences(prefix: str) -> dict[int, int]:
    from app.persistence.models import NumberSequence, db

    found = {row.year: row.last for row in db.session.scalars(db.select(NumberSequence).filter_by(kind=prefix))}
    db.session.rollback()
    return found


def _raise_number_sequences(prefix: str, years: dict[int, int]) -> None:
    """Registration numbers of real cases made later must not collide with the bulk ones."""
    from app.persistence.models import NumberSequence, db

    for year, last in years.items():
        row = db.session.get(NumberSequence, {"kind": prefix, "year": year})
        if row is None:
            db.session.add(NumberSequence(kind=prefix, year=year, last=last))
        else:
            row.last = max(row.last, last)
    db.session.commit()


def analyze() -> None:
    """Refresh the planner's statistics (PostgreSQL's autovacuum would; SQLite only does when told)."""
    from app.persistence.models import db

    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
