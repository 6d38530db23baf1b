"""The written notice must agree with the OPD's held/not-held answer (`x-sesuai-dengan`), checked when the task is done."""
from __future__ import annotations

import pytest

from app.documents.notice import DECISIONS
from app.domain.errors import ValidationFailed
from app.persistence.models import AuditEvent, db
from app.services.casework.forms import check_agreement
from app.services.views.case_documents import notice_document
from app.services.records.registers import request_register
from tests.support import actor, wib
from tests.documents.test_pdf import text_of

START = wib(2026, 3, 16)  # Monday 16 March 2026, 09:00 WIB
NOTICE = "Activity_TerbitkanPemberitahuan"
TO_ANSWER = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
NOT_HELD_MESSAGE = "OPD menyatakan informasi tidak dikuasai: keputusan harus 'Informasi tidak dikuasai'."
HELD_MESSAGE = "OPD menyatakan informasi dikuasai: keputusan tidak dapat 'Informasi tidak dikuasai'."


def _answered(drive, held: str) -> str:
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER)
    if held == "tidak":
        drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai")
    else:
        drive.do(reg, "Activity_JawabPermohonan")
    return reg


def _events(reg: str) -> int:  # every audit event, so nothing else slips in
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


def test_not_held_answer_cannot_be_noticed_as_granted(drive):
    reg = _answered(drive, "tidak")
    before = (_events(reg), drive.case(reg).case_data)
    with pytest.raises(ValidationFailed) as caught:
        drive.do(reg, NOTICE)
    assert caught.value.errors == {"keputusan": [NOT_HELD_MESSAGE]}
    db.session.rollback()
    assert (_events(reg), drive.case(reg).case_data) == before
    assert drive.open_tasks(reg) == [NOTICE]


def test_held_answer_cannot_be_noticed_as_not_held(drive):
    reg = _answered(drive, "ya")
    with pytest.raises(ValidationFailed) as caught:
        drive.do(reg, NOTICE, keputusan="tidak_dikuasai", badan_publik_lain="Tidak diketahui")
    assert caught.value.errors == {"keputusan": [HELD_MESSAGE]}


@pytest.mark.parametrize("held,decision,extra", [
    ("tidak", "tidak_dikuasai", {"badan_publik_lain": "BPS Kab. Pasuruan"}),
    ("ya", "ditolak", {"dasar_penolakan": ["h"], "uji_konsekuensi": "Data pribadi", "jangka_waktu_pengecualian": "Tetap"}),
])
def test_agreeing_notice_passes_and_pdf_and_register_say_the_same(drive, held, decision, extra):
    reg = _answered(drive, held)
    drive.do(reg, NOTICE, keputusan=decision, **extra)
    pdf = "".join(text_of(notice_document(actor("pemohon"), reg)).split())
    row = next(r for r in request_register() if r.nomor_pendaftaran == reg)
    assert row.informasi_dikuasai == {"ya": "Ya", "tidak": "Tidak"}[held]
    said_held = {"Ya": "Informasi dikuasai oleh Badan Publik ini",
                 "Tidak": "Informasi tidak dikuasai oleh Badan Publik ini"}[row.informasi_dikuasai]
    assert "".join(said_held.split()) in pdf and "".join(DECISIONS[decision].split()) in pdf
    assert row.keputusan == {"tidak_dikuasai": "Informasi tidak dikuasai",
                             "ditolak": "Permohonan ditolak (informasi dikecualikan)"}[decision]
    assert "".join(row.alasan_penolakan.split()) in pdf


def test_rule_without_an_earlier_answer_checks_nothing():
    schema = {"properties": {"keputusan": {"x-sesuai-dengan": {"isian": "informasi_dikuasai", "bila": {
        "tidak": {"boleh": ["tidak_dikuasai"], "pesan": "x"}}}}}}
    check_agreement(schema, {"keputusan": "ditolak"}, {})
    check_agreement(schema, {"keputusan": "ditolak"}, {"informasi_dikuasai": "ya"})
    with pytest.raises(ValidationFailed):
        check_agreement(schema, {"keputusan": "ditolak"}, {"informasi_dikuasai": "tidak"})
