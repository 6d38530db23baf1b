"""The worklist reads only the page it shows (issue 16 item 5): the count stops after 1,000 rows and the page
says "lebih dari 1.000", pagination goes on past that bound, and on PostgreSQL the plan reads each lane by
index instead of scanning every open row. Rows are bulk inserted (one real case lends its instance)."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.persistence.models import HumanTask, ProcessInstance, User, db
from app.services.casework import tasks
from app.services.casework.access import task_filter
from app.services.casework.tasks import COUNT_BOUND, TaskFilters, list_tasks
from app.services.people.accounts import actor_for
from app.services.views.worklist_views import worklist_choices
from app.web import staff
from app.web.filters import angka

from tests.support import now, page, sign_in, wib
from tests.web.test_api import token

START = wib(2026, 3, 2)
OPDS = ("DISDIK", "DINKES", "DPUPR", "BAPPEDA")


def bulk_tasks(count: int, lane: str, opds=(None,), titles=("Periksa kelengkapan permohonan",)) -> None:
    """`count` open rows in `lane`, due one hour apart (some due the same hour), spread over `opds` and
    `titles`, all on the instance of one real case."""
    instance = db.session.scalar(sa.select(ProcessInstance).limit(1))
    base = now()
    db.session.execute(sa.insert(HumanTask), [{
        "instance_id": instance.id, "task_id": str(uuid.uuid4()), "spec_id": "Activity_Bulk", "title": titles[n % len(titles)],
        "lane": lane, "opd_code": opds[n % len(opds)], "applicant_id": None, "registration_number": f"PPID-X-{lane}-{n}",
        "applicant_name": "Pemohon", "process_id": instance.process_id, "case_status": "Diajukan",
        "received_at": base, "created_at": base, "due_at": base + timedelta(hours=n // 2)} for n in range(count)])
    db.session.commit()


def officer(username: str):
    return actor_for(db.session.scalar(sa.select(User).filter_by(username=username)))


def test_angka_writes_thousands_the_indonesian_way():
    assert (angka(7), angka(1000), angka(1234567)) == ("7", "1.000", "1.234.567")


def test_count_stops_at_the_bound_and_pages_go_on_past_it(app, drive):
    drive.start()
    bulk_tasks(COUNT_BOUND + 10, "diskominfo")
    petugas = officer("petugas")
    first = list_tasks(petugas, now(), per_page=25)
    assert (first.total, first.exact, first.more) == (COUNT_BOUND, False, True)
    # page 40 ends on row 1,000: still more than counted, and a next page
    fortieth = list_tasks(petugas, now(), page=40, per_page=25)
    assert (fortieth.total, fortieth.exact, fortieth.more, len(fortieth.rows)) == (COUNT_BOUND, False, True, 25)
    # page 41 lies past the bound: counted to its end, exactly (the real case's check is the 1,011th row)
    last = list_tasks(petugas, now(), page=41, per_page=25)
    assert (last.total, last.exact, last.more, len(last.rows)) == (COUNT_BOUND + 11, True, False, 11)
    # every row once, in the default order (due date, then id), across the bound
    seen = [row for n in range(1, 12) for row in list_tasks(petugas, now(), page=n, per_page=100).rows]
    assert len(seen) == len({r.id for r in seen}) == COUNT_BOUND + 11
    assert [(r.due_at, r.id) for r in seen] == sorted((r.due_at, r.id) for r in seen)


def test_merged_branches_page_as_one_list(app, drive, monkeypatch):
    """An officer with a lane and an OPD-scoped lane (two OPDs): three branches merged, page after page."""
    drive.start()
    bulk_tasks(30, "diskominfo")
    bulk_tasks(40, "opd", opds=OPDS)
    actor = officer("petugas")
    actor = replace(actor, roles=actor.roles | {"opd"}, opd_codes=frozenset(OPDS[:2]))
    expected = list(db.session.scalars(sa.select(HumanTask).where(task_filter(actor))
                                       .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id)))
    assert len(expected) == 31 + 20
    monkeypatch.setattr(tasks, "COUNT_BOUND", 12)
    pages = [list_tasks(actor, now(), page=n, per_page=7) for n in range(1, 9)]
    assert [r.id for p in pages for r in p.rows] == [r.id for r in expected]
    assert [(p.exact, p.more) for p in pages] == [(False, True)] * 7 + [(True, False)]
    by_opd = list_tasks(actor, now(), TaskFilters(opd="DISDIK"), per_page=50)
    assert {r.opd_code for r in by_opd.rows} == {"DISDIK"} and by_opd.total == 10 and by_opd.exact


def test_page_says_more_than_1000_and_offers_the_next_page(app, drive, client, monkeypatch):
    drive.start()
    bulk_tasks(COUNT_BOUND + 10, "diskominfo")
    sign_in(client, "petugas")
    html = page(client, "/staf/tugas")
    assert "Halaman 1 (lebih dari 1.000 baris)" in html and 'rel="next"' in html and "dari 40" not in html
    per_page = staff.PER_PAGE
    beyond = COUNT_BOUND // per_page + 1  # the first page past the bound: counted to its end, so exact
    html = page(client, f"/staf/tugas?page={beyond - 1}")
    assert "lebih dari 1.000 baris" in html and 'rel="next"' in html
    html = page(client, f"/staf/tugas?page={beyond}")
    assert f"Halaman {beyond} dari {beyond} (1.011 baris)" in html and 'rel="next"' not in html
    assert re.search(r'href="([^"]+)" rel="prev"', html)
    # a page far past the end is the last page, as before
    assert f"Halaman {beyond} dari {beyond}" in page(client, "/staf/tugas?page=500")


def test_api_says_when_the_total_is_a_lower_bound(app, drive, client):
    drive.start()
    bulk_tasks(COUNT_BOUND + 10, "diskominfo")
    headers = {"Authorization": f"Bearer {token(client, 'petugas')}"}
    first = client.get("/api/v1/tasks?per_page=100", headers=headers).get_json()
    assert (first["total"], first["total_exact"], len(first["items"])) == (COUNT_BOUND, False, 100)
    last = client.get("/api/v1/tasks?per_page=100&page=11", headers=headers).get_json()
    assert (last["total"], last["total_exact"], len(last["items"])) == (COUNT_BOUND + 11, True, 11)


def test_filter_choices_are_those_of_the_actors_rows(app, drive):
    """Read by skipping through the lane's index: the OPD officer sees only the titles and statuses of its
    own OPDs' rows, the PPID officer those of its lane."""
    drive.start()
    bulk_tasks(20, "opd", opds=("DISDIK",), titles=("Jawab permohonan",))
    bulk_tasks(20, "opd", opds=("DPUPR",), titles=("Lengkapi jawaban",))
    db.session.execute(sa.update(HumanTask).where(HumanTask.opd_code == "DPUPR").values(case_status="Diperpanjang"))
    db.session.commit()
    assert worklist_choices(officer("opd")) == (["Jawab permohonan"], ["Diajukan"])
    assert worklist_choices(officer("petugas")) == (["Periksa kelengkapan permohonan"], ["Diajukan"])


