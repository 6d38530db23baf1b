"""Every page, checked by axe-core in a real browser (issue 12): no serious or critical violation.

axe-core comes with the test extras (axe-playwright-python ships axe.min.js); the pages' CSP is
bypassed for this test alone so the script can be injected. Each page of the authorization
matrix is opened by the first persona allowed to see it, plus the pages no matrix row names
(getting back into an account, an error page), at desk and phone widths, each page's screenshot saved
under test-artifacts/browser/pages-1280/ and pages-360/; and every page the walk-through shows, its task
forms filled in."""
from __future__ import annotations

import re

import pytest

from tests.browser import test_walk_through_pages as walk
from tests.browser.test_walk_through_pages import CHROMIUM, DESK, PHONE, browser, server  # noqa: F401
from tests.conftest import PASSWORD
from tests.web.test_authorization_matrix import GET_ROUTES, PERSONAS, world  # noqa: F401

pytestmark = pytest.mark.browser
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
SEVERE = {"serious", "critical"}
EXTRA_PAGES = [("tamu", "/lupa-kata-sandi"), ("tamu", "/kirim-ulang-konfirmasi"),
               ("tamu", "/atur-ulang-sandi/tidak-berlaku"), ("tamu", "/tidak-ada"), ("petugas", "/staf/tanpa-petugas"),
               ("tamu", "/cek"), ("pemohon", "/ajukan/pengaduan_layanan"), ("auditor", "/audit/register/keberatan")]


def _severe(axe, page, where: str) -> list[str]:
    """The serious and critical violations axe-core finds on the page, one line each with its nodes."""
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in SEVERE:
            nodes = [" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                     for n in violation["nodes"]][:3]
            found.append(f"{where}: {violation['id']} [{violation['impact']}] {nodes}")
    return found


def _pages(world) -> dict[str, list[str]]:
    """persona -> the pages (URLs) they open."""
    pages: dict[str, list[str]] = {}
    for template, allowed, status in GET_ROUTES.values():
        if status != 200 or not allowed:
            continue
        persona = next(p for p in PERSONAS if p in allowed)
        pages.setdefault(persona, []).append(template.format(**world))
    for persona, url in EXTRA_PAGES:
        pages.setdefault(persona, []).append(url)
    return pages


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "360"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(server, browser, world, viewport):
    axe = axe_module.Axe()
    found, checked = [], 0
    for persona, urls in _pages(world).items():
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        if persona != "tamu":
            page.goto(server + "/masuk")
            page.fill("#username", persona)
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Masuk')")
        for url in urls:
            kind = context.request.get(server + url, max_redirects=0).headers.get("content-type") or ""
            if "text/html" not in kind:
                continue  # PDFs, ZIPs, CSV, JSON, SVG: not pages
            page.goto(server + url)
            checked += 1
            found += _severe(axe, page, f"{url} ({persona})")
            shots = walk.ARTIFACTS / f"pages-{viewport['width']}"  # every page, at this width, to look at
            shots.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-")[:80] or "beranda"
            page.screenshot(path=str(shots / f"{persona}-{slug}.png"), full_page=True)
        context.close()
    assert checked >= 38
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("walk_through", [walk.test_a_granted_request_walks_through_the_pages,
                                          walk.test_a_refusal_objection_and_dispute_walk_through_the_pages],
                         ids=["granted", "refusal-objection-dispute"])
def test_no_page_of_the_walk_through_has_a_serious_or_critical_violation(server, browser, monkeypatch, walk_through):
    """The task forms of every step (check, dispatch, answer, notice, objection, its decision, dispute), filled
    in as the walk fills them, each checked by axe-core where the walk takes its screenshot."""
    axe, found, checked = axe_module.Axe(), [], []
    shot = walk.Person.shot

    def shot_and_check(person, name):
        shot(person, name)
        checked.append(name)
        found.extend(_severe(axe, person.page, f"{name} ({person.username}) {person.page.url}"))

    monkeypatch.setattr(walk.Person, "shot", shot_and_check)
    walk_through(server, browser)
    assert len(checked) >= 8
    assert found == [], "\n".join(found)
