"""A session that ends while a form is being filled in, in a real browser at phone and desk widths
(issue 12, item 8): the form is sent, the person signs in again and finds the form filled in."""
from __future__ import annotations

import re

import pytest

from app.persistence.models import ProcessInstance, db

from tests.browser.test_walk_through_pages import DESK, PHONE, PNG, Person, browser, server  # noqa: F401
from tests.conftest import PASSWORD
from tests.support import REQUEST

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360", "1280"])
def test_a_form_sent_after_the_session_ended_is_not_lost(server, browser, viewport):
    shots = []
    applicant = Person(browser, server, "pemohon", viewport, shots, f"expired-{viewport['width']}-")
    applicant.go("/permohonan/baru")
    values = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    applicant.fill(values, files={"lampiran_identitas": ("ktp.png", PNG)})
    applicant.shot("formulir-terisi")
    applicant.context.clear_cookies()  # the session ends (expired, signed out in another tab...)
    applicant.submit("Kirim Permohonan")
    applicant.shot("sesi-berakhir")
    assert "Sesi Anda berakhir; masuk lagi lalu kirim ulang" in applicant.page.content()
    applicant.page.fill("#username", "pemohon")
    applicant.page.fill("#password", PASSWORD)
    applicant.page.click("button:has-text('Masuk')")
    assert applicant.page.url.endswith("/permohonan/baru")
    applicant.shot("formulir-dikembalikan")
    assert applicant.page.locator("[name='rincian_informasi']").input_value() == REQUEST["rincian_informasi"]
    assert applicant.page.locator("[name='nik']").input_value() == REQUEST["nik"]
    assert applicant.page.locator("[name='nik']").is_visible()
    assert applicant.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    applicant.fill({}, files={"lampiran_identitas": ("ktp.png", PNG)})  # files are never kept: choose it again
    applicant.submit("Kirim Permohonan")
    applicant.shot("terkirim")
    assert re.search(r"PPID-\d{4}-\d{5}", applicant.page.content())
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 1