# --------------------------------------------------------------------------- the plan on PostgreSQL

def _statements(call) -> list[tuple[str, dict]]:
    """The statements on human_task that `call` sends."""
    sent = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "human_task" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    return sent


def _plan(statement: str, parameters) -> str:
    rows = db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return "\n".join(r[0] for r in rows)


def test_postgresql_reads_the_first_page_by_index(app, drive):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's (run with PPID_TEST_DB=postgres)")
    drive.start()
    bulk_tasks(6000, "diskominfo", opds=(None,) + OPDS)
    bulk_tasks(4000, "opd", opds=OPDS + ("DPMPTSP", "DISHUB", "DLH", "BPBD"))
    db.session.execute(sa.text("ANALYZE human_task"))
    db.session.commit()
    for name in ("petugas", "opd"):
        actor = officer(name)
        # the former query, one OR over the lanes: at this size the planner scans every open row and sorts
        former = sa.select(HumanTask).where(task_filter(actor)).order_by(
            HumanTask.due_at.asc().nulls_last(), HumanTask.id).limit(25)
        compiled = former.compile(db.engine)
        assert "Seq Scan on human_task" in _plan(str(compiled), compiled.params) or name == "opd"
        page_sql, *rest = _statements(lambda: list_tasks(actor, now(), per_page=25))
        plan = _plan(*page_sql)
        assert "Seq Scan" not in plan, plan
        assert "Sort Key" not in plan.split("Merge Append")[0], plan  # no sort above the merge: ordered by index
        assert re.search(r"Index Scan using ix_human_task_lane_(opd_)?due", plan), plan
        for statement in _statements(lambda: worklist_choices(actor)):
            choices = _plan(*statement)
            assert "Seq Scan" not in choices and "Index Only Scan using ix_human_task_lane_title" in choices, choices
