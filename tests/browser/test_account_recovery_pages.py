"""Getting back into an account in a real browser, at phone and desk widths (issue 12, item 7):
Masuk -> Lupa kata sandi -> the link from the mail -> a new password -> signed in with it."""
from __future__ import annotations

import re

import pytest

from app.persistence.models import Outbox, db

from tests.browser.test_walk_through_pages import ARTIFACTS, DESK, PHONE, browser, server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360", "1280"])
def test_a_forgotten_password_is_reset_by_the_link_in_the_mail(server, browser, viewport):
    size = viewport["width"]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    shots = []

    def shot(name):
        shots.append(name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reset-{size}-{len(shots):02d}-{name}.png"), full_page=True)

    page.goto(server + "/masuk")
    shot("masuk")
    page.click("a:has-text('Lupa kata sandi')")
    page.fill("#email", "pemohon@contoh.pasuruankab.go.id")
    shot("lupa-kata-sandi")
    page.click("button:has-text('Kirim')")
    assert "Jika alamat itu terdaftar" in page.content()
    shot("tautan-terkirim")
    db.session.remove()
    mail = db.session.scalar(db.select(Outbox).filter_by(template="atur_ulang_sandi"))
    link = re.search(r"/atur-ulang-sandi/\S+", mail.body).group(0)
    db.session.remove()  # end this thread's transaction: the server writes next
    page.goto(server + link)
    page.fill("#new_password", "sandi-baru-123")
    page.fill("#repeat_password", "sandi-baru-123")
    shot("atur-ulang")
    page.click("button:has-text('Simpan kata sandi')")
    assert "Kata sandi baru telah disimpan" in page.content()
    page.fill("#username", "pemohon")
    page.fill("#password", "sandi-baru-123")
    page.click("button:has-text('Masuk')")
    assert page.url.endswith("/permohonan")
    shot("masuk-dengan-sandi-baru")
    page.goto(server + link)  # the link again: spent
    assert "tidak berlaku lagi" in page.content()
    shot("tautan-terpakai")
    assert page.evaluate("document.documentElement.scrollWidth") <= size
    context.close()
