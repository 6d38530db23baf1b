"""A case is sent only where someone will answer it, and a case stranded at an OPD without an
active officer is found and sent on (issue 12, item 4)."""
from __future__ import annotations

import pytest

from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, User, db
from app.services.records.audit import verify_all
from app.services.casework.forms import option_sources
from app.services.casework.redispatch import redispatch_case
from app.services.records.replay import replay_case
from app.services.people.staffing import UNSTAFFED_MESSAGE, officer_counts, staffed_opd_codes, unstaffed_tasks
from app.services.casework.tasks import complete_task

from tests.support import actor, now

CHECK, DISPATCH, ANSWER = "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan"


def deactivate(username: str) -> None:
    db.session.scalar(db.select(User).filter_by(username=username)).active = False
    db.session.commit()


def test_only_opds_with_an_active_officer_are_offered(app):
    # the demo `opd` account covers DISDIK and DINKES; no other account holds the opd role
    assert staffed_opd_codes() == {"DISDIK", "DINKES"}
    assert [o["const"] for o in option_sources()["opd"]] == ["DINKES", "DISDIK"]
    assert len(option_sources(staffed_only=False)["opd"]) > 2  # naming a chosen OPD still knows them all
    assert officer_counts()["DISDIK"] == 1 and officer_counts()["DINSOS"] == 0
    deactivate("opd")
    assert staffed_opd_codes() == set() and option_sources()["opd"] == []


def test_dispatch_to_an_opd_without_an_officer_is_refused_and_nothing_written(drive):
    reg = drive.start()
    drive.do(reg, CHECK)
    task = drive.task(reg, DISPATCH).task_id
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    with pytest.raises(ValidationFailed) as caught:
        complete_task(actor("petugas"), task, {"opd": "DINSOS"}, now())
    assert caught.value.errors == {"opd": [UNSTAFFED_MESSAGE]}
    with pytest.raises(ValidationFailed) as caught:
        complete_task(actor("petugas"), task, {"opd": "TIDAK-ADA"}, now())
    assert caught.value.errors == {"opd": ["Pilihan tidak tersedia."]}
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
    assert drive.open_tasks(reg) == [DISPATCH]


def test_a_task_no_active_account_can_take_is_listed_and_the_case_sent_on(drive):
    reg = drive.start()
    drive.walk(reg, CHECK, DISPATCH)  # to DISDIK
    other = drive.start()  # waiting for Diskominfo: someone can take it
    assert unstaffed_tasks() == []
    db.session.scalar(db.select(User).filter_by(username="opd")).opds = [
        o for o in db.session.scalar(db.select(User).filter_by(username="opd")).opds if o.code != "DISDIK"]
    db.session.commit()
    stranded = unstaffed_tasks()
    assert [(t.registration_number, t.spec_id, t.opd_code) for t in stranded] == [(reg, ANSWER, "DISDIK")]
    assert other not in {t.registration_number for t in stranded}

    done = redispatch_case(actor("petugas"), reg, "DINKES", "DISDIK belum memiliki petugas", now())
    assert (done.from_opd, done.to_opd) == ("DISDIK", "DINKES")
    db.session.expire_all()
    assert drive.case(reg).opd_code == "DINKES" and drive.task(reg, ANSWER).opd_code == "DINKES"
    assert unstaffed_tasks() == []
    event = db.session.scalar(db.select(AuditEvent).filter_by(event_type="case_redispatched"))
    assert event.actor_id is not None
    assert '"alasan": "DISDIK belum memiliki petugas"' in event.payload or "DISDIK belum memiliki petugas" in event.payload

    drive.do(reg, ANSWER)  # the DINKES officer (the same demo account) answers; the notice goes on
    assert drive.case(reg).case_data["opd"] == "DINKES"
    assert verify_all(reg) == (1, [])
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_redispatch_refuses_what_cannot_be_done(drive):
    reg = drive.start()
    with pytest.raises(Conflict):  # not at an OPD yet
        redispatch_case(actor("petugas"), reg, "DINKES", "x", now())
    drive.walk(reg, CHECK, DISPATCH)
    with pytest.raises(Forbidden):
        redispatch_case(actor("opd"), reg, "DINKES", "x", now())
    for opd, reason, field, message in (
            ("DISDIK", "x", "opd", "Kasus ini sudah berada di OPD tersebut; pilih OPD lain."),
            ("DINSOS", "x", "opd", UNSTAFFED_MESSAGE),
            ("DINKES", " ", "alasan", "Wajib diisi."),
            ("DINKES", "x" * 1001, "alasan", "Paling banyak 1000 karakter.")):
        with pytest.raises(ValidationFailed) as caught:
            redispatch_case(actor("petugas"), reg, opd, reason, now())
        assert caught.value.errors[field] == [message]
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.event_type == "case_redispatched")) == 0
    assert db.session.scalar(db.select(HumanTask.opd_code).join(ProcessInstance).where(
        ProcessInstance.registration_number == reg)) == "DISDIK"


def test_a_task_is_stranded_by_its_own_lane_when_two_lanes_are_worked_per_opd(drive):
    """Whether a task can be taken depends on its own lane at its own OPD: an OPD officer holding the `opd` role
    for DISDIK does not make a DISDIK task of another OPD-scoped lane takeable (the count once asked whether the
    officer held any lane found among the open tasks)."""
    from app.services.people.roles import add_role
    from app.services.people.staffing import count_unstaffed_tasks

    add_role(actor("admin"), "verifikator_opd", "Verifikator OPD", opd_scoped=True)
    db.session.commit()
    reg = drive.start()
    drive.walk(reg, CHECK, DISPATCH)  # the answer waits at DISDIK, where `opd` works
    assert unstaffed_tasks() == [] and count_unstaffed_tasks() == 0
    answer = drive.task(reg, ANSWER)
    copy = {c.key: getattr(answer, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
    db.session.add(HumanTask(**{**copy, "task_id": "00000000-0000-4000-8000-000000000001",
                                "spec_id": "Activity_Verifikasi", "lane": "verifikator_opd"}))
    db.session.commit()
    assert [(t.lane, t.opd_code) for t in unstaffed_tasks()] == [("verifikator_opd", "DISDIK")]
    assert count_unstaffed_tasks() == 1
    officer = db.session.scalar(db.select(User).filter_by(username="opd"))
    officer.roles = officer.roles + " verifikator_opd"  # now someone at DISDIK holds that lane too
    db.session.commit()
    assert unstaffed_tasks() == [] and count_unstaffed_tasks() == 0
