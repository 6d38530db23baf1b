"""What-if on past cases, with histories made by hand: the figures, the paths and the reasons, exactly.

Ten requests received on Monday 5 January 2026 at 09:00 WIB took the same road (check, dispatch, the OPD's
answer, the notice, the delivery, no objection) and got their written notice 2, 3, 3, 4, 4, 4, 5, 5, 6 and 8
working days after receipt (6 January is the 1st working day; 16 January, Isra Mi'raj, is not one). The drafts
are edited as a process owner would (tests/process_edits.py).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app.bench.workload import REQUEST, STEPS
from app.domain.calendar import WorkingCalendar
from app.domain.timeutil import WIB
from app.engine import check_import, form_reader
from app.engine.whatif import PastCase, PastEvent, PastTask, default_durations
from app.engine.whatif_report import Figures, compare

from tests.process_edits import TELAAH_FORMS, add_legal_review, set_service_target

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_dinas", "kepala_diskominfo", "bagian_hukum"}
OPTIONS = {"opd": [{"const": "DISDIK", "title": "Dinas Pendidikan"}, {"const": "BAPPEDA", "title": "Bappeda"}]}
CALENDAR = WorkingCalendar()
NOTICE_DAYS = [2, 3, 3, 4, 4, 4, 5, 5, 6, 8]
BPMN = (ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes()


def model(bpmn: bytes, forms: dict | None = None):
    return check_import(bpmn, form_reader(ROOT / "forms"), known_roles=ROLES, extra_forms=forms,
                        simulate=False).definition


@pytest.fixture(scope="module")
def current():
    return model(BPMN)


@pytest.fixture(scope="module")
def reviewed():
    """The draft with a legal review 'Telaah hukum' in a new lane bagian_hukum before the notice."""
    return model(add_legal_review(BPMN), TELAAH_FORMS)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=WIB).astimezone(timezone.utc)


RECEIVED = date(2026, 1, 5)


def working_day(n: int) -> date:
    return CALENDAR.add_working_days(at(RECEIVED, 9), n).astimezone(WIB).date()


def task(spec_id: str, lane: str, form: str, opened: datetime, done: datetime, opd: str | None = None,
         **data) -> PastTask:
    return PastTask(spec_id, lane, f"{form}.schema.json", opened, done, {**STEPS[spec_id][1], **data}, opd)


def past_case(number: int, notice_day: int) -> PastCase:
    """Checked and dispatched on the day received; the OPD answers on the notice's day at 10:00, the notice goes
    out at 14:00; delivered and the objection let go the next working day."""
    day, next_day, start = working_day(notice_day), working_day(notice_day + 1), at(RECEIVED, 9)
    return PastCase(f"PPID/2026/{number:04d}", start, dict(REQUEST), (
        task("Activity_PeriksaKelengkapan", "diskominfo", "periksa_kelengkapan", start, at(RECEIVED, 11)),
        task("Activity_TeruskanKeOPD", "diskominfo", "teruskan_ke_opd", at(RECEIVED, 11), at(RECEIVED, 13)),
        task("Activity_JawabPermohonan", "opd", "jawaban_opd", at(RECEIVED, 13), at(day, 10), "DISDIK"),
        task("Activity_TerbitkanPemberitahuan", "diskominfo", "pemberitahuan_tertulis", at(day, 10), at(day, 14)),
        task("Activity_SerahkanInformasi", "diskominfo", "serahkan_informasi", at(day, 14), at(next_day, 10)),
        task("Activity_AjukanKeberatan", "pemohon", "ajukan_keberatan", at(day, 14), at(next_day, 11),
             ajukan_keberatan="tidak"),
    ))


CASES = [past_case(i + 1, days) for i, days in enumerate(NOTICE_DAYS)]
ROAD = ("Ajukan permohonan informasi → Periksa kelengkapan permohonan → Teruskan ke OPD → {}Jawab permohonan → "
        "Terbitkan pemberitahuan tertulis → Serahkan informasi → Ajukan keberatan")


def test_a_target_of_6_working_days_instead_of_4_moves_the_met_target_count_from_6_to_9(current):
    report = compare(current, model(set_service_target(BPMN, 6)), CASES, calendar=CALENDAR, options=OPTIONS)

    assert report.old == Figures(cases=10, notices=10, met_target=6, within_limit=10, median_days=4.0, p90_days=6)
    assert report.new == Figures(cases=10, notices=10, met_target=9, within_limit=10, median_days=4.0, p90_days=6)
    assert [r.days for r in report.old_runs.values()] == NOTICE_DAYS  # the old model gives back the history
    assert [r.days for r in report.new_runs.values()] == NOTICE_DAYS
    assert [(row.path, row.old.cases, row.old.met_target, row.new.cases, row.new.met_target) for row in report.paths] \
        == [(ROAD.format(""), 6, 6, 9, 9), (ROAD.format("⏱ Target layanan 6 hari kerja → "), 4, 0, 1, 0)]
    assert [(c.number, c.why) for c in report.changes] == [
        (f"PPID/2026/000{n}", "langkah ke-4: model lama '⏱ Target layanan 4 hari kerja', model baru 'Jawab "
                              "permohonan' (di model baru timer ini jatuh tempo Selasa, 13 Januari 2026 23:59 WIB: "
                              "langkah berikutnya selesai lebih dulu)") for n in (7, 8, 9)]
    assert report.defaults == []  # every step of the draft has a recorded one
    assert report.lines()[0].startswith("SIMULASI, bukan hasil nyata")
    assert report.as_dict()["simulation"] is True


def test_where_time_is_spent_per_task_and_per_lane_and_opd(current):
    report = compare(current, current, CASES, calendar=CALENDAR, options=OPTIONS)

    assert report.old == report.new and report.changes == []
    by_task = {row.label: (row.old_count, row.old_days) for row in report.tasks}
    # the OPD's answer: from 13:00 on the day received to 10:00 on the notice's day, 21 hours less than
    # the working days between, summed over the ten cases
    assert by_task["Jawab permohonan (opd)"] == (10, round(sum(NOTICE_DAYS) - 10 * 3 / 24, 2))
    assert by_task["Periksa kelengkapan permohonan (diskominfo)"] == (10, round(10 * 2 / 24, 2))
    assert report.tasks[0].label == "Jawab permohonan (opd)"
    by_lane = {row.label: (row.old_count, row.old_days) for row in report.lanes}
    assert by_lane["lajur opd, OPD DISDIK"] == by_task["Jawab permohonan (opd)"]
    assert by_lane["lajur diskominfo, OPD -"] == (20, round(10 * 4 / 24, 2))  # before dispatch the case has no OPD


def test_a_new_step_takes_the_owners_duration_and_its_time_shows_in_the_figures(current, reviewed):
    report = compare(current, reviewed, CASES, calendar=CALENDAR, options=OPTIONS,
                     durations={"Activity_TelaahHukum": 2})

    assert [r.days for r in report.new_runs.values()] == [d + 2 for d in NOTICE_DAYS]
    assert report.new == Figures(cases=10, notices=10, met_target=1, within_limit=10, median_days=6.0, p90_days=8)
    assert report.defaults == ["'Telaah hukum' (Activity_TelaahHukum): 2,0 hari kerja, ditentukan pemilik proses"]
    assert report.changes[0].why == ("langkah ke-5: model lama 'Terbitkan pemberitahuan tertulis', model baru 'Telaah "
                                     "hukum' (langkah baru: 2,0 hari kerja, ditentukan pemilik proses)")
    review = next(row for row in report.tasks if row.label == "Telaah hukum (bagian_hukum)")
    assert (review.old_count, review.old_days, review.new_count, review.new_days) == (0, 0.0, 10, 20.0)


def test_without_the_owners_duration_a_new_step_takes_the_median_of_the_recorded_steps(current, reviewed):
    report = compare(current, reviewed, CASES[:4], calendar=CALENDAR, options=OPTIONS)

    # no recorded step in lane bagian_hukum: the median of every recorded step
    median = default_durations(CASES[:4], CALENDAR).overall
    assert report.defaults == [f"'Telaah hukum' (Activity_TelaahHukum): {median:.1f} hari kerja, median semua "
                               "tugas".replace(".", ",")]
    assert report.old.met_target == 4 and report.new.met_target < 4


def test_a_legal_limit_the_new_step_pushes_past_fires_and_the_case_changes_path(current, reviewed):
    report = compare(current, reviewed, CASES[7:], calendar=CALENDAR, options=OPTIONS,
                     durations={"Activity_TelaahHukum": 5})  # notices on the 5th, 6th and 8th working day

    late = report.new_runs["PPID/2026/0010"]
    assert late.days == 13 and not late.within_limit
    assert [i.label for i in late.trail][4:7] == ["Jawab permohonan", "⏱ Batas 10 hari kerja", "Ajukan keberatan"]
    why = {c.number: c.why for c in report.changes}
    assert why["PPID/2026/0010"] == ("langkah ke-6: model lama 'Terbitkan pemberitahuan tertulis', model baru '⏱ Batas "
                                     "10 hari kerja' (timer ini jatuh tempo Selasa, 20 Januari 2026 23:59 WIB, sebelum "
                                     "langkah berikutnya selesai)")
    assert report.old.within_limit == 3 and report.new.within_limit == 1  # 5 + 5 days is still lawful


def test_the_same_history_model_and_seed_give_the_same_report(current, reviewed):
    first = compare(current, reviewed, CASES[:3], calendar=CALENDAR, options=OPTIONS, seed=7)
    again = compare(current, reviewed, CASES[:3], calendar=CALENDAR, options=OPTIONS, seed=7)

    assert first.as_dict() == again.as_dict()
    assert first.seed == 7 and "benih acak 7" in first.lines()[1]


def test_a_draft_that_fails_on_the_recorded_answers_says_so_per_case(current):
    broken = BPMN.replace(b'kelengkapan == "lengkap"', b'kelengkapan_baru == "lengkap"')
    report = compare(current, model(broken), CASES[:2], calendar=CALENDAR, options=OPTIONS)

    assert report.new.failed == 2 and report.new.notices == 0 and report.old.failed == 0
    assert report.changes[0].why.startswith("model baru gagal menjalankan kasus ini: skrip atau kondisi memakai nama "
                                            "yang tidak ada (name 'kelengkapan_baru' is not defined)")


def test_a_recorded_withdrawal_comes_when_the_case_waits_for_it_else_it_is_said(current):
    start = at(RECEIVED, 9)
    withdrawn = PastCase("PPID/2026/0099", start, dict(REQUEST), (
        task("Activity_PeriksaKelengkapan", "diskominfo", "periksa_kelengkapan", start, at(RECEIVED, 11)),
        task("Activity_TeruskanKeOPD", "diskominfo", "teruskan_ke_opd", at(RECEIVED, 11), at(RECEIVED, 13)),
    ), (PastEvent(at(working_day(1), 9), "permohonan_dicabut", {"alasan_pencabutan": "Sudah saya peroleh"}),))
    late = PastEvent(at(working_day(3), 9), "permohonan_dicabut", {"alasan_pencabutan": "Terlambat dicabut"})
    answered = PastCase("PPID/2026/0098", start, dict(REQUEST), CASES[0].tasks, (late,))

    report = compare(current, current, [withdrawn, answered], calendar=CALENDAR, options=OPTIONS)

    run = report.old_runs["PPID/2026/0099"]
    assert run.finished and run.trail[-1].label == "✉ permohonan_dicabut" and run.notice_at is None
    run = report.old_runs["PPID/2026/0098"]  # the notice went out on the 2nd working day: nothing to withdraw
    assert run.skipped == ["pesan 'permohonan_dicabut' pada 2026-01-08T02:00:00+00:00: kasus tidak menunggunya"]
    assert run.days == 2 and report.old.notices == 1
