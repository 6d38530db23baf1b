"""A real browser (Debian's chromium, driven by Playwright) walks whole cases through the pages.

Screenshots of every page it passes are saved under test-artifacts/browser/ (phone-sized for the
applicant, desktop-sized for staff).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.persistence.models import db

from tests.conftest import PASSWORD
from tests.support import REQUEST

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
       b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def server(app):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


class Person:
    """One signed-in person in their own browser context."""

    def __init__(self, browser, base, username, viewport, shots, prefix=""):
        self.prefix = prefix
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.base, self.username, self.shots = base, username, shots
        self.go("/masuk")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button:has-text('Masuk')")

    def go(self, path):
        self.page.goto(self.base + path)

    def shot(self, name):
        self.shots.append(name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.prefix}{len(self.shots):02d}-{self.username}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def fill(self, values: dict, files: dict | None = None):
        for name, value in values.items():
            field = self.page.locator(f"[name='{name}']").first
            kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if kind == "input:radio":
                self.page.check(f"input[name='{name}'][value='{value}']")
            elif kind == "input:checkbox" and isinstance(value, list):  # several choices: tick each
                for one in value:
                    self.page.check(f"input[name='{name}'][value='{one}']")
            elif kind.startswith("select"):
                self.page.select_option(f"[name='{name}']", value)
            else:
                field.fill(value)
        for name, (filename, content) in (files or {}).items():
            self.page.set_input_files(f"[name='{name}']", files=[
                {"name": filename, "mimeType": "image/png", "buffer": content}])

    def fetch_link(self, text) -> bytes:
        """Download what a link on the page points to, with this person's session."""
        href = self.page.locator(f"a:has-text('{text}')").first.get_attribute("href")
        response = self.context.request.get(self.base + href)
        assert response.ok, response.status
        return response.body()

    def submit(self, label="Kirim"):
        self.page.click(f"button[type=submit]:has-text('{label}')")

    def open_task(self, number, title):
        self.go("/staf/tugas")
        row = self.page.locator("tr", has_text=number).filter(has_text=title)
        row.locator("a:has-text('Kerjakan')").click()
        assert title in self.page.content()


def _new_request(applicant: Person) -> str:
    applicant.go("/permohonan/baru")
    applicant.shot("formulir-permohonan")
    values = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    applicant.fill(values, files={"lampiran_identitas": ("ktp.png", PNG)})
    applicant.submit("Kirim Permohonan")
    text = applicant.page.content()
    number = re.search(r"PPID-\d{4}-\d{5}", text).group(0)
    applicant.shot("permohonan-terkirim")
    return number


def _staff_through_notice(petugas: Person, opd: Person, number: str, notice: dict):
    petugas.open_task(number, "Periksa kelengkapan")
    petugas.shot("periksa-kelengkapan")
    petugas.fill({"kelengkapan": "lengkap"})
    petugas.submit()
    petugas.shot("daftar-tugas")
    petugas.open_task(number, "Teruskan ke OPD")
    petugas.fill({"opd": "DISDIK", "catatan_disposisi": "Mohon dijawab"})
    petugas.shot("teruskan-ke-opd")
    petugas.submit()
    opd.open_task(number, "Jawab permohonan")
    opd.shot("jawab-permohonan")
    opd.fill({"informasi_dikuasai": "ya", "usulan_keputusan": notice["keputusan"], "jawaban_opd": "Terlampir"})
    opd.submit()
    petugas.open_task(number, "Terbitkan pemberitahuan tertulis")
    petugas.fill(notice)
    petugas.shot("pemberitahuan-tertulis")
    petugas.submit()


def test_a_granted_request_walks_through_the_pages(server, browser):
    shots = []
    applicant = Person(browser, server, "pemohon", PHONE, shots, "granted-")
    petugas = Person(browser, server, "petugas", DESK, shots, "granted-")
    opd = Person(browser, server, "opd", DESK, shots, "granted-")
    number = _new_request(applicant)
    _staff_through_notice(petugas, opd, number, {
        "keputusan": "diterima_seluruhnya", "bentuk_informasi": "Salinan PDF", "isi_pemberitahuan": "Diberikan",
        "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email"})
    applicant.go(f"/permohonan/{number}")
    applicant.shot("kasus-diterima")
    assert "Diterima Seluruhnya" in applicant.page.content()
    assert applicant.fetch_link("Pemberitahuan Tertulis (PDF)").startswith(b"%PDF")
    applicant.go(f"/cek/{number}")
    applicant.shot("cek-status-publik")
    assert REQUEST["nik"] not in applicant.page.content()
    assert len(list(ARTIFACTS.glob("granted-*.png"))) == len(shots) == 9


def test_a_refusal_objection_and_dispute_walk_through_the_pages(server, browser):
    shots = []
    applicant = Person(browser, server, "pemohon", PHONE, shots, "refusal-")
    petugas = Person(browser, server, "petugas", DESK, shots, "refusal-")
    opd = Person(browser, server, "opd", DESK, shots, "refusal-")
    atasan = Person(browser, server, "atasan", DESK, shots, "refusal-")
    number = _new_request(applicant)
    _staff_through_notice(petugas, opd, number, {
        "keputusan": "ditolak", "dasar_penolakan": ["h"], "uji_konsekuensi": "Membuka data pribadi",
        "jangka_waktu_pengecualian": "5 tahun", "isi_pemberitahuan": "Ditolak"})
    applicant.go(f"/permohonan/{number}")
    assert "Ditolak" in applicant.page.content()
    applicant.page.click("a:has-text('Ajukan keberatan')")
    applicant.fill({"ajukan_keberatan": "ya", "alasan_keberatan": ["a"], "uraian_keberatan": "Bukan rahasia"})
    applicant.shot("ajukan-keberatan")
    applicant.submit()
    atasan.open_task(number, "Putuskan keberatan")
    atasan.fill({"keputusan_keberatan": "ditolak", "pertimbangan_keberatan": "Dikecualikan",
                 "nama_atasan": "Drs. Hadi Wibowo", "jabatan_atasan": "Sekretaris Daerah"})
    atasan.shot("putuskan-keberatan")
    atasan.submit()
    applicant.go(f"/permohonan/{number}")
    applicant.page.click("a:has-text('Ajukan sengketa informasi')")
    applicant.fill({"ajukan_sengketa": "ya", "tanggal_pengajuan_sengketa": "2026-05-04",
                    "nomor_register_ki": "KI-JTM/1/V/2026", "uraian_sengketa": "Keberatan ditolak"})
    applicant.shot("ajukan-sengketa")
    applicant.submit()
    applicant.go(f"/permohonan/{number}")
    applicant.shot("kasus-sengketa")
    assert applicant.fetch_link("Berkas Sengketa Informasi (ZIP)").startswith(b"PK")
