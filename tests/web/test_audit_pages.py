"""Audit pages: a case's history and its proof, the case at one event, replay verification,
exports, registers, the annual report and the public statistics page."""
from __future__ import annotations

import csv
import io
import re

import pypdf
import pytest
import time_machine
from openpyxl import load_workbook

from app.persistence.models import AuditEvent, db
from app.services.records.audit import final_hash

from tests.conftest import PASSWORD
from tests.support import REFUSAL, REQUEST, Driver, page, sign_in, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
NIK = REQUEST["nik"]
MASKED_NIK = "3514********0001"


@pytest.fixture
def walked(app):
    """granted: to the OPD, the 4-working-day target fires on Monday 9 March, then answered and granted;
    refused: refused on 2 March, the applicant objects on 9 March."""
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        granted = drive.start()
        drive.walk(granted, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        refused = drive.start()
        drive.walk(refused, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(refused, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.move_to(wib(2026, 3, 9))  # the service target of `granted` has passed: its timer fires
        drive.walk(granted, "Activity_JawabPermohonan", "Activity_TerbitkanPemberitahuan")
        drive.do(refused, "Activity_AjukanKeberatan")
        regs = {"granted": granted, "refused": refused, "granted_id": drive.case(granted).id,
                "refused_id": drive.case(refused).id}
    db.session.remove()
    return regs


def events(instance_id) -> list[AuditEvent]:
    rows = list(db.session.scalars(db.select(AuditEvent).filter_by(instance_id=instance_id).order_by(AuditEvent.seq)))
    db.session.remove()
    return rows


def done_elements(html: str) -> int:
    return len(re.findall(r'class="bpmn-el [^"]*st-done', html))


def test_the_auditor_reads_the_whole_history_with_its_proof(client, walked):
    sign_in(client, "auditor")
    reg = walked["granted"]
    html = page(client, f"/audit/kasus/{reg}")
    assert f"Riwayat kasus {reg}" in html
    assert "✓ Rantai audit: terverifikasi" in html
    assert final_hash(walked["granted_id"]) in html
    db.session.remove()
    assert "Senin, 2 Maret 2026 09:00 WIB" in html  # times in WIB
    assert "Budi Santoso (Petugas PPID)" in html and "Petugas PPID Diskominfo" in html  # actor and role
    assert "Periksa kelengkapan permohonan" in html and "Teruskan ke OPD" in html and "Jawab permohonan" in html
    assert "Diajukan &rarr; Diproses" in html  # a change, before -> after
    assert "Dipasang: Batas 10 hari kerja: Senin, 16 Maret 2026 23:59 WIB" in html  # a timer set
    assert "Terpicu: Target layanan 4 hari kerja" in html and "Sistem" in html  # the timer that fired
    assert "Pemohon (Tanda terima permohonan)" in html and "Target layanan terlewati" in html  # notifications
    assert NIK not in html and MASKED_NIK in html  # the auditor never sees a full NIK
    assert f'href="/audit/kasus/{reg}/riwayat.pdf"' in html and f'href="/audit/kasus/{reg}/langkah/1"' in html


def test_the_history_page_of_an_opd_officer_shows_personal_data_and_refuses_other_opds(app, client, walked):
    from app.services.people.accounts import create_user
    from tests.support import now

    create_user("opd_lain", "Petugas Dinsos", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    db.session.remove()
    sign_in(client, "opd")
    html = page(client, f"/audit/kasus/{walked['granted']}")
    assert NIK in html  # the OPD that works the case sees it in full
    assert "Verifikasi dengan pemutaran ulang" not in html  # verification is not theirs
    client.post("/keluar")
    sign_in(client, "opd_lain")  # another OPD's case: answered as if it did not exist (issue 15)
    page(client, f"/audit/kasus/{walked['granted']}", 404)
    page(client, f"/audit/kasus/{walked['granted']}/langkah/2", 404)
    page(client, f"/audit/kasus/{walked['granted']}/riwayat.pdf", 404)


def test_the_step_page_shows_the_case_as_it_was(client, walked):
    sign_in(client, "auditor")
    reg = walked["granted"]
    rows = events(walked["granted_id"])
    last = rows[-1].seq
    early = page(client, f"/audit/kasus/{reg}/langkah/2")  # the request form was sent
    end = page(client, f"/audit/kasus/{reg}/langkah/{last}")
    assert "<svg" in early and "<svg" in end
    assert 0 < done_elements(early) < done_elements(end)
    assert f"Langkah 2 dari {last}" in early
    assert f'href="/audit/kasus/{reg}/langkah/1"' in early and f'href="/audit/kasus/{reg}/langkah/3"' in early
    # the data as it was then: received, not yet dispatched to an OPD
    then = early.split('id="data-saat-itu"')[1].split("</dl>")[0]
    assert 'data-field="status">Diajukan<' in then and 'data-field="opd"' not in then
    assert 'data-task="Activity_PeriksaKelengkapan"' in early and "st-active" in early
    assert 'data-timer="Timer_Target4HK"' in early and "st-timer" in early
    assert NIK not in early and MASKED_NIK in early
    now_data = end.split('id="data-saat-itu"')[1].split("</dl>")[0]
    assert 'data-field="opd"' in now_data and 'data-field="keputusan"' in now_data
    assert 'data-field="terlambat">Ya<' in now_data
    # the event that fired the timer shows it, with the timers running at that moment
    fired = next(e.seq for e in rows if e.event_type == "timer_fired")
    html = page(client, f"/audit/kasus/{reg}/langkah/{fired}")
    assert "Batas waktu tercapai" in html and "Terpicu: Target layanan 4 hari kerja" in html
    assert 'data-timer="Timer_Target4HK"' not in html and 'data-timer="Timer_Batas10HK"' in html
    page(client, f"/audit/kasus/{reg}/langkah/{last + 1}", 404)
    page(client, f"/audit/kasus/{reg}/langkah/0", 404)


def test_a_tampered_event_is_named_on_the_history_and_the_verification_page(client, walked):
    instance_id = walked["granted_id"]
    db.session.execute(db.update(AuditEvent).where(AuditEvent.instance_id == instance_id, AuditEvent.seq == 3)
                       .values(payload=AuditEvent.payload + " "))
    db.session.commit()
    db.session.remove()
    sign_in(client, "auditor")
    html = page(client, f"/audit/kasus/{walked['granted']}")
    assert "✗ Rantai audit: RUSAK" in html and "terverifikasi" not in html
    assert 'href="#riwayat-3">Langkah #3</a>: isi langkah tidak cocok dengan hash-nya' in html
    assert '<tr id="riwayat-3" class="tampered">' in html

    html = client.post("/audit/verifikasi", data={"reg": walked["granted"]}).get_data(as_text=True)
    table = html.split('class="mismatches"')[1]
    assert walked["granted"] in table and f'href="/audit/kasus/{walked["granted"]}/langkah/3">#3</a>' in table
    assert "isi langkah tidak cocok dengan hash-nya" in table

    html = client.post("/audit/verifikasi", data={"reg": ""}).get_data(as_text=True)
    assert "2 dari 2 kasus diperiksa" in html
    table = html.split('class="mismatches"')[1]
    assert walked["granted"] in table and ">#3</a>" in table and walked["refused"] not in table


def forge(instance_id: int, **data) -> int:
    """Change the case data an event recorded and re-seal the chain after it, as a careful forger would.

    Returns the forged event's number: the chain still verifies, only the replay can tell."""
    import json

    from app.services.records.audit import _event_hash

    rows = events(instance_id)
    target = next(e for e in rows if e.event_type == "task_completed" and e.seq > 2)
    payload = json.loads(target.payload)
    payload["case_data"].update(data)
    prev = target.prev_hash
    for event in rows[rows.index(target):]:
        event = db.session.merge(event)
        if event.seq == target.seq:
            event.payload = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        event.prev_hash = prev
        event.hash = _event_hash(event)
        prev = event.hash
    db.session.commit()
    db.session.remove()
    return target.seq


def test_a_changed_case_is_found_by_the_replay(client, walked):
    seq = forge(walked["refused_id"], status="Diterima Seluruhnya")
    sign_in(client, "kepala")
    assert "✓ Rantai audit: terverifikasi" in page(client, f"/audit/kasus/{walked['refused']}")
    html = client.post("/audit/verifikasi", data={"reg": walked["refused"]}).get_data(as_text=True)
    table = html.split('class="mismatches"')[1]
    assert f">#{seq}</a>" in table and "Pemutaran ulang" in table
    assert "data kasus &#39;status&#39;" in table and "Tercatat: Diterima Seluruhnya" in table
    assert "Hasil putar ulang: Diajukan" in table


def test_differences_in_personal_data_stay_masked_for_the_auditor(client, walked):
    forge(walked["refused_id"], nik="3514019999990001")
    sign_in(client, "auditor")
    html = client.post("/audit/verifikasi", data={"reg": walked["refused"]}).get_data(as_text=True)
    table = html.split('class="mismatches"')[1]
    assert "data kasus &#39;nik&#39;" in table and "Tercatat: (disembunyikan)" in table
    assert NIK not in html and "3514019999990001" not in html


def test_verification_of_all_cases_goes_in_bounded_batches(client, walked, monkeypatch):
    from app.services.views import verification_views

    monkeypatch.setattr(verification_views, "VERIFY_BATCH", 1)
    sign_in(client, "auditor")
    html = page(client, "/audit/verifikasi")
    assert 'name="reg"' in html and "Jalankan verifikasi" in html
    html = client.post("/audit/verifikasi", data={"reg": ""}).get_data(as_text=True)
    assert "1 dari 2 kasus diperiksa" in html and "Lanjutkan pemeriksaan" in html
    after = re.search(r'name="setelah" value="(\d+)"', html).group(1)
    html = client.post("/audit/verifikasi", data={"reg": "", "setelah": after, "diperiksa": "1", "gagal": ""}
                       ).get_data(as_text=True)
    assert "2 dari 2 kasus diperiksa" in html and "Lanjutkan pemeriksaan" not in html
    assert "✓ Semua kasus yang diperiksa cocok dengan riwayatnya." in html
    response = client.post("/audit/verifikasi", data={"reg": "PPID-0000-999999"})
    assert response.status_code == 422 and "Nomor Pendaftaran tidak ditemukan." in response.get_data(as_text=True)


def test_exports_download_with_their_content_type_and_hold_the_case(client, walked):
    sign_in(client, "auditor")
    html = page(client, "/audit/ekspor?dari=2026-03-01&sampai=2026-03-31&opd=DISDIK")
    assert 'href="/audit/ekspor.xes?dari=2026-03-01&amp;sampai=2026-03-31&amp;opd=DISDIK"' in html
    response = client.get("/audit/ekspor.xes?dari=2026-03-01&sampai=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert "<log" in body and walked["granted"] in body and "Periksa kelengkapan permohonan" in body
    assert "Target layanan 4 hari kerja" in body and "Siti Aminah" not in body and NIK not in body
    response = client.get("/audit/ekspor.csv?opd=DISDIK")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["case"] for r in rows} == {walked["granted"], walked["refused"]}
    assert all(r["case_final_hash"] for r in rows)
    body = client.get("/audit/ekspor.csv?dari=2026-04-01").get_data(as_text=True)
    assert walked["granted"] not in body
    response = client.get("/audit/ekspor.csv?dari=bukan-tanggal")
    assert response.status_code == 422 and "Tanggal tidak valid" in response.get_data(as_text=True)


def test_registers_show_and_download_without_a_full_nik(client, walked):
    sign_in(client, "petugas")
    html = page(client, "/audit/register/permohonan")
    assert walked["granted"] in html and "Siti Aminah" in html and NIK not in html
    assert "Diterima Seluruhnya" in html and "2 baris" in html
    response = client.get("/audit/register/permohonan?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert walked["granted"] in text and walked["refused"] in text and NIK not in text
    assert "Nomor Pendaftaran" in text.splitlines()[0]
    response = client.get("/audit/register/keberatan?format=xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Nomor Keberatan" and len(values) == 2
    assert walked["refused"] in values[1] and NIK not in str(values)
    html = page(client, "/audit/register/keberatan?dari=2026-04-01")
    assert "0 baris" in html and "Tidak ada baris pada periode ini." in html
    page(client, "/audit/register/lainnya", 404)


def test_the_annual_report_has_its_figures_and_charts(client, walked):
    sign_in(client, "kepala")
    html = page(client, "/audit/laporan?tahun=2026")
    figures = html.split('id="angka"')[1].split("</div>\n</div>")[0]
    assert re.search(r"Permohonan diterima</span><strong>2<", figures)
    assert re.search(r"Diterima seluruhnya</span><strong>1<", figures)
    assert re.search(r"Ditolak</span><strong>1<", figures)
    assert re.search(r"Keberatan diterima</span><strong>1<", figures)
    assert html.count('<figure class="bars">') >= 3 and "Keputusan atas permohonan, 2026" in html
    decisions = html.split("Keputusan atas permohonan, 2026")[1].split("</figure>")[0]
    assert re.search(r'bar-name">Diterima seluruhnya</span>.*?width: 100.0%.*?bar-value">1<', decisions, re.S)
    assert "Pasal 17 huruf h" in html
    assert walked["granted"] not in html and NIK not in html
    html = page(client, "/audit/laporan?tahun=2026&semester=2")
    assert re.search(r"Permohonan diterima</span><strong>0<", html)
    html = page(client, "/audit/laporan?tahun=2026&opd=DINKES")
    assert re.search(r"Permohonan diterima</span><strong>0<", html)
    response = client.get("/audit/laporan?tahun=2026&format=csv")
    assert response.mimetype == "text/csv" and response.get_data(as_text=True).startswith("tahun,semester,opd")


def test_the_public_statistics_page_has_no_personal_data(client, walked):
    html = page(client, "/statistik?tahun=2026")
    assert "Statistik layanan informasi publik 2026" in html and '<figure class="bars">' in html
    assert re.search(r"Permohonan Informasi</span><strong>2<", html)
    for secret in ("Siti Aminah", NIK, MASKED_NIK, REQUEST["email"], REQUEST["telepon"], walked["granted"],
                   walked["refused"], "Budi Santoso"):
        assert secret not in html
    assert page(client, "/statistik?tahun=tidak-ada")  # a bad year falls back to the latest


def test_roles_that_may_not_get_403(client, walked):
    reg = walked["granted"]
    response = client.get(f"/audit/kasus/{reg}")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    sign_in(client, "pemohon")
    for url in (f"/audit/kasus/{reg}", f"/audit/kasus/{reg}/langkah/1", "/audit/", "/audit/verifikasi",
                "/audit/ekspor", "/audit/ekspor.csv", "/audit/register/permohonan?format=csv", "/audit/laporan"):
        page(client, url, 403)
    assert client.post("/audit/verifikasi", data={"reg": reg}).status_code == 403
    client.post("/keluar")
    sign_in(client, "pemilik")
    page(client, "/audit/ekspor.xes", 403)
    page(client, f"/audit/kasus/{reg}/riwayat.pdf", 404)  # open to whoever reads the case: as if it did not exist
    client.post("/keluar")
    sign_in(client, "atasan")
    page(client, "/audit/laporan", 403)  # the annual report: the head of Diskominfo and the auditor
    page(client, "/audit/verifikasi")


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_history_pdf_carries_the_final_hash(client, walked):
    reg = walked["granted"]
    sealed = final_hash(walked["granted_id"])
    db.session.remove()
    sign_in(client, "auditor")
    response = client.get(f"/audit/kasus/{reg}/riwayat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.get_data())
    flat = re.sub(r"\s+", "", text)
    assert sealed in flat and reg in text
    assert "Riwayat Penanganan".upper() in text.upper() and "Teruskan ke OPD" in text
    assert NIK not in flat
    client.post("/keluar")
    sign_in(client, "pemohon")  # the applicant, through the link on the portal's case page
    html = page(client, f"/permohonan/{reg}")
    assert f'href="/audit/kasus/{reg}/riwayat.pdf">Unduh riwayat (PDF)</a>' in html
    response = client.get(f"/audit/kasus/{reg}/riwayat.pdf")
    assert response.status_code == 200 and sealed in re.sub(r"\s+", "", _pdf_text(response.get_data()))


def test_the_audit_index_opens_a_case_by_number(client, walked):
    sign_in(client, "auditor")
    html = page(client, "/audit/")
    assert "/audit/verifikasi" in html and "/audit/register/permohonan" in html and "/audit/laporan" in html
    response = client.get(f"/audit/?n={walked['granted'].lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audit/kasus/{walked['granted']}")


@pytest.mark.parametrize("biggest", [7, 1234, 9_999_999])
def test_the_svg_charts_count_fits_beside_the_longest_bar(biggest):
    """`ppid report chart`: the count of the longest bar is inside the drawing, whatever its digits."""
    from lxml import etree

    from app.services.records.reports import bar_chart_svg

    svg = etree.fromstring(bar_chart_svg("Uji", [("Dinas Pendidikan", biggest), ("Dinas Kesehatan", 1)]).encode())
    width = float(svg.get("viewBox").split()[2])
    ns = {"s": "http://www.w3.org/2000/svg"}
    count = next(t for t in svg.findall("s:text", ns) if t.text == str(biggest))
    longest = max(svg.findall("s:rect", ns), key=lambda r: float(r.get("width")))
    assert float(longest.get("x")) + float(longest.get("width")) < float(count.get("x"))  # the count beside its bar
    assert float(count.get("x")) + 7.5 * len(count.text) <= width
