"""Nothing grows with the number of accounts where it should not (issue 16 item 6).

Each measured piece of work is run at 10 accounts and again after the same database has grown to 10,000
(bulk inserted: mostly applicants, every 25th an OPD officer of another OPD): the statements it sends are
the same, and on SQLite the work the database does for them (virtual machine steps, which grow with every
row a statement reads) stays put. The pieces: queuing a notification to a role (`notifications.queue`),
validating a form with `x-options` (`forms.clean_submission`), the worklist page (its filter reads
`roles.opd_scoped_roles`). Figures in docs/PERFORMANCE.md.
"""
from __future__ import annotations

from contextlib import contextmanager
from itertools import cycle

import pytest
import sqlalchemy as sa
import time_machine

from app.bench.statements import counting
from app.persistence.models import Opd, Role, User, UserRole, db, role_rows, user_opd
from app.services.infrastructure import notifications
from app.services.casework.forms import clean_submission
from app.services.casework.steps import definition_for

from tests.support import Driver, now, sign_in, wib

SMALL, LARGE = 10, 10_000
CASE_OPD = "DISDIK"
#: an OPD whose only officer has left: a case waiting there is counted on the PPID's worklist page
STRANDED_OPD = "DPUPR"
#: the database may do a little more at 10,000 accounts (a deeper index), never work per account
STEP_SLACK = 1.25


class Work:
    """Statements and, on SQLite, virtual machine steps (in hundreds) of a block."""

    def __init__(self) -> None:
        self.statements = None
        self.steps = 0

    def __repr__(self) -> str:
        return f"{len(self.statements)} statements, {self.steps * 100} VM steps"


@contextmanager
def measured():
    work = Work()
    seen_connections = []

    def on_execute(conn, *_args):
        raw = conn.connection.dbapi_connection
        if hasattr(raw, "set_progress_handler") and raw not in seen_connections:
            seen_connections.append(raw)
            raw.set_progress_handler(tick, 100)

    def tick():
        work.steps += 1
        return 0

    sa.event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        with counting(db.engine) as seen:
            work.statements = seen
            yield work
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_execute)
        for raw in seen_connections:
            raw.set_progress_handler(None, 100)


