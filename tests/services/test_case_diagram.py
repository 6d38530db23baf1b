"""The diagram of a case: the path taken, the open tasks and the running timers, for those who may read it."""
import pytest
from lxml import etree

from app.domain.errors import NotFound
from app.persistence.models import HumanTask, TimerJob, db
from app.services.people.accounts import create_user
from app.services.views.case_diagram import case_diagram_svg, case_highlight

from tests.conftest import PASSWORD
from tests.support import REFUSAL, actor, now

SVG = "{http://www.w3.org/2000/svg}"
TO_OPD = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")


def states(svg: str) -> dict[str, set[str]]:
    """data-element-id -> its st-* classes, for every element group of the drawing."""
    root = etree.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    return {g.get("data-element-id"): {c for c in g.get("class", "").split() if c.startswith("st-")}
            for g in root.iter(f"{SVG}g") if g.get("data-element-id")}


def test_a_case_in_progress_shows_the_path_taken_the_open_task_and_the_timers(drive):
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    instance = drive.case(reg)
    timers = set(db.session.scalars(db.select(TimerJob.spec_id).filter_by(instance_id=instance.id)))
    assert "Timer_Target4HK" in timers

    drawn = states(case_diagram_svg(actor("pemohon"), reg))

    assert drawn["Activity_PeriksaKelengkapan"] == {"st-done"}
    assert drawn["Activity_TeruskanKeOPD"] == {"st-done"}
    assert drawn["Activity_JawabPermohonan"] == {"st-active"}
    for spec_id in timers:
        if spec_id in drawn:
            assert drawn[spec_id] == {"st-timer"}, spec_id
    assert drawn["Timer_Target4HK"] == {"st-timer"}
    for untouched in ("Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi", "Activity_AjukanKeberatan"):
        assert drawn[untouched] == set(), untouched
    assert {k for k, v in drawn.items() if v == {"st-active"}} == {"Activity_JawabPermohonan"}


def test_the_marks_follow_the_case(drive):
    reg = drive.start()
    first = states(case_diagram_svg(actor("petugas"), reg))
    assert first["Activity_PeriksaKelengkapan"] == {"st-active"}
    drive.walk(reg, *TO_OPD, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    later = states(case_diagram_svg(actor("petugas"), reg))
    assert later["Activity_PeriksaKelengkapan"] == later["Activity_TerbitkanPemberitahuan"] == {"st-done"}
    assert later["Activity_AjukanKeberatan"] == {"st-active"}
    assert later["Timer_Target4HK"] != {"st-timer"}  # the service layer finished: its timer is gone
    open_rows = {r.spec_id for r in db.session.scalars(
        db.select(HumanTask).filter_by(instance_id=drive.case(reg).id))}
    assert {k for k, v in later.items() if v == {"st-active"}} == open_rows


def test_the_highlight_comes_from_the_history_and_the_rows(drive):
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    highlight = case_highlight(drive.case(reg).id)
    assert highlight["Activity_TeruskanKeOPD"] == "done"
    assert highlight["Activity_JawabPermohonan"] == "active"
    assert highlight["Timer_Target4HK"] == "timer"
    assert set(highlight.values()) == {"done", "active", "timer"}


def test_only_those_who_may_read_the_case_see_its_diagram(drive):
    create_user("pemohon2", "Pemohon Lain", PASSWORD, now(), ["pemohon"], email="lain@contoh.id")
    create_user("opd_lain", "Petugas Dinsos", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    reg = drive.start()
    drive.walk(reg, *TO_OPD)
    for username in ("pemohon", "petugas", "auditor", "opd", "atasan"):
        assert "st-active" in case_diagram_svg(actor(username), reg), username
    for username in ("pemohon2", "opd_lain", "pemilik"):  # as if the number did not exist (issue 15)
        with pytest.raises(NotFound, match="Nomor pendaftaran tidak ditemukan."):
            case_diagram_svg(actor(username), reg)
    with pytest.raises(NotFound):
        case_diagram_svg(actor("petugas"), "PPID-TIDAK-ADA")


def test_lanes_are_drawn_under_their_roles_labels_not_their_keys(drive):
    reg = drive.start()
    root = etree.fromstring(case_diagram_svg(actor("pemohon"), reg).encode())
    lanes = {g.get("data-element-id"): " ".join(t.strip() for t in g.itertext() if t.strip())
             for g in root.iter(f"{SVG}g") if "bpmn-lane" in (g.get("class") or "").split()}
    texts = set(lanes.values())
    assert any("Petugas PPID Diskominfo" in t for t in texts) and any("Pemohon" in t for t in texts), lanes
    words = {w for t in texts for w in t.split()}
    assert not words & {"diskominfo", "pemohon", "opd", "atasan_ppid"}, lanes
