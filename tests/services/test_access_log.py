"""The personal data access log (app/services/records/access_log.py): what counts as a view in full, one row per
view, the applicant's own views left out, rows that outlive the account, the filters auditors use."""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import Forbidden
from app.persistence.models import PersonalDataAccess, User, db
from app.services.records import access_log
from app.services.people.accounts import create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case
from app.services.infrastructure.context import SYSTEM
from app.services.records.personal_data import erase_applicant

from tests.conftest import PASSWORD
from tests.reliability.procs import tiny_png
from tests.support import PROCESS, REQUEST, actor, now, wib

FINISH = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
          "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")


def start_with_scan() -> str:
    return start_case(actor("pemohon"), PROCESS, REQUEST, now(),
                      uploads={"lampiran_identitas": Upload("ktp.png", tiny_png())}).registration_number


def count() -> int:
    db.session.remove()
    return db.session.scalar(db.select(db.func.count()).select_from(PersonalDataAccess))


def view(username: str, reg: str, **options):
    return access_log.record_case_view(actor(username), reg, access_log.HALAMAN, "/uji", now(), **options)


def test_who_sees_what_in_full(drive):
    reg = start_with_scan()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")  # at the OPD DISDIK
    create_user("opd_lain", "Petugas Dinsos", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    assert view("petugas", reg).what == "nik"
    assert view("opd", reg).what == "nik"  # the OPD of the case
    assert view("pemohon", reg) is None  # the applicant's own data
    assert view("auditor", reg) is None  # reads every case, masked
    assert view("opd_lain", reg) is None  # another OPD: masked
    assert count() == 2
    # the scan is a link on the page (its download is recorded on its own); a dispute bundle carries it
    entry = access_log.record_case_view(actor("petugas"), reg, access_log.EKSPOR, "/b.zip", now(), files=True)
    assert entry.what == "nik, ktp.png (lampiran_identitas)" and entry.kind == "ekspor"


def test_a_case_whose_nik_was_erased_still_shows_it_in_its_history(drive):
    reg = drive.start()
    drive.walk(reg, *FINISH)
    drive.decline_objection(reg, "pemohon")
    erase_applicant("pemohon", SYSTEM, now())
    db.session.remove()
    assert view("petugas", reg) is None  # the case data holds "(dihapus)"
    # the audit events keep the submitted NIK (the legal record): a page that shows the history shows it
    assert view("petugas", reg, with_history=True).what == "nik"


def test_a_row_outlives_the_account_it_names(drive):
    reg = drive.start()
    officer = create_user("sementara", "Petugas Sementara", PASSWORD, now(), ["diskominfo"])
    db.session.commit()
    officer_id = officer.id
    view("sementara", reg)
    db.session.delete(db.session.get(User, officer_id))
    db.session.commit()
    [row] = access_log.find_accesses(access_log.AccessFilters(username="sementara")).rows
    assert (row.username, row.role, row.registration_number) == ("sementara", "diskominfo", reg)


def test_an_operators_export_of_an_account_is_recorded_per_case(drive):
    with_scan, without = start_with_scan(), drive.start()
    entries = access_log.record_applicant_export(SYSTEM, "pemohon", "ppid data export pemohon", now())
    assert [(e.registration_number, e.username, e.kind, e.what) for e in entries] == [
        (with_scan, "sistem", "ekspor", "nik, ktp.png (lampiran_identitas)"), (without, "sistem", "ekspor", "nik")]
    assert access_log.record_applicant_export(actor("pemohon"), "pemohon", "/akun", now()) == []  # their own


def test_filters_count_days_in_wib_and_list_newest_first(drive):
    reg, other = drive.start(), drive.start()
    for at, who, case in ((wib(2026, 3, 3, 23, 30), "petugas", reg), (wib(2026, 3, 4, 0, 30), "kepala", reg),
                          (wib(2026, 3, 4, 8), "petugas", other)):
        access_log.record_case_view(actor(who), case, access_log.API, "/api", at)
    find = access_log.find_accesses
    assert [(e.username, e.at) for e in find().rows] == [
        ("petugas", wib(2026, 3, 4, 8)), ("kepala", wib(2026, 3, 4, 0, 30)), ("petugas", wib(2026, 3, 3, 23, 30))]
    assert find(access_log.AccessFilters(last=date(2026, 3, 3))).total == 1  # 23:30 WIB is still 3 March
    assert find(access_log.AccessFilters(first=date(2026, 3, 4))).total == 2
    assert find(access_log.AccessFilters(username="petugas", registration_number=reg.lower())).total == 1
    assert find(access_log.AccessFilters(registration_number="TIDAK-ADA")).total == 0
    paged = find(per_page=2, page=2)
    assert (paged.page, paged.pages, [e.username for e in paged.rows]) == (2, 2, ["petugas"])
    with pytest.raises(Forbidden):
        access_log.access_log_page(actor("petugas"), access_log.AccessFilters())
    assert access_log.case_accesses(actor("petugas"), 1) is None
    assert access_log.access_log_page(actor("auditor"), access_log.AccessFilters()).total == 3
