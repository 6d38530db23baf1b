"""A case stranded at an OPD without an active officer, found and sent on in a real browser, at phone
and desk widths (issue 12, item 4)."""
from __future__ import annotations

import pytest
import time_machine

from app.persistence.models import HumanTask, User, db

from tests.browser.test_walk_through_pages import DESK, PHONE, Person, browser, server  # noqa: F401
from tests.support import Driver, wib

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360", "1280"])
def test_a_stranded_case_is_listed_and_sent_on(server, browser, viewport):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        number = drive.start()
        drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")  # to DISDIK
    officer_of_disdik = db.session.scalar(db.select(User).filter_by(username="opd"))
    officer_of_disdik.opds = [o for o in officer_of_disdik.opds if o.code != "DISDIK"]
    db.session.commit()
    db.session.remove()
    shots = []
    petugas = Person(browser, server, "petugas", viewport, shots, f"unstaffed-{viewport['width']}-")
    petugas.go("/staf/tugas")
    petugas.page.click("a:has-text('Lihat tugas tanpa petugas')")
    petugas.shot("tanpa-petugas")
    card = petugas.page.locator(f"[data-unstaffed='{number}']")
    assert "Jawab permohonan" in card.inner_text()
    assert petugas.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    card.locator("select[name='opd']").select_option("DINKES")
    card.locator("textarea[name='alasan']").fill("Petugas DISDIK belum ada")
    card.locator("button:has-text('Teruskan')").click()
    petugas.shot("diteruskan")
    assert f"Kasus {number} diteruskan ke Dinas Kesehatan." in petugas.page.content()
    db.session.remove()
    assert db.session.scalar(db.select(HumanTask.opd_code).filter_by(registration_number=number)) == "DINKES"
