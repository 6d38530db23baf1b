"""Drafts of the process modeler (issue 17 item 3): per owner, checked by the whole import pipeline,
deployed as the import deploys."""
from __future__ import annotations

import json

import pytest
import time_machine

from app.domain.errors import NotFound, ValidationFailed
from app.persistence.models import ProcessInstance, db
from app.services.modelling import drafts
from app.services.people.accounts import create_user
from app.services.modelling.processes import latest_version
from app.services.people.roles import add_role

from tests.conftest import PASSWORD
from tests.process_edits import TELAAH_FORMS, add_legal_review, set_service_target
from tests.support import PROCESS, Driver, actor, now, wib

COMPLAINT = "pengaduan_layanan"


def _complaint_xml() -> str:
    return latest_version(COMPLAINT).bpmn_xml.decode()


def test_each_owner_keeps_several_drafts_that_no_one_else_sees(app, owner):
    create_user("pemilik2", "Pemilik Lain", PASSWORD, now(), ["process_owner"], email="p2@contoh.id")
    first = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), title="Batas penerusan 4 hari")
    second = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), _complaint_xml(), title="Lain")
    theirs = drafts.create_draft(actor("pemilik2"), COMPLAINT, now())
    assert [d.id for d in drafts.list_drafts(actor("pemilik"), COMPLAINT)] == [second, first]
    assert [d.id for d in drafts.list_drafts(actor("pemilik2"))] == [theirs]
    assert drafts.draft_detail(actor("pemilik"), first).bpmn_xml == _complaint_xml()
    with pytest.raises(NotFound):
        drafts.draft_detail(actor("pemilik2"), first)
    with pytest.raises(NotFound):
        drafts.save_draft(actor("pemilik2"), first, now(), bpmn_xml="<x/>")
    drafts.delete_draft(actor("pemilik"), second)
    assert [d.id for d in drafts.list_drafts(actor("pemilik"))] == [first]


def test_a_draft_keeps_forms_as_typed_and_refuses_what_is_not_a_form_file(app, owner):
    draft_id = drafts.create_draft(actor("pemilik"), COMPLAINT, now())
    drafts.save_draft(actor("pemilik"), draft_id, now(), forms={"telaah_hukum.schema.json": "{ belum selesai"})
    assert drafts.draft_form(actor("pemilik"), draft_id, "telaah_hukum.schema.json") == "{ belum selesai"
    assert json.loads(drafts.draft_form(actor("pemilik"), draft_id, "pengaduan.schema.json"))["type"] == "object"
    assert drafts.draft_form(actor("pemilik"), draft_id, "baru.schema.json") is None
    for bad in ("../rahasia.schema.json", "Besar.schema.json", "x.json"):
        with pytest.raises(ValidationFailed):
            drafts.save_draft(actor("pemilik"), draft_id, now(), forms={bad: "{}"})
    with pytest.raises(ValidationFailed):
        drafts.save_draft(actor("pemilik"), draft_id, now(), bpmn_xml="   ")


def test_the_check_names_each_problem_with_its_element_and_deploys_nothing(app, owner):
    broken = _complaint_xml().replace('value="terima_pengaduan.schema.json"', 'value="tidak_ada.schema.json"')
    draft_id = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), broken)
    versions = latest_version(COMPLAINT).id
    report = drafts.check_draft(actor("pemilik"), draft_id, now())
    assert not report.ok and report.stage == "lint" and report.current
    assert [p["element_id"] for p in report.problems] == ["Activity_TerimaPengaduan"]
    assert "tidak_ada.schema.json" in report.problems[0]["message"]
    assert latest_version(COMPLAINT).id == versions
    with pytest.raises(ValidationFailed):
        drafts.deploy_draft(actor("pemilik"), draft_id, now(), "coba")


def test_a_draft_may_not_change_which_process_it_is(app, owner):
    other = _complaint_xml().replace('id="pengaduan_layanan"', 'id="pengaduan_lain"').replace(
        'processRef="pengaduan_layanan"', 'processRef="pengaduan_lain"')
    draft_id = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), other)
    report = drafts.check_draft(actor("pemilik"), draft_id, now())
    assert report.stage == "model" and "harus tetap 'pengaduan_layanan'" in report.problems[0]["message"]


