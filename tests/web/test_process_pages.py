"""Process owner pages (/proses): versions, import of an editor's export, a version, diff and migration."""
import io
import json
from pathlib import Path

import pytest
import time_machine
from lxml import html as lhtml

from app.persistence.models import AuditEvent, ProcessInstance, ProcessVersion, db
from app.services.people.accounts import create_user
from app.services.casework.cases import get_case
from app.services.modelling.processes import import_process, latest_version
from app.services.people.roles import add_role
from app.web.processes import IMPORT_BODY_LIMIT

from tests.conftest import PASSWORD
from tests.process_edits import TELAAH_FORMS, add_legal_review, remove_legal_review, set_service_target
from tests.support import PROCESS, Driver, actor, now, page, sign_in, wib

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"
ORIGINAL = (ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes()
TARGET_4 = b"hari_kerja(4, sejak=tanggal_diterima)"
TARGET_5 = b"hari_kerja(5, sejak=tanggal_diterima)"
TO_OPD = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")


def five_day_target(bpmn: bytes = ORIGINAL) -> bytes:
    """The edit a process owner makes in the modeler: the service target of 4 working days becomes 5."""
    assert bpmn.count(TARGET_4) == 1
    return bpmn.replace(TARGET_4, TARGET_5)


@pytest.fixture
def drive(owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        yield Driver(traveller)


def upload(client, bpmn: bytes | None, filename="permohonan_informasi.bpmn", forms=(), note=""):
    data = {"note": note, "forms": [(io.BytesIO(content), name) for name, content in forms]}
    if bpmn is not None:
        data["bpmn"] = (io.BytesIO(bpmn), filename)
    return client.post("/proses/impor", data=data, content_type="multipart/form-data")


def version_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))


def problem_rows(body: str) -> list[tuple[str, str, str, str]]:
    """(element id, name, line, message) of each row of the refusal table."""
    tree = lhtml.fromstring(body)
    return [tuple(" ".join(td.text_content().split()) for td in row.findall("td"))
            for row in tree.xpath(f"//table[{cls('problems')}]/tbody/tr")]


