"""The staff's daily digest: one mail per officer per WIB day, listing late and soon-due tasks of their lanes."""
import pytest
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import Outbox, User, db
from app.services.infrastructure.digest import digest_due, queue_daily_digest, queue_staff_digest
from app.services.infrastructure.worker import sweep

from tests.support import now, wib

START = wib(2026, 3, 2)  # Monday; cases started now are due Friday 6 March 23:59 WIB
MONDAY_AFTER = wib(2026, 3, 9)  # 09:00 WIB: those are late; due within 2 working days means by Wednesday 11


@pytest.fixture
def regs(drive):
    regs = {"check": drive.start()}  # diskominfo lane, due Fri 6
    regs["disdik"] = drive.start()
    drive.walk(regs["disdik"], "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")  # opd lane DISDIK, Fri 6
    regs["dpupr"] = drive.start()
    drive.do(regs["dpupr"], "Activity_PeriksaKelengkapan")
    drive.dispatch_to_unstaffed(regs["dpupr"], "DPUPR")  # opd lane, an OPD nobody in the demo holds
    regs["incomplete"] = drive.start()  # pemohon lane, due Thu 5: never in a staff digest
    drive.do(regs["incomplete"], "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="x")
    drive.traveller.move_to(wib(2026, 3, 5))
    regs["soon"] = drive.start()  # Thursday: due Wednesday 11 March
    drive.traveller.move_to(MONDAY_AFTER)
    regs["far"] = drive.start()  # due Friday 13 March: beyond two working days
    return regs


def digests():
    db.session.expire_all()
    return {m.recipient: m for m in db.session.scalars(db.select(Outbox).filter_by(template="digest_staf"))}


def test_one_mail_per_officer_with_the_tasks_of_their_lanes(regs):
    assert queue_staff_digest(now()) == 2
    mails = digests()
    assert set(mails) == {"petugas@contoh.pasuruankab.go.id", "opd@contoh.pasuruankab.go.id"}
    petugas = mails["petugas@contoh.pasuruankab.go.id"]
    assert regs["check"] in petugas.body and regs["soon"] in petugas.body
    assert all(regs[k] not in petugas.body for k in ("far", "disdik", "dpupr", "incomplete"))
    assert "1 terlambat, 1 segera jatuh tempo" in petugas.subject
    check_line = next(line for line in petugas.body.splitlines() if regs["check"] in line)
    assert "Periksa kelengkapan permohonan" in check_line
    # the check is due within 3 working days of receipt (the office's completeness target)
    assert "Batas: Kamis, 5 Maret 2026 23:59 WIB  [terlambat]" in petugas.body
    assert "Batas: Selasa, 10 Maret 2026 23:59 WIB\n" in petugas.body  # not late: no marker
    opd = mails["opd@contoh.pasuruankab.go.id"]
    assert regs["disdik"] in opd.body and regs["dpupr"] not in opd.body and regs["check"] not in opd.body
    assert "/staf/tugas" in opd.body and opd.instance_id is None


def test_a_second_call_the_same_wib_day_queues_nothing(regs, drive):
    assert queue_staff_digest(now()) == 2
    drive.traveller.move_to(wib(2026, 3, 9, 23, 30))
    assert queue_staff_digest(now()) == 0
    assert len(digests()) == 2
    drive.traveller.move_to(wib(2026, 3, 10, 0, 30))  # a new WIB day (still 9 March in UTC)
    assert queue_staff_digest(now()) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Outbox).filter_by(template="digest_staf")) == 4


def test_officers_without_urgent_tasks_inactive_accounts_and_applicants_get_nothing(regs, drive):
    drive.traveller.move_to(START)  # on Monday the first cases are 4 working days away
    assert queue_staff_digest(now()) == 0
    drive.traveller.move_to(MONDAY_AFTER)
    db.session.scalar(db.select(User).filter_by(username="petugas")).active = False
    db.session.commit()
    assert queue_staff_digest(now()) == 1
    assert set(digests()) == {"opd@contoh.pasuruankab.go.id"}


def test_the_worker_queues_it_once_a_working_day_after_seven_and_sends_it(regs, drive):
    drive.traveller.move_to(wib(2026, 3, 9, 6, 59))
    assert not digest_due(now()) and queue_daily_digest(now()) == 0
    drive.traveller.move_to(wib(2026, 3, 9, 7, 0))
    assert digest_due(now())
    sweep(now())
    mails = digests()
    assert len(mails) == 2 and all(m.sent_at is not None for m in mails.values())
    assert not digest_due(now()) and queue_daily_digest(now()) == 0
    drive.traveller.move_to(wib(2026, 3, 14, 9))  # Saturday: no digest
    assert not digest_due(now())
    drive.traveller.move_to(wib(2026, 3, 16, 7, 30))  # Monday again
    assert digest_due(now())


def test_cli_digest_and_send(regs):
    db.session.remove()
    runner = CliRunner()
    result = runner.invoke(ppid, ["mail", "digest"], catch_exceptions=False)
    assert result.exit_code == 0 and "digests queued: 2" in result.output
    result = runner.invoke(ppid, ["mail", "digest"], catch_exceptions=False)
    assert "digests queued: 0" in result.output
    result = runner.invoke(ppid, ["mail", "send"], catch_exceptions=False)
    assert result.exit_code == 0 and "failed: 0" in result.output
    assert all(m.sent_at is not None for m in digests().values())
