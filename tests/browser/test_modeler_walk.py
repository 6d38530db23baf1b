"""The process modeler in a real browser (issue 17): bpmn-js from our own server, under our CSP."""
from __future__ import annotations

import gzip
from urllib.parse import urlparse

import pytest

from tests.browser.test_walk_through_pages import DESK, Person, browser, server  # noqa: F401
from tests.support import PROCESS

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
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


def select_element(person: Person, element_id: str):
    """Bring an element into view at full size, then click it (its hit area) as the owner does."""
    person.page.evaluate("""id => { const m = window.ppidModeler, canvas = m.get('canvas');
        canvas.zoom(1); canvas.scrollToElement(m.get('elementRegistry').get(id)); }""", element_id)
    person.page.locator(f"#modeler-canvas .djs-element[data-element-id='{element_id}'] .djs-hit").first.click(force=True)
    person.page.wait_for_selector(f"#modeler-panel[data-element-id='{element_id}']")


def saved_xml(person: Person) -> str:
    return person.page.evaluate("window.ppidModeler.saveXML().then(r => r.xml)")


def test_the_panel_writes_timers_in_working_days_roles_forms_conditions_and_notifications(server, browser, owner):
    person = Person(browser, server, "pemilik", DESK, [], "modeler-panel-")
    open_modeler(person)
    select_element(person, "Timer_Target4HK")
    assert person.page.input_value("#prop-timer-days") == "4 hari kerja"
    person.page.fill("#prop-timer-days", "5 hari kerja")
    expect(person.page.locator("#prop-timer-expression")).to_have_value("hari_kerja(5, sejak=tanggal_diterima)")
    person.page.wait_for_selector("#prop-timer-due.check-ok")
    assert "Untuk permohonan yang diterima sekarang:" in person.page.inner_text("#prop-timer-due")
    person.shot("timer")
    xml = saved_xml(person)
    assert "hari_kerja(5, sejak=tanggal_diterima)" in xml and 'name="Target layanan 5 hari kerja"' in xml
    assert person.page.input_value("#prop-name") == "Target layanan 5 hari kerja"


def test_the_panel_checks_conditions_as_they_are_typed_and_sets_roles_forms_and_notifications(server, browser, owner):
    person = Person(browser, server, "pemilik", DESK, [], "modeler-panel-")
    open_modeler(person, "pengaduan_layanan")
    select_element(person, "Flow_PengaduanTidakDapat")
    condition = person.page.locator("#prop-condition")
    assert "tidak_dapat" in condition.input_value()
    condition.fill('status_akhir = "tidak_dapat_ditindaklanjuti"')
    expect(person.page.locator("#prop-condition-check[data-ok='0']")).to_contain_text("==")
    condition.fill('status_akhr == "tidak_dapat_ditindaklanjuti"')
    expect(person.page.locator("#prop-condition-check[data-ok='1']")).to_contain_text("status_akhr")
    person.shot("syarat")
    condition.fill('status_akhir == "tidak_dapat_ditindaklanjuti"')
    expect(person.page.locator("#prop-condition-check[data-ok='1']")).not_to_contain_text("periksa ejaannya")

    select_element(person, "Lane_OPDPengaduan")
    person.page.select_option("#prop-role", "diskominfo")
    select_element(person, "Activity_TerimaPengaduan")
    person.page.select_option("#prop-form", "periksa_kelengkapan")
    select_element(person, "Activity_CatatPengaduanDiterima")
    person.page.select_option("#prop-notify-to", "diskominfo")
    person.page.select_option("#prop-notify-template", "pengaduan_diterima")
    person.page.click("button:has-text('Tambah pemberitahuan')")
    expect(person.page.locator("#prop-notifications")).to_contain_text("pengaduan_diterima \u2192 diskominfo")
    person.shot("pemberitahuan")
    xml = saved_xml(person)
    assert 'status_akhir == "tidak_dapat_ditindaklanjuti"' in xml.replace("&#34;", '"').replace("&quot;", '"')
    assert 'id="Lane_OPDPengaduan" name="diskominfo"' in xml
    assert 'value="periksa_kelengkapan.schema.json"' in xml and 'value="periksa_kelengkapan.uischema.json"' in xml
    assert 'kirim_pemberitahuan("diskominfo", "pengaduan_diterima")' in xml.replace("&#34;", '"').replace("&quot;", '"')


TELAAH_SCHEMA = """{
  "title": "Telaah hukum",
  "type": "object",
  "required": ["rekomendasi_hukum", "pertimbangan_hukum"],
  "properties": {
    "rekomendasi_hukum": {"type": "string", "title": "Rekomendasi",
      "oneOf": [{"const": "dapat_diberikan", "title": "Dapat diberikan"}, {"const": "dikecualikan", "title": "Dikecualikan"}]},
    "pertimbangan_hukum": {"type": "string", "title": "Pertimbangan hukum", "minLength": 1, "maxLength": 4000}
  }
}"""
TELAAH_UI = '{"rekomendasi_hukum": {"ui:widget": "radio"}, "pertimbangan_hukum": {"ui:widget": "textarea"}}'


def make_form_in_editor(editor: Person, shots_prefix: str = "formulir"):
    """In the form editor (already open): type the schema and the UI schema, see the live form, try it, save."""
    page = editor.page
    page.fill("#form-schema", '{"type": "object", "properties": {"a": {"type": "teks"}}}')
    expect(page.locator("#form-problems")).to_contain_text("tidak dikenal")
    page.fill("#form-schema", TELAAH_SCHEMA)
    page.fill("#form-uischema", TELAAH_UI)
    expect(page.locator("#form-preview textarea[name='pertimbangan_hukum']")).to_be_visible()
    expect(page.locator("#form-problems")).to_be_empty()
    page.click("#form-try")
    expect(page.locator("#form-preview")).to_contain_text("Wajib diisi.")
    editor.shot(f"{shots_prefix}-pratinjau")
    page.click("button:has-text('Simpan formulir ke draf')")
    expect(page.locator(".flash")).to_contain_text("disimpan ke draf")


def test_the_form_editor_shows_the_live_form_and_the_server_messages(server, browser, owner):
    person = Person(browser, server, "pemilik", DESK, [], "modeler-form-")
    open_modeler(person, "pengaduan_layanan")
    person.page.click("button:has-text('Simpan draf')")
    expect(person.page.locator("h1")).to_contain_text("Draf:")
    person.page.goto(person.page.url.split("#")[0] + "/formulir/telaah_hukum")
    make_form_in_editor(person)
    assert '"pertimbangan_hukum"' in person.page.input_value("#form-schema")
