"""Staff and public pages read well on a phone and on a desk (issue 12, item 10): charts keep their
names and counts at body size, tables become cards, nothing scrolls sideways, nothing is clipped."""
from __future__ import annotations

import pytest
import time_machine

from app.persistence.models import db

from tests.browser.test_walk_through_pages import DESK, PHONE, Person, browser, server  # noqa: F401
from tests.support import REFUSAL, Driver, wib

pytestmark = pytest.mark.browser

PAGES = [("tamu", "/statistik?tahun=2026", "statistik"), ("kepala", "/audit/laporan?tahun=2026", "laporan-tahunan"),
         ("petugas", "/staf/kasus/{reg}", "berkas-kasus"), ("admin", "/admin/opd", "admin-opd")]


class Guest(Person):
    def __init__(self, browser, base, viewport, shots, prefix):  # noqa: D107 - no sign-in
        self.prefix, self.base, self.username, self.shots = prefix, base, "tamu", shots
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360", "1280"])
def test_charts_tables_and_cards_fit_the_screen(server, browser, viewport):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        for _ in range(3):
            drive.start()
    db.session.remove()
    size, shots = viewport["width"], []
    for persona, url, name in PAGES:
        who = Guest(browser, server, viewport, shots, f"phone-{size}-") if persona == "tamu" else \
            Person(browser, server, persona, viewport, shots, f"phone-{size}-")
        who.go(url.format(reg=reg))
        who.shot(name)
        page = who.page
        assert page.evaluate("document.documentElement.scrollWidth") <= size, (url, "scrolls sideways")
        for selector in (".bar-name", ".bar-value"):
            for handle in page.query_selector_all(selector):
                px = float(handle.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
                assert px >= 11, (url, selector, px)
        for figure in page.query_selector_all("figure.bars"):  # every count inside its chart, not clipped
            box = figure.bounding_box()
            for value in figure.query_selector_all(".bar-value"):
                inner = value.bounding_box()
                assert inner["x"] >= box["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5, url
        if size == DESK["width"]:  # at a desk no table hides columns behind a sideways scroll
            for region in page.query_selector_all(".table-wrap"):
                widths = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
                assert widths[0] <= widths[1], (url, region.get_attribute("aria-label"), widths)
        if size == PHONE["width"]:
            for cell in page.query_selector_all("table.stack td[data-label]"):
                assert cell.evaluate("e => getComputedStyle(e).display") == "block"
        who.context.close()