def grow_to(total: int) -> None:
    """Bulk insert accounts up to `total`: applicants, and every 25th an OPD officer of an OPD other than the
    cases' (nobody the measured work should read)."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    first = db.session.scalar(sa.select(sa.func.max(User.id))) + 1
    other_opds = cycle(sorted(set(db.session.scalars(sa.select(Opd.code))) - {CASE_OPD, STRANDED_OPD}))
    users, links = [], []
    at = now()
    for user_id in range(first, first + max(total - have, 0)):
        officer = user_id % 25 == 0
        users.append({"id": user_id, "username": f"akun{user_id}", "full_name": f"Akun {user_id}",
                      "email": f"akun{user_id}@contoh.id", "password_hash": "!",
                      "roles": "opd" if officer else "pemohon", "active": True, "session_epoch": 0,
                      "must_change_password": False, "created_at": at})
        if officer:
            links.append({"user_id": user_id, "opd_code": next(other_opds)})
    for table, rows in ((User.__table__, users), (user_opd, links),
                        (UserRole.__table__, [r for u in users for r in role_rows(u["id"], u["roles"])])):
        if rows:
            db.session.execute(sa.insert(table), rows)
    if db.engine.dialect.name == "postgresql":  # ids given: the sequence moves on past them
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('app_user', 'id'), max(id)) FROM app_user"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == total


def at_both_sizes(measure, label: str):
    """`measure()` once to warm what a running server keeps, then at SMALL accounts and, after growing, at
    LARGE: (what it returned at SMALL, at LARGE)."""
    measure()
    small = measure()
    grow_to(LARGE)
    large = measure()
    shown = (small, large) if isinstance(small, Work) else (small[0], large[0])
    print(f"\n{label}: {shown[0]!r} at {SMALL} accounts, {shown[1]!r} at {LARGE}\n{shown[1].statements}")
    return small, large


def assert_constant(small: Work, large: Work) -> None:
    assert len(large.statements) == len(small.statements), f"{small!r} -> {large!r}\n{large.statements}"
    assert large.steps <= small.steps * STEP_SLACK + 5, f"{small!r} -> {large!r}\n{large.statements}"


@pytest.fixture
def drive(app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        yield Driver(traveller)


@pytest.fixture
def at_opd(drive):
    """A case waiting at the OPD (so role mail reaches the diskominfo officers and the OPD's officers)."""
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    grow_to(SMALL)
    return reg


def test_queuing_a_notification_to_a_role(app, drive, at_opd):
    def queue_to_roles() -> tuple[Work, list[dict]]:
        instance = drive.case(at_opd)
        with measured() as work:
            written = notifications.queue(instance, [("diskominfo", "dikembalikan_opd"), ("opd", "dikembalikan_opd")],
                                          now())
        db.session.rollback()
        return work, written

    (small, written_small), (large, written_large) = at_both_sizes(queue_to_roles, "queue")
    assert written_large == written_small and {w["to"] for w in written_small} == {"diskominfo", "opd"}
    assert all(w["address"] for w in written_small)
    assert_constant(small, large)


def test_validating_a_form_with_opd_choices(app, drive, at_opd):
    instance = drive.case(at_opd)
    definition = definition_for(instance)
    form = definition.user_tasks["Activity_TeruskanKeOPD"].form
    schema = definition.forms[form]
    data = {"opd": CASE_OPD, "catatan_disposisi": "Mohon dijawab"}

    def validate_twice() -> Work:
        with measured() as work:
            for _ in range(2):  # a request may validate and show the form: the choices are read once
                assert clean_submission(schema, data)["opd"] == CASE_OPD
        db.session.rollback()
        return work

    small, large = at_both_sizes(validate_twice, "validate")
    assert len(small.statements) <= 1, str(small.statements)
    assert_constant(small, large)


@pytest.mark.parametrize("username", ["petugas", "opd"])
def test_the_worklist_page(app, client, drive, at_opd, username):
    sign_in(client, username)

    def open_worklist() -> Work:
        db.session.remove()
        with measured() as work:
            response = client.get("/staf/tugas")
        assert response.status_code == 200
        db.session.remove()
        return work

    small, large = at_both_sizes(open_worklist, f"worklist ({username})")
    scoped_reads = [s for s in large.statements.texts if "opd_scoped" in s]
    assert len(scoped_reads) <= 1, str(large.statements)
    assert_constant(small, large)


def test_the_worklist_page_with_a_stranded_case(app, client, drive, at_opd):
    """A case no active account may take is counted for the PPID on every worklist page: the check asks the
    OPD's officers, not every account, whether one of them holds the lane's role."""
    stranded = drive.start()
    drive.do(stranded, "Activity_PeriksaKelengkapan")
    drive.dispatch_to_unstaffed(stranded, STRANDED_OPD)
    sign_in(client, "petugas")

    def open_worklist() -> Work:
        db.session.remove()
        with measured() as work:
            response = client.get("/staf/tugas")
        assert response.status_code == 200 and 'data-unstaffed-count="1"' in response.get_data(as_text=True)
        db.session.remove()
        return work

    small, large = at_both_sizes(open_worklist, "worklist (stranded)")
    assert_constant(small, large)


def test_the_opd_scoped_roles_are_read_again_after_a_role_is_added(app):
    from app.services.people.roles import add_role, opd_scoped_roles
    from tests.support import actor

    assert "bagian_hukum" not in opd_scoped_roles()
    add_role(actor("admin"), "bagian_hukum", "Bagian Hukum", opd_scoped=True)
    assert "bagian_hukum" in opd_scoped_roles()
    assert db.session.get(Role, "bagian_hukum").opd_scoped


def test_an_accounts_role_rows_follow_its_roles(app):
    """`user_role` (what the lookups above read) says what `User.roles` says: at creation and after a change."""
    from app.services.people.accounts import create_user
    from app.services.people.admin import update_account
    from tests.support import actor

    def rows(user_id: int) -> list[str]:
        return sorted(db.session.scalars(sa.select(UserRole.role_key).where(UserRole.user_id == user_id)))

    user = create_user("baru", "Petugas Baru", "x" * 12, now(), ["diskominfo", "auditor"])
    db.session.commit()
    assert rows(user.id) == ["auditor", "diskominfo"]
    update_account(actor("admin"), user.id, {"full_name": "Petugas Baru", "roles": ["opd", "auditor"],
                                             "opds": ["DISDIK"], "active": "1"}, now())
    db.session.expire_all()
    assert rows(user.id) == ["auditor", "opd"]
    assert db.session.get(User, user.id).role_set == {"auditor", "opd"}
    migrated = dict.fromkeys(db.session.scalars(sa.select(User.id)))  # the migration filled every account's rows
    assert all(rows(user_id) for user_id in migrated)
