"""What people do by accident, in a real browser: Back after sending, a tab left open on a task that
another officer finished, and the pages they then read, at phone and desk widths."""
from __future__ import annotations

import re

import pytest
import time_machine

from app.persistence.models import HumanTask, ProcessInstance, db
from app.services.casework.cases import start_case

from tests.browser.test_walk_through_pages import DESK, PHONE, PNG, Person, browser, server  # noqa: F401
from tests.support import PROCESS, REFUSAL, REQUEST, Driver, actor, now, wib

pytestmark = pytest.mark.browser


def _count_cases() -> int:
    db.session.remove()
    return db.session.scalar(db.select(db.func.count(ProcessInstance.id)))


def _no_sideways_scroll(person: Person) -> None:
    width = person.page.evaluate("document.documentElement.scrollWidth")
    assert width <= person.page.viewport_size["width"], (person.page.url, width)


def test_back_after_sending_shows_the_form_as_chosen_and_does_not_make_a_second_case(server, browser):
    shots = []
    applicant = Person(browser, server, "pemohon", PHONE, shots, "back-")
    applicant.go("/permohonan/baru")
    values = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    applicant.fill(values, files={"lampiran_identitas": ("ktp.png", PNG)})
    applicant.submit("Kirim Permohonan")
    first = re.search(r"PPID-\d{4}-\d{5}", applicant.page.content()).group(0)
    applicant.page.go_back()
    applicant.page.wait_for_load_state()
    applicant.shot("formulir-setelah-kembali")
    assert applicant.page.locator("[name='nik']").is_visible()  # "Perorangan" is chosen: its NIK shows
    applicant.fill(values, files={"lampiran_identitas": ("ktp.png", PNG)})  # the same content once more
    applicant.submit("Kirim Permohonan")
    applicant.shot("terkirim-ulang")
    assert f"sudah terkirim dengan Nomor Pendaftaran {first}" in applicant.page.content()
    assert _count_cases() == 1
    _no_sideways_scroll(applicant)


def test_a_tab_left_open_cannot_complete_another_cases_task(server, browser, app):
    first = start_case(actor("pemohon"), PROCESS, dict(REQUEST), now()).registration_number
    db.session.remove()
    shots = []
    officer = Person(browser, server, "petugas", DESK, shots, "stale-")
    officer.open_task(first, "Periksa kelengkapan")
    stale = officer.context.new_page()  # the same task in a second tab, left open
    stale.goto(officer.page.url)
    officer.fill({"kelengkapan": "lengkap"})
    officer.submit()
    second = start_case(actor("pemohon"), PROCESS, {**REQUEST, "rincian_informasi": "Data lain"}, now())
    db.session.remove()
    stale.check("input[name='kelengkapan'][value='lengkap']")
    with stale.expect_response(lambda r: r.request.method == "POST") as answer:
        stale.click("button[type=submit]:has-text('Kirim')")
    assert answer.value.status == 409
    assert "Tugas ini sudah tidak terbuka" in stale.content()
    officer.page = stale
    officer.shot("tab-lama-409")
    db.session.remove()
    assert db.session.scalar(db.select(HumanTask.spec_id).join(ProcessInstance).where(
        ProcessInstance.registration_number == second.registration_number)) == "Activity_PeriksaKelengkapan"


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360", "1280"])
def test_the_applicant_thread_and_the_worklist_read_well(server, browser, viewport):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        number = drive.start()
        drive.do(number, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap",
                 catatan_kelengkapan="Lampirkan KTP yang terbaca")
        drive.do(number, "Activity_LengkapiPermohonan")
        drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.start(rincian_informasi="Permohonan kedua")
    db.session.remove()
    size = viewport["width"]
    shots = []
    applicant = Person(browser, server, "pemohon", viewport, shots, f"thread-{size}-")
    applicant.go(f"/permohonan/{number}")
    applicant.shot("utas-permohonan")
    thread = applicant.page.locator("ol.thread").inner_text()
    assert "Lampirkan KTP yang terbaca" in thread and "Pasal 17 huruf h" in thread
    _no_sideways_scroll(applicant)
    applicant.go("/permohonan")
    applicant.shot("permohonan-saya")
    assert "Permohonan kedua" in applicant.page.content()
    _no_sideways_scroll(applicant)
    officer = Person(browser, server, "petugas", viewport, shots, f"thread-{size}-")
    officer.go("/staf/tugas")
    officer.shot("daftar-tugas")
    _no_sideways_scroll(officer)
    header = officer.page.locator("header.site-header").bounding_box()
    menu_button = officer.page.locator("header details.menu > summary")
    if size == PHONE["width"]:
        assert header["height"] < 70  # one line: the name and the Menu button
        assert menu_button.is_visible()
    else:  # the menu is always open on a desk, and its button is not shown
        assert not menu_button.is_visible() and header["height"] < 90
    officer.go(f"/staf/kasus/{number}")
    officer.shot("berkas-kasus")


def test_a_file_over_the_limit_is_refused_in_the_browser_before_it_is_sent(server, browser, app):
    shots = []
    applicant = Person(browser, server, "pemohon", PHONE, shots, "limit-")
    applicant.go("/permohonan/baru")
    note = applicant.page.locator("#limit-lampiran_identitas")
    assert note.inner_text() == f"Berkas JPG, PNG atau PDF, paling besar {app.config['PPID_MAX_UPLOAD_MB']} MB."
    big = PNG + b"\x00" * (app.config["PPID_MAX_UPLOAD_MB"] * 1024 * 1024)
    applicant.fill({}, files={"lampiran_identitas": ("ktp-besar.png", big)})
    assert "terlalu besar" in note.inner_text() and "ktp-besar.png" in note.inner_text()
    assert applicant.page.eval_on_selector("[name='lampiran_identitas']", "e => e.files.length") == 0
    applicant.shot("berkas-terlalu-besar")
    applicant.fill({}, files={"lampiran_identitas": ("ktp.png", PNG)})
    assert "paling besar" in note.inner_text() and "terlalu besar" not in note.inner_text()
