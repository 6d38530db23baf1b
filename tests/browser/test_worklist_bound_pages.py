"""The PPID officer's worklist past the count bound, in a real browser at phone and desk width (issue 16 item 5):
the page says "lebih dari 1.000", the pager goes on past the bound to the exact end, the rows keep their order,
and nothing is wider than a phone's screen. Screenshots under test-artifacts/browser/."""
from __future__ import annotations

import re

import pytest

from app.services.casework.tasks import COUNT_BOUND

from tests.browser.test_walk_through_pages import DESK, PHONE, Person, browser, server  # noqa: F401 - fixtures
from tests.web.test_worklist_at_scale import bulk_tasks

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1280px"])
def test_the_worklist_past_the_bound_pages_to_its_end(drive, server, browser, viewport):  # noqa: F811
    drive.start()
    bulk_tasks(COUNT_BOUND + 60, "diskominfo")  # with the real case's check: 1,061 open tasks
    shots: list[str] = []
    officer = Person(browser, server, "petugas", viewport, shots, prefix=f"worklist-bound-{viewport['width']}-")
    officer.go("/staf/tugas")
    text = officer.page.inner_text("body")
    assert "lebih dari 1.000" in text, text[:2000]
    assert officer.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    officer.shot("halaman-1")
    first_due = officer.page.locator("table tbody tr").first.inner_text()
    pages, seen = 1, 0
    while True:
        rows = officer.page.locator("table tbody tr")
        seen += rows.count()
        following = officer.page.locator("a:has-text('Berikutnya')")
        if following.count() == 0:
            break
        following.first.click()
        officer.page.wait_for_load_state()
        pages += 1
        assert pages < 60, "the pager does not end"
    text = officer.page.inner_text("body")
    assert "lebih dari" not in text and re.search(r"1\.061", text), text[:2000]  # the last page counts exactly
    assert seen == COUNT_BOUND + 61
    officer.shot("halaman-terakhir")
    officer.go("/staf/tugas")
    assert officer.page.locator("table tbody tr").first.inner_text() == first_due
    officer.context.close()
