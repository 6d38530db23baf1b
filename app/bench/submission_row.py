"""Row 2b: what one task submission costs the database, counted in statements (app/bench/statements.py).

The page path is POST /tugas/<id> through Flask's test client, signed in as the Diskominfo officer, on the
completeness check of a fresh case; the service path is the same step through `complete_task` alone. The
first case of each warms what a running server keeps (the definition, the form), as row 2's warm-up does.
tests/web/test_submission_statements.py holds the same bound.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .statements import counting
from .stats import Clock, median
from .workload import PROCESS_ID, REQUEST, STEPS

TASK = "Activity_PeriksaKelengkapan"
LIMIT = 12  # issue 18: a page submission sends at most 12 statements


def _new_case(actors: dict) -> tuple[str, str]:
    from app.persistence.models import HumanTask, db
    from app.services.casework.cases import start_case

    ref = start_case(actors["pemohon"], PROCESS_ID, dict(REQUEST), datetime.now(timezone.utc))
    task_id = db.session.scalar(db.select(HumanTask.task_id).filter_by(instance_id=ref.id, spec_id=TASK))
    db.session.remove()
    return ref.registration_number, task_id


def measure_submissions(app, password: str, posts: int) -> dict:
    """Statements per submission of the page and of the service call (`app` without CSRF checks)."""
    from app.persistence.models import db
    from app.services.casework.tasks import complete_task

    from .service_row import demo_actors

    username, data = STEPS[TASK]
    client = app.test_client()
    answer = client.post("/masuk", data={"username": username, "password": password})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"submission row: {username} could not sign in (HTTP {answer.status_code})")
    page, service, cpu_ms = [], [], []
    with app.app_context():
        actors = demo_actors()
        db.session.remove()
        for n in range(posts + 1):
            reg, task_id = _new_case(actors)
            with counting(db.engine) as seen, Clock() as clock:
                response = client.post(f"/tugas/{task_id}", data={"_nomor_pendaftaran": reg, **data})
            if response.status_code != 302:
                raise RuntimeError(f"POST /tugas/{task_id}: HTTP {response.status_code}")
            reg, task_id = _new_case(actors)
            with counting(db.engine) as direct:
                complete_task(actors[username], task_id, dict(data), datetime.now(timezone.utc))
            db.session.remove()
            if n:  # the first of each warmed the caches
                page.append(len(seen))
                service.append(len(direct))
                cpu_ms.append(1000 * clock.cpu)
    return {"task": TASK, "posts": posts, "page_median": median(page), "page_max": max(page),
            "service_median": median(service), "service_max": max(service), "page_cpu_ms_median": median(cpu_ms),
            "page_statements": str(seen)}
