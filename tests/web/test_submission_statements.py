"""A task submission reads what it needs and no more: the statements one POST sends to the database are
counted for the page (POST /tugas/<id>) and the API (POST /api/v1/tasks/<id>/complete), with the same counter
the bench reports (app/bench/statements.py). Issue 18 item 2; the figures are in docs/PERFORMANCE.md."""
from __future__ import annotations

import pytest

from app.bench.statements import counting
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db

from tests.support import sign_in
from tests.web.test_api import API, bearer, token

CHECK = "Activity_PeriksaKelengkapan"
DISPATCH = "Activity_TeruskanKeOPD"
#: the "Done when" of issue 18: a page submission sends at most this many statements
PAGE_LIMIT = 12
API_LIMIT = 12


def _opened(drive, client, spec_id: str) -> tuple[str, str]:
    """A case at `spec_id`, its task page seen once by petugas (caches warm, as on a running server)."""
    reg = drive.start()
    if spec_id == DISPATCH:
        drive.do(reg, CHECK)
    task_id = drive.task(reg, spec_id).task_id
    db.session.remove()
    assert client.get(f"/tugas/{task_id}").status_code == 200
    db.session.remove()
    return reg, task_id


def _warm(drive, client) -> None:
    """One submission before counting: the definition, the calendar and the form are cached after it."""
    reg, task_id = _opened(drive, client, CHECK)
    client.post(f"/tugas/{task_id}", data={"_nomor_pendaftaran": reg, "kelengkapan": "lengkap"},
                content_type="multipart/form-data")
    db.session.remove()


def _events(reg: str) -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.event_type).join(
        ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
        .where(ProcessInstance.registration_number == reg).order_by(AuditEvent.seq)))


@pytest.mark.parametrize("spec_id, data", [(CHECK, {"kelengkapan": "lengkap"}),
                                           (DISPATCH, {"opd": "DISDIK", "catatan_disposisi": "Mohon dijawab"})])
def test_a_page_submission_sends_at_most_twelve_statements(app, client, drive, spec_id, data):
    sign_in(client, "petugas")
    _warm(drive, client)
    reg, task_id = _opened(drive, client, spec_id)
    with counting(db.engine) as seen:
        response = client.post(f"/tugas/{task_id}", data={"_nomor_pendaftaran": reg, **data},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    print(f"\n{spec_id}: {len(seen)} statements\n{seen}")
    assert len(seen) <= PAGE_LIMIT, str(seen)
    assert _events(reg)[-1] == "task_completed"
    assert db.session.scalar(db.select(HumanTask).filter_by(task_id=task_id)) is None


def test_an_api_submission_sends_at_most_twelve_statements(app, client, drive):
    tok = token(client, "petugas")
    sign_in(client, "petugas")
    _warm(drive, client)
    reg, task_id = _opened(drive, client, CHECK)
    with counting(db.engine) as seen:
        response = client.post(f"{API}/tasks/{task_id}/complete", json={"data": {"kelengkapan": "lengkap"}},
                               headers=bearer(tok))
    assert response.status_code == 200, response.get_json()
    print(f"\nAPI: {len(seen)} statements\n{seen}")
    assert len(seen) <= API_LIMIT, str(seen)
    assert _events(reg)[-1] == "task_completed"
