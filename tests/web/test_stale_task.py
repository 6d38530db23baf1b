"""A page left open never acts on another case: tasks are addressed by an identity that is never
reused (the workflow task's UUID), and every form carries the case it was shown for."""
from __future__ import annotations

import re

from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db

from tests.support import sign_in
from tests.web.test_api import API, bearer, token

CHECK = "Activity_PeriksaKelengkapan"


def events(reg: str) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)).join(
        ProcessInstance, ProcessInstance.id == AuditEvent.instance_id).where(ProcessInstance.registration_number == reg))


def form_of(html: str) -> tuple[str, dict]:
    """The task form's action and its hidden fields, as a browser would send them back."""
    form = html[html.index('enctype="multipart/form-data"'):]
    action = re.search(r'action="([^"]+)"', form).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="(_[a-z_]+)" value="([^"]*)"', form.split("</form>")[0]))
    return action, hidden


def test_a_tab_left_open_on_a_finished_task_never_completes_another_cases_task(client, drive):
    first = drive.start()
    sign_in(client, "petugas")
    stale_action, stale_hidden = form_of(client.get(f"/tugas/{drive.task(first, CHECK).task_id}").get_data(as_text=True))
    assert stale_hidden == {"_nomor_pendaftaran": first}
    drive.do(first, CHECK)  # finished elsewhere (another officer, another tab)
    second = drive.start()  # a new case gets a new check task
    before = events(second)
    db.session.remove()

    response = client.post(stale_action, data={**stale_hidden, "kelengkapan": "lengkap"},
                           content_type="multipart/form-data")
    assert response.status_code == 409
    assert "Tugas ini sudah tidak terbuka" in response.get_data(as_text=True)
    assert drive.open_tasks(second) == [CHECK] and events(second) == before


def test_a_form_shown_for_one_case_cannot_complete_another_cases_task(client, drive):
    first, second = drive.start(), drive.start()
    task = drive.task(second, CHECK).task_id
    before = events(second)
    db.session.remove()
    sign_in(client, "petugas")
    response = client.post(f"/tugas/{task}", data={"_nomor_pendaftaran": first, "kelengkapan": "lengkap"},
                           content_type="multipart/form-data")
    assert response.status_code == 409 and events(second) == before
    assert drive.open_tasks(second) == [CHECK]
    for action in ("ambil", "lepas"):
        response = client.post(f"/tugas/{task}/{action}", data={"_nomor_pendaftaran": first})
        assert response.status_code == 409, action
    row = db.session.scalar(db.select(HumanTask).filter_by(task_id=task))
    assert row.claimed_by_id is None and events(second) == before


def test_claiming_or_releasing_a_finished_task_is_409(client, drive):
    reg = drive.start()
    task = drive.task(reg, CHECK).task_id
    drive.do(reg, CHECK)
    db.session.remove()
    sign_in(client, "petugas")
    for action in ("ambil", "lepas"):
        response = client.post(f"/tugas/{task}/{action}", data={"_nomor_pendaftaran": reg})
        assert response.status_code == 409 and "tidak terbuka" in response.get_data(as_text=True), action


def test_task_addresses_are_never_numbers_that_come_back(client, drive):
    reg = drive.start()
    sign_in(client, "petugas")
    html = client.get("/staf/tugas").get_data(as_text=True)
    links = re.findall(r'href="/tugas/([^"]+)"', html)
    assert links == [drive.task(reg, CHECK).task_id]
    assert client.get("/tugas/1").status_code == 404


def test_the_api_refuses_a_task_of_another_case(client, drive):
    first, second = drive.start(), drive.start()
    task = drive.task(second, CHECK).task_id
    before = events(second)
    db.session.remove()
    petugas = token(client, "petugas")
    response = client.post(f"{API}/tasks/{task}/complete", headers=bearer(petugas),
                           json={"data": {"kelengkapan": "lengkap"}, "registration_number": first})
    assert response.status_code == 409 and events(second) == before
    response = client.post(f"{API}/tasks/{task}/claim", headers=bearer(petugas), json={"registration_number": first})
    assert response.status_code == 409 and events(second) == before
    response = client.post(f"{API}/tasks/{task}/complete", headers=bearer(petugas),
                           json={"data": {"kelengkapan": "lengkap"}, "registration_number": second})
    assert response.status_code == 200 and drive.open_tasks(second) != [CHECK]


def test_a_finished_tasks_row_id_is_never_handed_to_a_later_task(drive):
    """Internal ids too: when the newest task's row is deleted (done), the next task must not get
    its id back (SQLite AUTOINCREMENT; PostgreSQL sequences never reuse)."""
    reg = drive.start()
    row = drive.task(reg, CHECK)
    finished, copy = row.id, {c.key: getattr(row, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
    db.session.delete(row)
    db.session.commit()
    later = HumanTask(**{**copy, "task_id": "00000000-0000-4000-8000-00000000000a"})
    db.session.add(later)
    db.session.commit()
    assert later.id > finished


def test_the_api_answers_409_for_acting_on_a_finished_task(client, drive):
    reg = drive.start()
    task = drive.task(reg, CHECK).task_id
    drive.do(reg, CHECK)
    before = events(reg)
    db.session.remove()
    petugas = token(client, "petugas")
    for response in (client.post(f"{API}/tasks/{task}/claim", headers=bearer(petugas)),
                     client.post(f"{API}/tasks/{task}/unclaim", headers=bearer(petugas)),
                     client.post(f"{API}/tasks/{task}/complete", headers=bearer(petugas),
                                 json={"data": {"kelengkapan": "lengkap"}})):
        assert response.status_code == 409 and "tidak terbuka" in response.get_json()["detail"]
    assert client.get(f"{API}/tasks/{task}", headers=bearer(petugas)).status_code == 404  # reading: gone
    assert events(reg) == before
