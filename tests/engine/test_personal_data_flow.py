"""Personal data cannot be published by a model (issue 15, item 11; ASVS 8.1.x, 8.3.x): a script that copies an
`"x-personal"` field into another field (`status` shows on the public /cek page) and a notification to anyone but
the applicant or a role of the process are refused at import, naming the script task, the field read and the target.
"""
import pytest

from app.engine import ImportRefused
from app.persistence.models import ProcessVersion, db
from app.services.modelling.processes import import_process

from tests.engine.test_import_hostile import SCRIPT, edit
from tests.support import actor, now

REFUSED = {
    "status = nik": ("status = nik", "menyalin data pribadi 'nik' (x-personal) ke 'status'"),
    "catatan from nik": ('catatan = "NIK " + nik', "menyalin data pribadi 'nik' (x-personal) ke 'catatan'"),
    "f-string": ('status = f"Diajukan {nomor_akta}"', "menyalin data pribadi 'nomor_akta' (x-personal) ke 'status'"),
    "mail to an address": ('kirim_pemberitahuan("semua@example.com", "x")',
                           "kirim_pemberitahuan ke 'semua@example.com' tidak diizinkan"),
    "mail to a computed recipient": ('kirim_pemberitahuan(email, "x")',
                                     "penerima kirim_pemberitahuan harus ditulis langsung sebagai teks"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_script_publishing_personal_data_is_refused(folders, case):  # noqa: F811
    script, fragment = REFUSED[case]
    before = db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), edit((SCRIPT, script)).encode(), now())
    assert refused.value.stage == "lint"
    assert [p.element_id for p in refused.value.problems] == ["Activity_Catat"]
    assert fragment in refused.value.problems[0].message, refused.value.lines()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == before


@pytest.mark.parametrize("script", [
    'status = "Diajukan"\nkirim_pemberitahuan("pemohon", "tanda_terima")',
    'status = "Diajukan"\nkirim_pemberitahuan("diskominfo", "tanda_terima")',  # a lane of the model
    'status = "Diajukan"\nnik = nik.strip()',  # personal into personal
])
def test_the_applicant_a_lane_and_personal_to_personal_are_accepted(folders, script):  # noqa: F811
    assert import_process(actor("pemilik"), edit((SCRIPT, script)).encode(), now()).created


def test_at_run_time_a_mail_to_anyone_else_is_kept_out_and_recorded(app):
    """A model stored before the rule: the outbox gets nothing for a recipient that is no role of the process."""
    from app.persistence.models import Outbox, ProcessInstance
    from app.services.casework.cases import start_case
    from app.services.infrastructure.notifications import queue

    from tests.support import PROCESS, REQUEST

    ref = start_case(actor("pemohon"), PROCESS, dict(REQUEST), now())
    instance = db.session.get(ProcessInstance, ref.id)
    before = db.session.scalar(db.select(db.func.count()).select_from(Outbox))
    written = queue(instance, [("semua@example.com", "tanda_terima"), ("pemohon", "tanda_terima")], now())
    assert written[0] == {"to": "semua@example.com", "address": None, "template": "tanda_terima",
                          "ditolak": "bukan pemohon atau peran"}
    assert written[1]["address"] == "pemohon@contoh.pasuruankab.go.id"
    assert db.session.scalar(db.select(db.func.count()).select_from(Outbox)) == before + 1
