"""Every route x every role -> the expected answer.

Personas: a visitor, the applicant who owns the cases, another applicant, each staff role, an
OPD officer of the case's OPD and one of another OPD. A new route fails `test_every_route_is_in_the_matrix`
until it is given its row here.
"""
from __future__ import annotations

import pytest
import time_machine

from app.persistence.models import Attachment, Outbox, ProcessVersion, User, db
from app.services.people.accounts import create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.support import PROCESS, REFUSAL, REQUEST, Driver, actor, now, wib

PERSONAS = ["tamu", "pemohon", "pemohon2", "petugas", "kepala", "opd", "opd_lain", "atasan", "auditor",
            "pemilik", "admin"]
STAFF_CASE_READERS = {"petugas", "kepala", "atasan", "auditor"}
AUDITORS = {"petugas", "kepala", "atasan", "auditor"}  # the audit pages (/audit)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
       b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def world(app):
    """Three cases of `pemohon`: A at the OPD (DISDIK), B refused with the objection open, C unchecked."""
    create_user("pemohon2", "Pemohon Lain", PASSWORD, now(), ["pemohon"], email="lain@contoh.id")
    create_user("opd_lain", "Petugas Dinsos", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        case_a = start_case(actor("pemohon"), PROCESS, REQUEST, now(),
                            uploads={"lampiran_identitas": Upload("ktp.png", PNG)}).registration_number
        drive.walk(case_a, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        case_b = drive.start()
        drive.walk(case_b, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(case_b, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        case_c = drive.start()
        ids = {
            "A": case_a, "B": case_b, "C": case_c,
            "t_opd": drive.task(case_a, "Activity_JawabPermohonan").task_id,
            "t_pemohon": drive.task(case_b, "Activity_AjukanKeberatan").task_id,
            "t_disk": drive.task(case_c, "Activity_PeriksaKelengkapan").task_id,
            "ktp": db.session.scalar(db.select(Attachment.token).filter_by(field="lampiran_identitas")),
            "user": db.session.scalar(db.select(User.id).filter_by(username="pemohon2")),
            "mail": db.session.scalar(db.select(Outbox.id).limit(1)),
            "version": db.session.scalar(db.select(ProcessVersion.id).filter_by(process_id=PROCESS)),
            "dmn_version": _dmn_version(),
            "draft": _draft(),
        }
    db.session.remove()
    return ids


def _draft() -> int:
    """A draft of the process owner `pemilik` (drafts are seen by their owner alone)."""
    from app.services.modelling.drafts import create_draft

    return create_draft(actor("pemilik"), "pengaduan_layanan", now())


def _dmn_version() -> int:
    """A stored version with a DMN table (for the decision file route)."""
    from app.engine import build_definition, form_reader
    from app.services.modelling.processes import store_definition
    from tests.small_models import FIXTURES, dmn_bpmn, dmn_table

    definition = build_definition(dmn_bpmn(), form_reader(FIXTURES), decisions={"kelas_tenggat.dmn": dmn_table()})
    version_id = store_definition(definition, actor("pemilik"), now()).id
    db.session.commit()
    return version_id


# endpoint -> (method, url template, personas allowed, status when allowed)
GET_ROUTES = {
    "public.home": ("/", set(PERSONAS), 200),
    "public.check_form": ("/cek?n={A}", set(PERSONAS), 302),
    "public.check_status": ("/cek/{A}", set(PERSONAS), 200),
    "public.favicon": ("/favicon.ico", set(PERSONAS), 200),
    "public.health": ("/healthz", set(PERSONAS), 200),
    "auth.login": ("/masuk", set(PERSONAS), 200),
    "auth.register": ("/daftar", set(PERSONAS), 200),
    "auth.change_password": ("/kata-sandi", set(PERSONAS) - {"tamu"}, 200),
    "auth.my_data": ("/akun/data-saya.zip", set(PERSONAS) - {"tamu"}, 200),
    "portal.my_requests": ("/permohonan", {"pemohon", "pemohon2"}, 200),
    "portal.new_request": ("/permohonan/baru", {"pemohon", "pemohon2"}, 200),
    "portal.claim": ("/permohonan/klaim", {"pemohon", "pemohon2"}, 200),
    "staff.counter_request": ("/staf/permohonan-baru", {"petugas"}, 200),
    # an officer records the applicant's own step on their behalf (a counter request, an objection on paper)
    "tasks.show#atas_nama": ("/tugas/{t_pemohon}?atas_nama=1", {"petugas"}, 200),
    "portal.case": ("/permohonan/{A}", {"pemohon", "opd"} | STAFF_CASE_READERS, 200),
    "portal.receipt": ("/permohonan/{A}/tanda-terima.pdf", {"pemohon", "opd"} | STAFF_CASE_READERS, 200),
    "portal.notice": ("/permohonan/{B}/pemberitahuan.pdf", {"pemohon", "opd"} | STAFF_CASE_READERS, 200),
    "portal.dispute_bundle": ("/permohonan/{B}/berkas-sengketa.zip", set(), 200),  # no dispute yet: 404 for all
    "portal.objection_receipt": ("/permohonan/{B}/tanda-terima-keberatan.pdf", set(), 200),  # not filed: 404
    "portal.objection_decision": ("/permohonan/{B}/tanggapan-keberatan.pdf", set(), 200),  # not decided: 404
    "files.download": ("/lampiran/{ktp}", {"pemohon", "petugas", "kepala", "atasan", "opd"}, 200),
    "staff.worklist": ("/staf/tugas", {"petugas", "kepala", "opd", "opd_lain", "atasan"}, 200),
    "staff.cases": ("/staf/kasus", {"petugas", "kepala", "opd", "opd_lain", "atasan", "auditor"}, 200),
    "staff.case_file": ("/staf/kasus/{A}", {"petugas", "kepala", "opd", "atasan", "auditor"}, 200),
    "tasks.show#opd": ("/tugas/{t_opd}", {"opd"}, 200),
    "tasks.show#pemohon": ("/tugas/{t_pemohon}", {"pemohon"}, 200),
    "tasks.show#diskominfo": ("/tugas/{t_disk}", {"petugas"}, 200),
    "admin.index": ("/admin/", {"admin"}, 302),
    "admin.users": ("/admin/pengguna", {"admin"}, 200),
    "admin.user_new": ("/admin/pengguna/baru", {"admin"}, 200),
    "admin.user_edit": ("/admin/pengguna/{user}", {"admin"}, 200),
    "admin.opds": ("/admin/opd", {"admin"}, 200),
    "staff.unstaffed": ("/staf/tanpa-petugas", {"petugas", "kepala"}, 200),
    "admin.calendar": ("/admin/kalender", {"admin"}, 200),
    "admin.outbox": ("/admin/surat", {"admin"}, 200),
    "admin.outbox_message": ("/admin/surat/{mail}", {"admin"}, 200),
    "admin.outbox#belum-terkirim": ("/admin/surat?tampil=belum-terkirim", {"admin"}, 200),
    "processes.index": ("/proses", {"pemilik", "admin"}, 200),
    "processes.version": ("/proses/{version}", {"pemilik", "admin"}, 200),
    "processes.bpmn": ("/proses/{version}/bpmn", {"pemilik", "admin"}, 200),
    "processes.form_file": ("/proses/{version}/formulir/jawaban_opd.schema.json", {"pemilik", "admin"}, 200),
    "processes.decision_file": ("/proses/{dmn_version}/keputusan/kelas_tenggat.dmn", {"pemilik", "admin"}, 200),
    "processes.compare": ("/proses/{version}/banding/{version}", {"pemilik", "admin"}, 200),
    "processes.incident_list": ("/proses/insiden", {"pemilik", "admin"}, 200),
    "modeler.edit": ("/proses/pengaduan_layanan/ubah", {"pemilik", "admin"}, 200),
    "modeler.draft": ("/proses/draf/{draft}", {"pemilik"}, 200),  # its owner's alone: 404 for the administrator
    "modeler.form_editor": ("/proses/draf/{draft}/formulir/pengaduan", {"pemilik"}, 200),
    "modeler.open_form": ("/proses/draf/{draft}/formulir?nama=pengaduan", {"pemilik"}, 302),
    "modeler.what_if": ("/proses/draf/{draft}/whatif", {"pemilik"}, 200),
    "modeler.timer_preview": ("/proses/modeler/timer?teks=4", {"pemilik", "admin"}, 200),
    "modeler.condition_check": ("/proses/modeler/syarat?proses=pengaduan_layanan&teks=x", {"pemilik", "admin"}, 200),
    "api.openapi": ("/api/v1/openapi.json", set(PERSONAS), 200),
    "audit.index": ("/audit/", AUDITORS, 200),
    "audit.case_history": ("/audit/kasus/{A}", AUDITORS | {"opd"}, 200),
    "audit.case_step": ("/audit/kasus/{A}/langkah/2", AUDITORS | {"opd"}, 200),
    "audit.history_pdf": ("/audit/kasus/{A}/riwayat.pdf", {"pemohon", "opd"} | STAFF_CASE_READERS, 200),
    "audit.verification": ("/audit/verifikasi", AUDITORS, 200),
    "audit.exports": ("/audit/ekspor", AUDITORS, 200),
    "audit.export_xes": ("/audit/ekspor.xes", AUDITORS, 200),
    "audit.export_csv": ("/audit/ekspor.csv", AUDITORS, 200),
    "audit.register#permohonan": ("/audit/register/permohonan", AUDITORS, 200),
    "audit.register#keberatan": ("/audit/register/keberatan?format=csv", AUDITORS, 200),
    "audit.report": ("/audit/laporan?tahun=2026", {"kepala", "auditor"}, 200),
    # who saw personal data in full: the auditor alone (officers are the ones it records)
    "audit.access_data": ("/audit/akses-data?petugas=petugas", {"auditor"}, 200),
    "audit.statistics": ("/statistik?tahun=2026", set(PERSONAS), 200),
}

# State-changing routes: checked for refusal (the allowed ones are exercised by their own tests).
POST_ROUTES = {
    "tasks.complete#opd": ("/tugas/{t_opd}", {"opd"}),
    "tasks.claim#opd": ("/tugas/{t_opd}/ambil", {"opd"}),
    "tasks.release#opd": ("/tugas/{t_opd}/lepas", {"opd"}),
    "tasks.complete#diskominfo": ("/tugas/{t_disk}", {"petugas"}),
    "tasks.claim#pemohon": ("/tugas/{t_pemohon}/ambil", {"pemohon"}),
    "portal.new_request": ("/permohonan/baru", {"pemohon", "pemohon2"}),
    "portal.claim": ("/permohonan/klaim", {"pemohon", "pemohon2"}),
    "staff.counter_request": ("/staf/permohonan-baru", {"petugas"}),
    "portal.withdraw": ("/permohonan/{A}/cabut", {"pemohon"}),
    "staff.withdraw_on_behalf": ("/staf/kasus/{A}/cabut", {"petugas"}),
    "admin.user_new": ("/admin/pengguna/baru", {"admin"}),
    "admin.user_edit": ("/admin/pengguna/{user}", {"admin"}),
    "admin.user_reset_password": ("/admin/pengguna/{user}/sandi", {"admin"}),
    "admin.opd_create": ("/admin/opd", {"admin"}),
    "staff.redispatch": ("/staf/kasus/{A}/teruskan", {"petugas", "kepala"}),
    "admin.opd_rename": ("/admin/opd/DISDIK/nama", {"admin"}),
    "admin.opd_status": ("/admin/opd/DISDIK/status", {"admin"}),
    "admin.calendar_add": ("/admin/kalender", {"admin"}),
    "admin.calendar_remove": ("/admin/kalender/2026-03-04/hapus", {"admin"}),
    "admin.calendar_cuti_bersama": ("/admin/kalender/cuti-bersama", {"admin"}),
    "admin.calendar_closing_time": ("/admin/kalender/jam-tutup", {"admin"}),
    "admin.outbox_send_again": ("/admin/surat/{mail}/kirim-ulang", {"admin"}),
    "processes.import_version": ("/proses/impor", {"pemilik", "admin"}),
    "processes.migrate": ("/proses/{version}/banding/{version}/migrasi", {"pemilik", "admin"}),
    "processes.incident_retry": ("/proses/insiden/1/coba-lagi", {"pemilik", "admin"}),
    "processes.incident_close": ("/proses/insiden/1/tutup", {"pemilik", "admin"}),
    "processes.run_scenarios": ("/proses/skenario/pengaduan_layanan", {"pemilik", "admin"}),
    "modeler.create_draft": ("/proses/pengaduan_layanan/draf", {"pemilik", "admin"}),
    "modeler.save_draft": ("/proses/draf/{draft}", {"pemilik"}),
    "modeler.check_draft": ("/proses/draf/{draft}/periksa", {"pemilik"}),
    "modeler.deploy_draft": ("/proses/draf/{draft}/terapkan", {"pemilik"}),
    "modeler.delete_draft": ("/proses/draf/{draft}/hapus", {"pemilik"}),
    "modeler.save_form": ("/proses/draf/{draft}/formulir/pengaduan", {"pemilik"}),
    "modeler.form_preview": ("/proses/formulir/pratinjau", {"pemilik", "admin"}),
    "auth.change_password": ("/kata-sandi", set(PERSONAS) - {"tamu"}),
    "audit.verify": ("/audit/verifikasi", AUDITORS),
}

# Routes whose rights are shown elsewhere: the API (tests/web/test_api.py), sign-in flows (test_auth.py),
# getting back into an account (open to everyone, answers that never tell: test_account_recovery.py).
COVERED_ELSEWHERE = {"static", "auth.logout", "auth.confirm", "auth.login", "auth.register",
                     "auth.forgot_password", "auth.resend_confirmation", "auth.reset_password",
                     "api.create_token", "api.delete_token", "api.create_request", "api.get_request",
                     "api.request_history", "api.request_form", "api.tasks", "api.get_task_detail", "api.claim",
                     "api.complete", "api.unclaim"}


def _client_for(app, persona):
    client = app.test_client()
    if persona != "tamu":
        response = client.post("/masuk", data={"username": persona, "password": PASSWORD})
        assert response.status_code == 302, persona
    return client


def _refused(response, persona) -> bool:
    if persona == "tamu":
        return response.status_code in (302, 401) and "/masuk" in response.headers.get("Location", "/masuk")
    return response.status_code in (403, 404)


def test_every_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    listed = {k.split("#")[0] for k in GET_ROUTES} | {k.split("#")[0] for k in POST_ROUTES} | COVERED_ELSEWHERE
    assert endpoints - listed == set()


def test_get_routes(app, world):
    wrong = []
    for persona in PERSONAS:
        wrong += _get_matrix_row(app, world, persona)
    assert wrong == []


def _get_matrix_row(app, world, persona) -> list[str]:
    client = _client_for(app, persona)
    wrong = []
    for name, (template, allowed, ok_status) in GET_ROUTES.items():
        response = client.get(template.format(**world))
        if persona in allowed:
            if response.status_code != ok_status:
                wrong.append(f"{persona} {name}: {response.status_code}, expected {ok_status}")
        elif name == "portal.dispute_bundle":
            if response.status_code not in (302, 403, 404):
                wrong.append(f"{persona} {name}: {response.status_code}")
        elif not _refused(response, persona):
            wrong.append(f"{persona} {name}: {response.status_code}, expected a refusal")
    return wrong


def test_post_routes_refuse_who_may_not(app, world):
    wrong = []
    for persona in PERSONAS:
        client = _client_for(app, persona)
        for name, (template, allowed) in POST_ROUTES.items():
            if persona in allowed:
                continue
            response = client.post(template.format(**world), data={"name": "x", "nama": "x", "code": "X1"})
            if not _refused(response, persona):
                wrong.append(f"{persona} {name}: {response.status_code}")
    assert wrong == []


def test_refused_pages_leak_no_personal_data(app, world):
    for persona in ("pemohon2", "opd_lain", "tamu"):
        client = _client_for(app, persona)
        for template in ("/permohonan/{A}", "/staf/kasus/{A}", "/lampiran/{ktp}", "/tugas/{t_opd}"):
            body = client.get(template.format(**world)).get_data()
            assert REQUEST["nik"].encode() not in body and REQUEST["email"].encode() not in body


def test_the_auditor_reads_cases_but_never_the_full_nik_or_ktp(app, world):
    client = _client_for(app, "auditor")
    for template in ("/permohonan/{A}", "/staf/kasus/{A}"):
        response = client.get(template.format(**world))
        assert response.status_code == 200 and REQUEST["nik"].encode() not in response.get_data()
    assert client.get("/lampiran/{ktp}".format(**world)).status_code == 403
