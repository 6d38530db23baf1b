"""The pages of item 4 (issue 12): dispatch offers only staffed OPDs, the admin sees which OPDs have
no officer, Diskominfo sees the tasks no one can take and sends the case on."""
from __future__ import annotations

import re

from app.persistence.models import AuditEvent, User, db

from tests.support import page, sign_in

CHECK, DISPATCH, ANSWER = "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan"


def _strand(drive) -> str:
    """A case at DISDIK whose only officer then stops working for DISDIK."""
    reg = drive.start()
    drive.walk(reg, CHECK, DISPATCH)
    user = db.session.scalar(db.select(User).filter_by(username="opd"))
    user.opds = [o for o in user.opds if o.code != "DISDIK"]
    db.session.commit()
    return reg


def test_the_dispatch_form_offers_only_opds_with_an_officer_and_says_why_one_is_refused(client, drive):
    reg = drive.start()
    drive.do(reg, CHECK)
    task = drive.task(reg, DISPATCH).task_id
    db.session.remove()
    sign_in(client, "petugas")
    html = page(client, f"/tugas/{task}")
    offered = re.findall(r'<option value="([A-Z-]+)"', html)
    assert offered == ["DINKES", "DISDIK"]
    response = client.post(f"/tugas/{task}", data={"_nomor_pendaftaran": reg, "opd": "DINSOS"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "OPD ini belum memiliki petugas aktif" in response.get_data(as_text=True)
    assert drive.open_tasks(reg) == [DISPATCH]


def test_the_admin_sees_how_many_officers_each_opd_has(client, app):
    sign_in(client, "admin")
    html = page(client, "/admin/opd")
    assert re.search(r'data-opd="DISDIK".*?data-officers="1">1 petugas', html, re.S)
    assert re.search(r'data-opd="DINSOS".*?data-officers="0"><span class="badge-late">Belum ada petugas', html, re.S)


def test_diskominfo_sees_the_stranded_case_and_sends_it_on(client, drive):
    reg = _strand(drive)
    db.session.remove()
    sign_in(client, "petugas")
    worklist = page(client, "/staf/tugas")
    assert 'data-unstaffed-count="1"' in worklist and "/staf/tanpa-petugas" in worklist
    html = page(client, "/staf/tanpa-petugas")
    assert f'data-unstaffed="{reg}"' in html and "Jawab permohonan" in html
    card = html[html.index(f'data-unstaffed="{reg}"'):]
    assert re.findall(r'<option value="([A-Z-]+)"', card.split("</form>")[0]) == ["DINKES"]

    response = client.post(f"/staf/kasus/{reg}/teruskan", data={"opd": "DINKES", "alasan": ""})
    assert response.status_code == 422 and "Wajib diisi." in response.get_data(as_text=True)
    response = client.post(f"/staf/kasus/{reg}/teruskan", data={"opd": "DINSOS", "alasan": "Tanpa petugas"})
    assert response.status_code == 422 and "OPD ini belum memiliki petugas aktif" in response.get_data(as_text=True)
    assert 'Tanpa petugas</textarea>' in response.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(event_type="case_redispatched")) == 0

    response = client.post(f"/staf/kasus/{reg}/teruskan", data={"opd": "DINKES", "alasan": "DISDIK tanpa petugas"})
    assert response.status_code == 302
    html = page(client, "/staf/tanpa-petugas")
    assert f"Kasus {reg} diteruskan ke Dinas Kesehatan." in html and "Tidak ada tugas tanpa petugas" in html
    case = page(client, f"/staf/kasus/{reg}")
    assert "Diteruskan ke OPD lain" in case and "DISDIK tanpa petugas" in case
    sign_in(client, "opd")
    assert f"{reg}" in page(client, "/staf/tugas")  # now on a worklist


def test_the_applicant_sees_the_case_sent_on_without_the_internal_reason(client, drive):
    reg = _strand(drive)
    db.session.remove()
    sign_in(client, "petugas")
    client.post(f"/staf/kasus/{reg}/teruskan", data={"opd": "DINKES", "alasan": "Catatan internal staf"})
    sign_in(client, "pemohon")
    html = page(client, f"/permohonan/{reg}")
    assert "Diteruskan ke OPD lain" in html and "Catatan internal staf" not in html