def cls(name: str) -> str:
    """XPath condition: the element has the CSS class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def table_ids(body: str, css: str) -> list[str]:
    return [row.get("data-element-id") for row in lhtml.fromstring(body).xpath(f"//table[{cls(css)}]/tbody/tr")]


# --------------------------------------------------------------------------- list and import

def test_the_versions_page_lists_each_process_with_its_versions_and_the_upload_form(client, owner):
    sign_in(client, "pemilik")
    body = page(client, "/proses")
    v = latest_version(PROCESS)
    tree = lhtml.fromstring(body)
    row = tree.xpath(f'//table[@data-process="{PROCESS}"]//tr[@data-version="{v.id}"]')[0]
    text = " ".join(row.text_content().split())
    assert v.content_hash[:12] in text and v.content_hash not in text and "terbaru" in text
    assert "dipasang dari berkas permohonan_informasi.bpmn" in text
    assert tree.xpath('//table[@data-process="pengaduan_layanan"]')
    form = tree.xpath('//form[@action="/proses/impor"]')[0]
    assert form.get("enctype") == "multipart/form-data"
    assert {i.get("name") for i in form.xpath(".//input | .//textarea")} >= {"bpmn", "forms", "note", "csrf_token"}
    assert form.xpath('.//input[@name="forms"]')[0].get("multiple") is not None


def test_an_edited_export_becomes_the_newest_version(client, owner):
    sign_in(client, "pemilik")
    before = latest_version(PROCESS)

    response = upload(client, five_day_target(), note="Perbup baru: target 5 hari kerja",
                      forms=[("tidak_dipakai.schema.json", b'{"type": "object"}')])

    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    new = latest_version(PROCESS)
    assert new.id != before.id and new.created_by == "pemilik" and new.note == "Perbup baru: target 5 hari kerja"
    assert "Versi 2 dipasang" in body  # the second version of this process and new.content_hash[:12] in body
    assert "formulir tidak_dipakai.schema.json diunggah tetapi tidak dipakai proses ini" in body  # a warning
    assert f'href="/proses/{new.id}"' in body
    assert TARGET_5 in (owner.processes / "permohonan_informasi.bpmn").read_bytes()
    assert not (owner.forms / "tidak_dipakai.schema.json").exists()

    listing = lhtml.fromstring(page(client, "/proses"))
    rows = listing.xpath(f'//table[@data-process="{PROCESS}"]/tbody/tr')
    assert [r.get("data-version") for r in rows] == [str(new.id), str(before.id)]  # newest first
    assert [[b.text for b in r.xpath(f".//span[{cls('badge-ok')}]")] for r in rows] == [["terbaru"], []]
    assert "Perbup baru" in rows[0].text_content()
    assert f'/proses/{before.id}/banding/{new.id}' in lhtml.tostring(rows[1], encoding="unicode")

    again = upload(client, five_day_target())
    assert again.status_code == 200 and "Tidak ada versi baru" in again.get_data(as_text=True)
    assert latest_version(PROCESS).id == new.id


def test_the_normalizations_of_a_camunda_modeler_export_are_shown(client, owner):
    sign_in(client, "admin")
    response = upload(client, (FIXTURES / "camunda_pengaduan.bpmn").read_bytes(), "pengaduan.bpmn")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    items = [" ".join(li.text_content().split())
             for li in lhtml.fromstring(body).xpath(f"//ul[{cls('normalized')}]/li")]
    assert len(items) == 5
    assert any('timeDuration P5D ditulis sebagai teks "P5D"' in item for item in items)
    assert latest_version("pengaduan_camunda").created_by == "admin"


XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE definitions [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
       b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</definitions>\n')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol1 "&lol;&lol;&lol;">\n]>\n'
          b'<lolz>&lol1;</lolz>\n')


@pytest.mark.parametrize("bpmn, stage, expected", [
    (XXE, "xml", ("", "-", "3",
                  "entitas eksternal 'xxe' merujuk file:///etc/passwd: entitas eksternal (XXE) tidak diizinkan")),
    (LAUGHS, "xml", ("", "-", "4", "entitas 'lol1' merujuk entitas lain (lol): pengembangan entitas (billion laughs) "
                                  "tidak diizinkan")),
    (ORIGINAL[: len(ORIGINAL) // 2], "xml", None),
    (ORIGINAL.replace(b'value="periksa_kelengkapan.schema.json"', b'value="periksa_lama.schema.json"'), "lint",
     ("Activity_PeriksaKelengkapan", "Periksa kelengkapan permohonan", None,
      "formulir 'periksa_lama.schema.json': berkas tidak ada di folder forms/ dan tidak ikut diunggah")),
], ids=["doctype-external-entity", "billion-laughs", "malformed-xml", "missing-form"])
def test_a_hostile_or_broken_upload_is_refused_with_every_problem_and_nothing_deployed(client, owner, bpmn, stage,
                                                                                        expected):
    sign_in(client, "pemilik")
    count, deployed = version_count(), (owner.processes / "permohonan_informasi.bpmn").read_bytes()

    response = upload(client, bpmn, note="uji")

    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    tree = lhtml.fromstring(body)
    assert tree.xpath(f"//*[{cls('form-errors')}]")[0].get("data-stage") == stage
    assert "Tidak ada yang dipasang" in body
    rows = problem_rows(body)
    assert rows
    if expected is None:  # malformed: the parser's own words, with the line
        assert len(rows) == 1 and rows[0][3].startswith("XML rusak/malformed di baris") and rows[0][2].isdigit()
    else:
        element_id, name, line, message = expected
        row = next(r for r in rows if r[3] == message)
        assert row[0] == (element_id or "-") and row[1] == name
        assert row[2].isdigit() if line is None else row[2] == line
    assert tree.xpath("//textarea[@id='note']")[0].text == "uji"  # the note is kept for the next try
    assert version_count() == count
    assert (owner.processes / "permohonan_informasi.bpmn").read_bytes() == deployed


def test_every_problem_of_the_failing_stage_is_listed(client, owner):
    sign_in(client, "pemilik")
    bpmn = ORIGINAL.replace(b'value="periksa_kelengkapan.schema.json"', b'value="satu.schema.json"') \
                   .replace(b'value="jawaban_opd.schema.json"', b'value="dua.schema.json"')
    response = upload(client, bpmn)
    assert response.status_code == 422
    messages = [r[3] for r in problem_rows(response.get_data(as_text=True))]
    assert "formulir 'satu.schema.json': berkas tidak ada di folder forms/ dan tidak ikut diunggah" in messages
    assert "formulir 'dua.schema.json': berkas tidak ada di folder forms/ dan tidak ikut diunggah" in messages


def test_a_new_form_uploaded_with_the_bpmn_is_used(client, owner):
    sign_in(client, "pemilik")
    form = json.loads((owner.forms / "periksa_kelengkapan.schema.json").read_text())
    form["properties"]["catatan_tambahan"] = {"type": "string", "title": "Catatan tambahan"}
    bpmn = ORIGINAL.replace(b'value="periksa_kelengkapan.schema.json"', b'value="periksa_kelengkapan_v2.schema.json"')
    response = upload(client, bpmn, forms=[("periksa_kelengkapan_v2.schema.json", json.dumps(form).encode())])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "catatan_tambahan" in latest_version(PROCESS).forms["periksa_kelengkapan_v2.schema.json"]["properties"]
    assert (owner.forms / "periksa_kelengkapan_v2.schema.json").exists()


def test_missing_file_and_wrong_form_files_are_named(client, owner):
    sign_in(client, "pemilik")
    count = version_count()
    response = upload(client, None)
    assert response.status_code == 422 and "Pilih berkas BPMN" in response.get_data(as_text=True)
    response = upload(client, five_day_target(), forms=[("catatan.txt", b"x")])
    assert response.status_code == 422 and "catatan.txt: berkas formulir harus berakhiran .json" in \
        response.get_data(as_text=True)
    assert version_count() == count


def test_an_oversized_upload_gets_a_clear_message(client, owner):
    sign_in(client, "pemilik")
    count = version_count()
    response = upload(client, b"<a>" + b" " * IMPORT_BODY_LIMIT + b"</a>")
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Kiriman lebih dari 4 MB sehingga tidak dapat dibaca; tidak ada yang dipasang" in body
    assert "Berkas BPMN paling besar 2 MB" in body and 'action="/proses/impor"' in body
    # below the request limit but above the BPMN limit: the xml stage names the size
    response = upload(client, b"<a>" + b" " * (3 * 1024 * 1024) + b"</a>")
    assert response.status_code == 422
    assert "lebih dari batas 2048 KiB" in problem_rows(response.get_data(as_text=True))[0][3]
    assert version_count() == count


def test_with_csrf_protection_on_an_oversized_upload_is_refused_before_anything_is_shown(app, owner):
    """CSRF protection reads the body before the role check: managers get the message, others nothing more."""
    app.config["WTF_CSRF_ENABLED"] = True
    huge = b"<a>" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"</a>"
    visitor = upload(app.test_client(), huge)
    assert visitor.status_code == 413
    assert latest_version(PROCESS).content_hash[:12] not in visitor.get_data(as_text=True)
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, "pemilik")
    app.config["WTF_CSRF_ENABLED"] = True
    response = upload(client, huge)
    assert response.status_code == 413 and "sehingga tidak dapat dibaca" in response.get_data(as_text=True)
    petugas = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(petugas, "petugas")
    app.config["WTF_CSRF_ENABLED"] = True
    refused = upload(petugas, huge)
    assert refused.status_code == 413 and 'action="/proses/impor"' not in refused.get_data(as_text=True)


def test_only_process_owners_and_admins_may_use_the_pages(app, owner):
    v = latest_version(PROCESS).id
    urls = ["/proses", f"/proses/{v}", f"/proses/{v}/bpmn", f"/proses/{v}/banding/{v}"]
    visitor = app.test_client()
    for url in urls:
        response = visitor.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], url
    count = version_count()
    for username in ("pemohon", "petugas", "kepala", "opd", "atasan", "auditor"):
        client = sign_in(app.test_client(), username)
        for url in urls:
            page(client, url, 403)
        assert upload(client, five_day_target()).status_code == 403
        assert client.post(f"/proses/{v}/banding/{v}/migrasi", data={"semua": "1"}).status_code == 403
        assert 'href="/proses"' not in page(client, "/kata-sandi")  # no menu entry either
    assert version_count() == count
    assert 'href="/proses"' in page(sign_in(app.test_client(), "pemilik"), "/kata-sandi")


# --------------------------------------------------------------------------- one version

def test_a_version_page_shows_its_diagram_tasks_timers_and_files(client, owner):
    sign_in(client, "pemilik")
    v = latest_version(PROCESS)
    response = client.get(f"/proses/{v.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    tree = lhtml.fromstring(body)

    svg = tree.xpath(f"//*[{cls('diagram-scroll')}]/svg")[0]
    ids = {g.get("data-element-id") for g in svg.iter("{*}g", "g") if g.get("data-element-id")}
    assert {"Activity_PeriksaKelengkapan", "Timer_Target4HK", "Activity_JawabPermohonan"} <= ids
    assert not svg.xpath(".//script") and "script-src 'self'" in response.headers["Content-Security-Policy"]

    task = tree.xpath('//tr[@data-task="Activity_JawabPermohonan"]')[0]
    text = " ".join(task.text_content().split())
    assert "Jawab permohonan" in text and "opd" in text and "jawaban_opd.schema.json" in text
    assert task.xpath(f'.//a[@href="/proses/{v.id}/formulir/jawaban_opd.schema.json"]')
    timer = " ".join(tree.xpath('//tr[@data-timer="Timer_Target4HK"]')[0].text_content().split())
    assert "hari_kerja(4, sejak=tanggal_diterima)" in timer and "tidak menghentikan tugas" in timer

    download = client.get(f"/proses/{v.id}/bpmn")
    assert download.status_code == 200 and download.get_data() == v.bpmn_xml
    assert download.headers["Content-Disposition"] == f'attachment; filename="{PROCESS}-v{v.id}.bpmn"'
    form = client.get(f"/proses/{v.id}/formulir/jawaban_opd.schema.json")
    assert form.status_code == 200 and json.loads(form.get_data()) == v.forms["jawaban_opd.schema.json"]
    assert "attachment" in form.headers["Content-Disposition"]
    page(client, f"/proses/{v.id}/formulir/tidak_ada.schema.json", 404)
    page(client, "/proses/99999", 404)


# --------------------------------------------------------------------------- diff and migration

def test_the_diff_page_lists_the_changed_timer_and_the_cases_that_can_move(client, drive):
    v1 = latest_version(PROCESS).id
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    v2 = import_process(actor("pemilik"), five_day_target(), now(), note="5 hari kerja").version.id
    db.session.remove()
    sign_in(client, "pemilik")

    body = page(client, f"/proses/{v1}/banding/{v2}")

    assert table_ids(body, "diff-changed") == ["Timer_Target4HK"]
    changed_row = lhtml.fromstring(body).xpath(f"//table[{cls('diff-changed')}]/tbody/tr")[0]
    changed = " ".join(changed_row.text_content().split())
    assert "Target layanan 4 hari kerja" in changed
    assert "timer hari_kerja(4, sejak=tanggal_diterima) → hari_kerja(5, sejak=tanggal_diterima)" in changed
    assert table_ids(body, "diff-added") == [] and table_ids(body, "diff-removed") == []
    row = lhtml.fromstring(body).xpath(f'//tr[@data-case="{reg}"]')[0]
    assert row.get("data-movable") == "ya" and row.xpath(f'.//input[@name="nomor"][@value="{reg}"]')
    assert "Jawab permohonan" in row.text_content()
    assert "Siti" not in body  # no personal data on the owner's pages
    page(client, f"/proses/{v1}/banding/{latest_version('pengaduan_layanan').id}", 404)  # another process


def test_a_running_case_is_moved_from_the_page_and_its_history_says_so(client, drive):
    v1 = latest_version(PROCESS).id
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    other = drive.start()
    v2 = import_process(actor("pemilik"), five_day_target(), now()).version.id
    db.session.remove()
    sign_in(client, "pemilik")

    nothing = client.post(f"/proses/{v1}/banding/{v2}/migrasi", data={})
    assert nothing.status_code == 422 and "Pilih sedikitnya satu kasus" in nothing.get_data(as_text=True)
    response = client.post(f"/proses/{v1}/banding/{v2}/migrasi", data={"nomor": [reg, "PPID-TIDAK-ADA"]})

    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    tree = lhtml.fromstring(body)
    assert tree.xpath(f'//tr[@data-case="{reg}"]')[0].get("data-moved") == "ya"
    assert tree.xpath('//tr[@data-case="PPID-TIDAK-ADA"]')[0].get("data-moved") == "tidak"
    db.session.expire_all()
    instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))
    assert instance.version_id == v2
    assert db.session.scalar(db.select(ProcessInstance.version_id).filter_by(registration_number=other)) == v1
    history = get_case(actor("petugas"), reg).history
    assert history[-1].event_type == "case_migrated" and history[-1].actor_name.startswith("Dewi")
    assert history[-1].payload["to_version_id"] == v2
    db.session.remove()
    staff = sign_in(client.application.test_client(), "petugas")
    assert "Dipindah ke versi proses baru" in page(staff, f"/staf/kasus/{reg}")

    rest = client.post(f"/proses/{v1}/banding/{v2}/migrasi", data={"semua": "1"})
    assert rest.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(db.select(ProcessInstance.version_id).filter_by(registration_number=other)) == v2
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .filter_by(event_type="case_migrated")) == 2


def test_a_case_that_cannot_move_is_shown_with_the_reason_and_stays(client, drive):
    add_role(actor("admin"), "bagian_hukum", "Bagian Hukum Setda")
    with_review = add_legal_review(set_service_target(ORIGINAL, 5))
    v2 = import_process(actor("pemilik"), with_review, now(), extra_forms=TELAAH_FORMS).version.id
    at_review = drive.start()
    drive.walk(at_review, *TO_OPD, "Activity_JawabPermohonan")
    at_check = drive.start()
    v3 = import_process(actor("pemilik"), remove_legal_review(with_review), now()).version.id
    db.session.remove()
    sign_in(client, "pemilik")

    body = page(client, f"/proses/{v2}/banding/{v3}")

    assert table_ids(body, "diff-removed") == ["Activity_TelaahHukum"]
    tree = lhtml.fromstring(body)
    stuck = tree.xpath(f'//tr[@data-case="{at_review}"]')[0]
    assert stuck.get("data-movable") == "tidak" and not stuck.xpath(".//input")
    assert "kasus sedang berada di 'Telaah hukum' (Activity_TelaahHukum), yang dihapus pada versi baru" in \
        stuck.text_content()
    assert tree.xpath(f'//tr[@data-case="{at_check}"]')[0].get("data-movable") == "ya"
    assert "1 dari 2 kasus dapat dipindahkan" in body

    response = client.post(f"/proses/{v2}/banding/{v3}/migrasi", data={"nomor": [at_review, at_check]})
    tree = lhtml.fromstring(response.get_data(as_text=True))
    assert tree.xpath(f'//tr[@data-case="{at_review}"]')[0].get("data-moved") == "tidak"
    assert "yang dihapus pada versi baru" in tree.xpath(f'//tr[@data-case="{at_review}"]')[0].text_content()
    assert tree.xpath(f'//tr[@data-case="{at_check}"]')[0].get("data-moved") == "ya"
    db.session.expire_all()
    assert db.session.scalar(db.select(ProcessInstance.version_id).filter_by(registration_number=at_review)) == v2


def test_a_version_compared_with_itself_offers_no_migration(client, owner):
    sign_in(client, "pemilik")
    v = latest_version(PROCESS).id
    body = page(client, f"/proses/{v}/banding/{v}")
    assert "Tidak ada perbedaan pada elemen proses" in body and 'name="nomor"' not in body
    assert client.post(f"/proses/{v}/banding/{v}/migrasi", data={"semua": "1"}).status_code == 404


# --------------------------------------------------------------------------- case diagrams on the case pages

def svg_states(body: str) -> dict[str, set[str]]:
    svg = lhtml.fromstring(body).xpath(f"//*[{cls('diagram-scroll')}]/svg")
    assert len(svg) == 1
    return {g.get("data-element-id"): {c for c in g.get("class", "").split() if c.startswith("st-")}
            for g in svg[0].iter("g") if g.get("data-element-id")}


def test_the_case_pages_show_the_case_diagram(app, drive):
    create_user("pemohon2", "Pemohon Lain", PASSWORD, now(), ["pemohon"], email="lain@contoh.id")
    db.session.commit()
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    db.session.remove()

    applicant = page(sign_in(app.test_client(), "pemohon"), f"/permohonan/{reg}")
    details = lhtml.fromstring(applicant).xpath("//details[summary/strong='Diagram proses']")
    assert len(details) == 1 and details[0].xpath(f".//*[{cls('diagram-scroll')}]/svg")
    drawn = svg_states(applicant)
    assert drawn["Activity_TeruskanKeOPD"] == {"st-done"} and drawn["Activity_JawabPermohonan"] == {"st-active"}
    assert drawn["Timer_Target4HK"] == {"st-timer"}

    staff = page(sign_in(app.test_client(), "petugas"), f"/staf/kasus/{reg}")
    assert "<h2>Diagram proses</h2>" in staff
    assert svg_states(staff) == drawn
    assert "Biru tebal: tugas yang sedang terbuka" in staff

    other = page(sign_in(app.test_client(), "pemohon2"), f"/permohonan/{reg}", 404)  # as if it did not exist
    assert "data-element-id" not in other and "<svg" not in other
