"""Every page a person can reach speaks Indonesian: no raw keys, no leftover English.

Each persona signs in and walks every GET page it can reach: the routes without
arguments, then every same-site link found on the pages (case numbers, task links,
version and user ids come from the pages themselves, so the test follows whatever
identity the links use). The visible text (tags, scripts, styles and attribute values
stripped) must not hold a snake_case key, an English word, a role key, an OPD code
shown without its name, or a word repeated twice in a row.
"""
from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine

from app.persistence.models import Opd, db
from tests.support import REFUSAL, ComplaintDriver, Driver, sign_in, wib

START = wib(2026, 3, 2)
PERSONAS = ["pemohon", "petugas", "opd", "atasan", "auditor", "pemilik", "admin"]
MAX_PAGES = 400  # per persona: a guard against a link that generates endless pages

SNAKE = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b")
ENGLISH = re.compile(r"\b(deployed|version|task|tasks|submitted|pending|completed|ready|waiting|"
                     r"none|null|true|false|undefined)\b", re.IGNORECASE)
ROLE_KEYS = re.compile(r"\b(diskominfo|atasan_ppid|process_owner|kepala_diskominfo)\b")  # lower case = a key
REPEATED = re.compile(r"\b(\w{3,})\s+\1\b", re.IGNORECASE)
EMAIL = re.compile(r"\S+@\S+")
FILE_NAME = re.compile(r"\S+\.(json|bpmn|pdf|zip|csv|xes|xlsx)\b")  # a file is named by its name


# Diagram SVGs are drawn from the BPMN (lane labels are item 11 of the issue, another part);
# <code> marks an identifier shown on purpose (BPMN element ids for the process owner).
HIDDEN = ("script", "style", "template", "svg", "code")


BLOCKS = ("p", "dd", "dt", "li", "td", "th", "h1", "h2", "h3", "label", "button", "caption", "legend")


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles; and the text of each
    paragraph-like element as one line (where a word said twice in a row would be read)."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.lines: list[str] = []
        self.open: list[list[str]] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.open.append([])

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag in BLOCKS and self.open:
            self.lines.append(" ".join(self.open.pop()))

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.chunks.append(" ".join(data.split()))
            if self.open:
                self.open[-1].append(self.chunks[-1])


def visible(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def problems(page: VisibleText, opds: dict[str, str]) -> list[str]:
    found = []
    for chunk in page.chunks:
        text = FILE_NAME.sub("", EMAIL.sub("", chunk))
        for pattern, what in ((SNAKE, "raw key"), (ROLE_KEYS, "role key")):
            found += [f"{what} {m.group(0)!r} in {chunk!r}" for m in pattern.finditer(text)]
        found += [f"English {m.group(0)!r} in {chunk!r}" for m in ENGLISH.finditer(text)]
        codes = [c for c in opds if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
        if codes and (re.fullmatch(r"[A-Z0-9-]+(, [A-Z0-9-]+)*", text) or re.search(r"\bOPD [A-Z]{2,}", text)):
            found.append(f"OPD code shown without its name in {chunk!r}")
    # a word said twice in a row, also across the elements of one line ("Status: Selesai Selesai")
    found += [f"repeated word {m.group(0)!r} in {line!r}" for line in page.lines for m in REPEATED.finditer(line)]
    return found


@pytest.fixture
def cases(app):
    """Cases on several paths: new, at the OPD, refused and objected, granted, a complaint."""
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        drive.start()
        at_opd = drive.start()
        drive.walk(at_opd, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        refused = drive.start()
        drive.walk(refused, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(refused, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.do(refused, "Activity_AjukanKeberatan")
        granted = drive.start()
        drive.walk(granted, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
                   "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
        complaints = ComplaintDriver(traveller)
        complaint = complaints.start()
        complaints.do(complaint, "Activity_TerimaPengaduan")
    db.session.remove()
    return [at_opd, refused, granted, complaint]


def start_urls(app) -> list[str]:
    """Every GET route that takes no argument."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments)


def worth_visiting(url: str) -> bool:
    path = urlsplit(url).path
    return (path.startswith("/") and not path.startswith(("/static/", "/api/", "/keluar", "/lampiran/"))
            and not path.endswith((".pdf", ".zip", ".csv", ".xes", ".json", ".xlsx", ".bpmn", "/bpmn")))


LINK = re.compile(r'href="([^"#]+)')


def walk(client, app) -> dict[str, list[str]]:
    """url -> problems, for every HTML page reachable from the start pages."""
    opds = {o.code: o.name for o in db.session.scalars(db.select(Opd))}
    db.session.remove()
    queue = deque(u for u in start_urls(app) if worth_visiting(u))
    seen, report = set(queue), {}
    while queue and len(report) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        # the OPD administration page is where the codes themselves are kept
        report[url] = problems(visible(html), {} if url == "/admin/opd" else opds)
        for href in LINK.findall(html):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.netloc or not worth_visiting(href):
                continue
            target = parts.path  # query variants (filters, pages) show the same words
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return report


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_speaks_indonesian(app, client, cases, persona):
    sign_in(client, persona)
    report = walk(client, app)
    assert len(report) > 5, sorted(report)
    # the case pages were reached through their links
    assert any(any(reg in url for reg in cases) for url in report) or persona in ("pemilik", "admin")
    bad = {url: found for url, found in report.items() if found}
    assert not bad, "\n".join(f"{url}: {item}" for url, found in bad.items() for item in found)


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype.startswith("image/")
    assert 'rel="icon"' in client.get("/masuk").get_data(as_text=True)


def test_the_anonymous_pages_speak_indonesian(app, client, cases):
    report = walk(client, app)
    bad = {url: found for url, found in report.items() if found}
    assert not bad, "\n".join(f"{url}: {item}" for url, found in bad.items() for item in found)


def test_versions_are_numbered_within_their_process(client):
    """Version ids are shared by every process; a process with one version shows "versi 1"."""
    from app.persistence.models import ProcessVersion

    sign_in(client, "pemilik")
    for version in db.session.scalars(db.select(ProcessVersion)).all():
        html = client.get(f"/proses/{version.id}").get_data(as_text=True)
        assert re.search(r"<h1>[^<]*versi 1\b", html), (version.process_id, version.id)