def test_a_passing_check_shows_the_differences_and_the_cases_that_can_move_then_deploys_like_an_import(app, owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        running = drive.start()
        old_version = latest_version(PROCESS).id
        xml = set_service_target(latest_version(PROCESS).bpmn_xml, 5).decode()
        draft_id = drafts.create_draft(actor("pemilik"), PROCESS, now(), xml, title="Target 5 hari kerja")
        report = drafts.check_draft(actor("pemilik"), draft_id, now())
        assert report.ok and report.stage is None and "jalur" in report.simulation
        assert not report.added and not report.removed
        changed = {c["id"]: c["what"] for c in report.changed}
        assert "hari_kerja(4, sejak=tanggal_diterima) → hari_kerja(5, sejak=tanggal_diterima)" in \
            changed["Timer_Target4HK"]
        assert report.running == 1 and report.candidates == [
            {"registration_number": running, "status": "Diajukan", "version_number": 1, "can_move": True,
             "reasons": []}]

        drafts.save_draft(actor("pemilik"), draft_id, now(), title="Target 5 hari kerja (Perbup)")
        assert drafts.draft_detail(actor("pemilik"), draft_id).check.current  # the title is not the content
        result = drafts.deploy_draft(actor("pemilik"), draft_id, now(), "Perbup baru: target 5 hari kerja")
        assert result.created and result.version.note == "Perbup baru: target 5 hari kerja"
        assert (owner.processes / f"{PROCESS}.bpmn").read_bytes() == result.version.bpmn_xml
        assert drafts.list_drafts(actor("pemilik")) == []
        fresh = drive.start()
    db.session.expire_all()
    by_number = {i.registration_number: i.version_id for i in db.session.scalars(db.select(ProcessInstance))}
    assert by_number[running] == old_version and by_number[fresh] == result.version.id


def test_a_draft_changed_after_its_check_or_overtaken_by_a_version_is_checked_again_before_deploying(app, owner):
    xml = _complaint_xml().replace("hari_kerja(3, sejak=tanggal_pengaduan)", "hari_kerja(4, sejak=tanggal_pengaduan)")
    draft_id = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), xml)
    assert drafts.check_draft(actor("pemilik"), draft_id, now()).ok
    drafts.save_draft(actor("pemilik"), draft_id, now(), bpmn_xml=xml.replace("4, sejak", "6, sejak"))
    assert not drafts.draft_detail(actor("pemilik"), draft_id).check.current
    with pytest.raises(ValidationFailed, match="Periksa draf ini dulu"):
        drafts.deploy_draft(actor("pemilik"), draft_id, now())
    assert drafts.check_draft(actor("pemilik"), draft_id, now()).ok
    other = drafts.create_draft(actor("pemilik"), COMPLAINT, now(), xml)
    drafts.check_draft(actor("pemilik"), other, now())
    drafts.deploy_draft(actor("pemilik"), other, now())
    with pytest.raises(ValidationFailed, match="periksa draf ini lagi"):
        drafts.deploy_draft(actor("pemilik"), draft_id, now())


def test_a_new_task_in_a_new_lane_with_its_new_form_lands_in_processes_and_forms(app, owner):
    add_role(actor("admin"), "bagian_hukum", "Bagian Hukum")
    xml = add_legal_review(latest_version(PROCESS).bpmn_xml).decode()
    draft_id = drafts.create_draft(actor("pemilik"), PROCESS, now(), xml)
    report = drafts.check_draft(actor("pemilik"), draft_id, now())
    assert report.stage == "lint" and {p["element_id"] for p in report.problems} == {"Activity_TelaahHukum"}
    drafts.save_draft(actor("pemilik"), draft_id, now(), forms={k: v.decode() for k, v in TELAAH_FORMS.items()})
    report = drafts.check_draft(actor("pemilik"), draft_id, now())
    assert report.ok, report.problems
    assert [c["id"] for c in report.added] == ["Activity_TelaahHukum"]
    assert {f["name"]: f["what"] for f in report.forms} == {"telaah_hukum.schema.json": "baru",
                                                           "telaah_hukum.uischema.json": "baru"}
    drafts.deploy_draft(actor("pemilik"), draft_id, now(), "Telaah hukum")
    assert json.loads((owner.forms / "telaah_hukum.schema.json").read_text())["title"] == "Telaah hukum"
    assert "Activity_TelaahHukum" in latest_version(PROCESS).user_tasks
