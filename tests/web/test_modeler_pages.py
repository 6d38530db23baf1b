"""The process modeler in the page (issue 17): /proses/<process_id>/ubah opens the newest version in bpmn-js,
served from our own static files."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from lxml import html as lhtml

from app.services.modelling.processes import latest_version

from tests.support import PROCESS, page, sign_in

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app" / "static" / "vendor"


def test_the_modeler_opens_the_newest_version_of_the_process(client, owner):
    sign_in(client, "pemilik")
    body = page(client, f"/proses/{PROCESS}/ubah")
    tree = lhtml.fromstring(body)
    xml = json.loads(tree.get_element_by_id("bpmn-xml").text)
    assert xml == latest_version(PROCESS).bpmn_xml.decode("utf-8")
    assert json.loads(tree.get_element_by_id("modeler-data").text)["problems"] == []
    scripts = [s.get("src") for s in tree.xpath("//script[@src]")]
    assert "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in scripts and "/static/modeler.js" in scripts
    assert not [s for s in scripts + tree.xpath("//link/@href") if s.startswith(("http:", "https:", "//"))]


def test_the_process_list_links_each_process_to_its_modeler(client, owner):
    sign_in(client, "pemilik")
    assert f'href="/proses/{PROCESS}/ubah"' in page(client, "/proses")


def test_an_unknown_process_has_no_modeler(client, owner):
    sign_in(client, "pemilik")
    page(client, "/proses/tidak_ada/ubah", status=404)


def test_the_vendored_bundle_is_served_with_its_version_and_licence(client, owner):
    readme = (VENDOR / "README").read_text()
    assert "bpmn-js 18.31.1" in readme
    licence = (VENDOR / "bpmn-js" / "LICENSE").read_text()
    assert "watermark" in licence and "MUST NOT be" in licence
    bundle = client.get("/static/vendor/bpmn-js/bpmn-modeler.production.min.js")
    assert bundle.status_code == 200 and b"bpmn-js - bpmn-modeler v18.31.1" in bundle.data[:200]
    assert len(gzip.compress(bundle.data)) < 200_000
    for asset in ("assets/diagram-js.css", "assets/bpmn-js.css", "assets/bpmn-font/css/bpmn.css",
                  "assets/bpmn-font/font/bpmn.woff2"):
        assert client.get(f"/static/vendor/bpmn-js/{asset}").status_code == 200, asset


# --------------------------------------------------------------------------- drafts: save, check, deploy

def _complaint() -> str:
    return latest_version("pengaduan_layanan").bpmn_xml.decode()


def _new_draft(client, xml: str, title: str = "Draf uji") -> str:
    response = client.post("/proses/pengaduan_layanan/draf", data={"bpmn_xml": xml, "title": title})
    assert response.status_code == 302 and "/proses/draf/" in response.headers["Location"]
    return response.headers["Location"]


def test_the_modeler_keeps_its_diagram_as_a_draft_listed_for_its_owner(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint().replace("hari_kerja(3, sejak", "hari_kerja(4, sejak"), "Penerusan 4 hari")
    tree = lhtml.fromstring(page(client, url))
    assert "hari_kerja(4, sejak=tanggal_pengaduan)" in json.loads(tree.get_element_by_id("bpmn-xml").text)
    assert tree.xpath("//form[@data-modeler-save]//button[normalize-space()='Periksa']")
    assert "Penerusan 4 hari" in page(client, "/proses")
    sign_in(client, "admin")
    page(client, url, status=404)
    assert "Penerusan 4 hari" not in page(client, "/proses")


def test_periksa_lists_each_problem_and_hands_the_elements_to_the_diagram(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    broken = _complaint().replace('value="terima_pengaduan.schema.json"', 'value="tidak_ada.schema.json"')
    response = client.post(url + "/periksa", data={"bpmn_xml": broken})
    assert response.status_code == 302 and response.headers["Location"].endswith("#periksa")
    tree = lhtml.fromstring(page(client, url))
    assert json.loads(tree.get_element_by_id("modeler-data").text)["problems"][0]["element_id"] == \
        "Activity_TerimaPengaduan"
    assert tree.xpath("//table[contains(@class,'problems')]//a[@data-show-element='Activity_TerimaPengaduan']")
    assert not tree.xpath("//form[@id='terapkan']")


def test_a_checked_draft_shows_its_differences_and_deploys_as_a_new_version(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    changed = _complaint().replace("hari_kerja(3, sejak", "hari_kerja(4, sejak")
    client.post(url + "/periksa", data={"bpmn_xml": changed})
    tree = lhtml.fromstring(page(client, url))
    row = tree.xpath("//table[contains(@class,'diff-changed')]//tr[@data-element-id='Timer_BatasPenerusan3HK']")[0]
    assert "hari_kerja(4, sejak=tanggal_pengaduan)" in row.text_content()
    assert tree.xpath("//form[@id='terapkan']")
    before = latest_version("pengaduan_layanan").id
    body = client.post(url + "/terapkan", data={"note": "Penerusan 4 hari kerja"}).get_data(as_text=True)
    assert "dipasang" in body
    version = latest_version("pengaduan_layanan")
    assert version.id != before and version.note == "Penerusan 4 hari kerja"
    assert b"hari_kerja(4, sejak=tanggal_pengaduan)" in (owner.processes / "pengaduan_layanan.bpmn").read_bytes()
    page(client, url, status=404)  # a deployed draft is closed


def test_a_draft_is_deleted_by_its_owner(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    assert client.post(url + "/hapus").status_code == 302
    page(client, url, status=404)


# --------------------------------------------------------------------------- the properties panel's questions

def test_the_panel_is_given_the_roles_forms_and_mail_templates(client, owner):
    sign_in(client, "pemilik")
    data = json.loads(lhtml.fromstring(page(client, f"/proses/{PROCESS}/ubah")).get_element_by_id("modeler-data").text)
    roles = [r["key"] for r in data["roles"]]
    assert {"pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_diskominfo"} <= set(roles)
    assert not {"auditor", "process_owner", "admin"} & set(roles)
    assert "periksa_kelengkapan" in data["forms"] and "periksa_kelengkapan" in data["with_ui"]
    assert {"key": "target_terlewati", "label": "Target layanan terlewati"} in data["templates"]
    assert data["urls"]["timer"] == "/proses/modeler/timer" and data["draft_id"] is None


def test_a_timer_typed_in_working_days_comes_back_as_its_expression_and_date(client, owner):
    import time_machine
    from tests.support import wib

    with time_machine.travel(wib(2026, 3, 2, 9), tick=False):
        sign_in(client, "pemilik")
        answer = client.get("/proses/modeler/timer?teks=5+hari+kerja&sejak=tanggal_diterima").get_json()
        assert answer["ok"] and answer["expression"] == "hari_kerja(5, sejak=tanggal_diterima)"
        assert answer["due_text"] == "Senin, 9 Maret 2026 23:59 WIB" and answer["days"] == 5
        existing = client.get("/proses/modeler/timer", query_string={"ekspresi": "hari_kerja(3)"}).get_json()
        assert existing["ok"] and existing["days"] == 3 and existing["since"] == ""
        assert not client.get("/proses/modeler/timer?teks=lima").get_json()["ok"]
        assert "tidak dapat dihitung" in client.get("/proses/modeler/timer", query_string={
            "ekspresi": "hari_kerja(tanggal_tidak_ada)"}).get_json()["message"]


def test_a_condition_is_checked_against_the_process_forms_and_scripts(client, owner):
    sign_in(client, "pemilik")

    def ask(text, **more):
        return client.get("/proses/modeler/syarat", query_string={"proses": "pengaduan_layanan", "teks": text,
                                                                   **more}).get_json()

    assert ask('status_akhir == "selesai"') == {"ok": True, "messages": [], "warnings": [], "unknown": []}
    typo = ask('status_akhr == "selesai"')
    assert typo["ok"] and typo["unknown"] == ["status_akhr"] and "periksa ejaannya" in typo["warnings"][0]
    assert not ask('status_akhir = "selesai"')["ok"]
    url = _new_draft(client, _complaint())
    draft_id = int(url.rsplit("/", 1)[1])
    from app.services.modelling.drafts import save_draft
    from tests.support import actor, now
    save_draft(actor("pemilik"), draft_id, now(), forms={"telaah.schema.json": json.dumps(
        {"type": "object", "properties": {"rekomendasi": {"type": "string"}}})})
    assert ask('rekomendasi == "x"')["unknown"] == ["rekomendasi"]
    assert ask('rekomendasi == "x"', draf=draft_id)["unknown"] == []


# --------------------------------------------------------------------------- the form editor

TELAAH = {"title": "Telaah hukum", "type": "object", "required": ["pertimbangan_hukum"],
          "properties": {"pertimbangan_hukum": {"type": "string", "title": "Pertimbangan hukum", "maxLength": 10}}}


def test_the_form_editor_opens_a_form_of_forms_or_a_new_one_beside_its_preview(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    tree = lhtml.fromstring(page(client, url + "/formulir/pengaduan"))
    assert json.loads(tree.get_element_by_id("form-schema").text) == \
        json.loads((owner.forms / "pengaduan.schema.json").read_text())
    preview = tree.get_element_by_id("form-preview")
    assert preview.xpath(".//*[@name='uraian_pengaduan']") or preview.xpath(".//textarea|.//input")
    fresh = lhtml.fromstring(page(client, url + "/formulir/telaah_hukum"))
    assert json.loads(fresh.get_element_by_id("form-schema").text)["title"] == "Telaah hukum"
    assert client.get(url + "/formulir?nama=telaah_hukum.schema.json").headers["Location"].endswith(
        "/formulir/telaah_hukum")
    page(client, url + "/formulir/Bukan-Nama", status=404)


def test_a_form_saved_in_the_editor_is_kept_with_the_draft_even_with_problems(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    response = client.post(url + "/formulir/telaah_hukum", data={"schema": "{ salah", "uischema": ""},
                           follow_redirects=True)
    assert "masih ada 1 masalah" in response.get_data(as_text=True)
    client.post(url + "/formulir/telaah_hukum", data={"schema": json.dumps(TELAAH), "uischema": ""})
    draft_id = int(url.rsplit("/", 1)[1])
    from app.services.modelling.drafts import draft_detail
    from tests.support import actor
    forms = draft_detail(actor("pemilik"), draft_id).forms
    assert json.loads(forms["telaah_hukum.schema.json"]) == TELAAH and forms["telaah_hukum.uischema.json"] == "{}"
    assert 'href="/proses/draf/%d/formulir/telaah_hukum"' % draft_id in page(client, url)


def test_the_preview_renders_the_form_and_says_what_is_wrong_in_indonesian(client, owner):
    sign_in(client, "pemilik")

    def preview(schema, ui="{}", answers=None):
        data = {"schema": schema if isinstance(schema, str) else json.dumps(schema), "uischema": ui}
        if answers is not None:
            data["isian"] = json.dumps(answers)
        return client.post("/proses/formulir/pratinjau", data=data).get_json()

    good = preview(TELAAH, '{"pertimbangan_hukum": {"ui:widget": "textarea"}}')
    assert good["ok"] and 'name="pertimbangan_hukum"' in good["html"] and "<textarea" in good["html"]
    broken = preview('{"type": "object", "properties": {"a": {"type": "teks"}}}')
    assert not broken["ok"] and broken["html"] == "" and "tidak dikenal" in broken["problems"][0]
    assert "tanda koma" in preview('{"type": "object" "a": 1}')["problems"][0]
    tried = preview(TELAAH, answers=[["pertimbangan_hukum", ""]])
    assert tried["errors"] == {"pertimbangan_hukum": ["Wajib diisi."]} and "Wajib diisi." in tried["html"]
    long = preview(TELAAH, answers=[["pertimbangan_hukum", "x" * 11]])
    assert long["errors"] == {"pertimbangan_hukum": ["Paling banyak 10 karakter."]}
    assert preview(TELAAH, answers=[["pertimbangan_hukum", "cukup"]])["errors"] == {}


# --------------------------------------------------------------------------- what-if on past cases

def test_the_what_if_runs_the_saved_draft_on_finished_cases(client, owner):
    import time_machine
    from tests.process_edits import set_service_target
    from tests.support import Driver, wib

    with time_machine.travel(wib(2026, 1, 5), tick=False) as traveller:
        drive = Driver(traveller)
        for received, noticed in ((wib(2026, 1, 5), wib(2026, 1, 7, 14)), (wib(2026, 1, 19), wib(2026, 1, 26, 14))):
            drive.move_to(received)
            number = drive.start()
            drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
            drive.move_to(noticed)
            drive.walk(number, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
            drive.decline_objection(number)
        drive.move_to(wib(2026, 2, 2))
        sign_in(client, "pemilik")
        response = client.post(f"/proses/{PROCESS}/draf", data={
            "bpmn_xml": set_service_target(latest_version(PROCESS).bpmn_xml, 5).decode(), "title": "Target 5"})
        url = response.headers["Location"]
        assert "bagaimana kasus yang lalu" not in page(client, url)  # offered once the draft passed its check
        form = lhtml.fromstring(page(client, url + "/whatif"))
        assert form.xpath("//form[@id='whatif-form']") and not form.xpath("//section[@id='hasil']")
        tree = lhtml.fromstring(page(client, url + "/whatif?jalankan=1&sejak=2026-01-01&jumlah=200"))
    figures = {row.get("data-figure"): [td.text_content() for td in row.findall("td")]
               for row in tree.xpath("//table[contains(@class,'whatif-figures')]//tr[@data-figure]")}
    assert figures["cases"] == ["2", "2"] and figures["met_target"] == ["1", "2"]
    assert "SIMULASI" in tree.get_element_by_id("hasil").text_content()


def test_the_what_if_says_what_it_cannot_read(client, owner):
    sign_in(client, "pemilik")
    url = _new_draft(client, _complaint())
    body = page(client, url + "/whatif?jalankan=1&sejak=kemarin&jumlah=0")
    assert "tulis tanggal seperti 2026-01-31" in body and "Jumlah kasus 1 sampai 1000" in body
    broken = _complaint().replace('value="terima_pengaduan.schema.json"', 'value="tidak_ada.schema.json"')
    client.post(url, data={"bpmn_xml": broken})
    assert "Draf belum lolos pemeriksaan" in page(client, url + "/whatif?jalankan=1")


def test_the_modeler_forms_and_the_preview_carry_the_csrf_token(csrf_app):
    from tests.conftest import PASSWORD, csrf_token

    client = csrf_app.test_client()
    client.post("/masuk", data={"username": "pemilik", "password": PASSWORD, "csrf_token": csrf_token(client)})
    tree = lhtml.fromstring(page(client, "/proses/pengaduan_layanan/ubah"))
    token = tree.xpath("//form[@data-modeler-save]//input[@name='csrf_token']/@value")[0]
    xml = latest_version("pengaduan_layanan").bpmn_xml.decode()
    refused = client.post("/proses/pengaduan_layanan/draf", data={"bpmn_xml": xml})
    assert refused.status_code != 302 or "/proses/draf/" not in refused.headers.get("Location", "")
    made = client.post("/proses/pengaduan_layanan/draf", data={"bpmn_xml": xml, "csrf_token": token})
    assert "/proses/draf/" in made.headers["Location"]
    editor = lhtml.fromstring(page(client, made.headers["Location"] + "/formulir/pengaduan"))
    token = editor.xpath("//form[@id='form-editor']//input[@name='csrf_token']/@value")[0]
    preview = client.post("/proses/formulir/pratinjau", data={"schema": '{"type": "object"}', "csrf_token": token})
    assert preview.status_code == 200 and preview.get_json()["ok"]
    assert client.post("/proses/formulir/pratinjau", data={"schema": '{"type": "object"}'}).status_code != 200
