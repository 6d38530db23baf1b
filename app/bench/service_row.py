"""Row 2: the same cases through the services (start_case, complete_task), every step committed."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from .stats import Clock
from .workload import PROCESS_ID, REQUEST, STEPS, plan

USERNAMES = ("pemohon", "petugas", "opd", "atasan")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def demo_actors() -> dict:
    """The accounts that work the cases (inside an app context)."""
    from app.persistence.models import User, db
    from app.services.people.accounts import actor_for

    return {name: actor_for(db.session.scalar(db.select(User).filter_by(username=name))) for name in USERNAMES}


def drive_case(actors: dict, index: int, until: str | None = None, inside: list[float] | None = None) -> str:
    """Start case `index` of the workload and complete its tasks (all, or those before `until`).

    `inside`: when given, its first item is increased by the CPU seconds spent inside the use cases
    (`start_case`, `complete_task`), without the driver's own lookup of the next task."""
    from app.persistence.models import HumanTask, db
    from app.services.casework.cases import start_case
    from app.services.casework.tasks import complete_task

    clock = time.process_time
    began = clock()
    ref = start_case(actors["pemohon"], PROCESS_ID, dict(REQUEST), _now())
    if inside is not None:
        inside[0] += clock() - began
    db.session.remove()  # every step is one request with its own session, as in the web layer
    for step in plan(index).steps:
        if step.spec_id == until:
            break
        row_id = db.session.scalar(db.select(HumanTask.task_id).filter_by(instance_id=ref.id, spec_id=step.spec_id))
        if row_id is None:
            raise RuntimeError(f"service row: {step.spec_id} is not open in {ref.registration_number}")
        began = clock()
        complete_task(actors[step.username], row_id, step.data, _now())
        if inside is not None:
            inside[0] += clock() - began
        db.session.remove()
    return ref.registration_number


class ServiceBench:
    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.actors = demo_actors()

    def repeat(self, cases: int, offset: int = 0) -> dict:
        inside = [0.0]
        with self.app.app_context():
            with Clock() as clock:
                for i in range(cases):
                    drive_case(self.actors, offset + i, inside=inside)
        return {"cases": cases, "wall_s": clock.wall, "cpu_s": clock.cpu, "use_case_cpu_s": inside[0]}


assert set(USERNAMES) >= {user for user, _ in STEPS.values()}
