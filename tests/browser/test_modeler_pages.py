"""The process modeler in a real browser (issue 17): bpmn-js from our own server, under our CSP."""
from __future__ import annotations

import gzip
from urllib.parse import urlparse

import pytest

from tests.browser.test_walk_through_pages import DESK, Person, browser, server  # noqa: F401
from tests.support import PROCESS

pytestmark = pytest.mark.browser
PAGE_BUDGET = 1_000_000  # bytes transferred, gzipped


class Traffic:
    """Every request a page makes, the bytes of every answer (gzipped, as a compressing server sends them),
    and the console errors (a CSP refusal shows there)."""

    def __init__(self, page):
        self.urls: list[str] = []
        self.sizes: dict[str, int] = {}
        self.errors: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("response", self._answer)
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _answer(self, response):
        try:
            self.sizes[response.url] = len(gzip.compress(response.body()))
        except Exception:  # noqa: BLE001 - redirects have no body
            self.sizes[response.url] = 0

    def outside(self, base: str) -> list[str]:
        ours = urlparse(base).netloc
        return [u for u in self.urls if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != ours]


def open_modeler(person: Person, process_id: str = PROCESS) -> Traffic:
    traffic = Traffic(person.page)
    person.go(f"/proses/{process_id}/ubah")
    person.page.wait_for_selector("#modeler-canvas[data-ready='1']")
    return traffic


def test_the_modeler_page_loads_from_our_server_alone_under_a_megabyte(server, browser, owner):
    owner_person = Person(browser, server, "pemilik", DESK, [], "modeler-")
    traffic = open_modeler(owner_person)
    owner_person.shot("dibuka")
    assert traffic.outside(server) == []
    assert traffic.errors == []
    assert 0 < sum(traffic.sizes.values()) < PAGE_BUDGET, traffic.sizes
    shapes = owner_person.page.locator("#modeler-canvas .djs-element[data-element-id='Timer_Target4HK']")
    assert shapes.count() == 1
    watermark = owner_person.page.locator("#modeler-canvas a.bjs-powered-by")
    assert watermark.is_visible() and "bpmn.io" in watermark.get_attribute("href")
