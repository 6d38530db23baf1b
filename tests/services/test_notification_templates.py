"""Every notification a process asks for has its own mail template."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_notification_named_in_a_process_has_a_template():
    named = set()
    for bpmn in (ROOT / "processes").glob("*.bpmn"):
        named |= set(re.findall(r'kirim_pemberitahuan\(\s*"[^"]+"\s*,\s*"([^"]+)"', bpmn.read_text()))
    templates = {p.stem for p in (ROOT / "app" / "templates" / "mail").glob("*.txt")}
    assert named and named - templates == set()


def test_decisions_reach_the_applicant_by_mail(app):
    import time_machine

    from app.persistence.models import Outbox, db
    from tests.support import OBJECTION_REFUSED, REFUSAL, Driver, wib

    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.do(reg, "Activity_AjukanKeberatan")
        drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    mails = db.session.scalars(db.select(Outbox).filter_by(recipient="pemohon@contoh.pasuruankab.go.id")
                               .order_by(Outbox.id)).all()
    assert [m.template for m in mails] == ["tanda_terima", "pemberitahuan_tertulis", "keberatan_diterima",
                                           "keberatan_ditolak"]
    assert "Komisi Informasi" in mails[-1].body and reg in mails[1].subject


def test_mails_name_the_day_of_the_limit_not_only_a_number_of_working_days(app):
    import time_machine

    from app.persistence.models import Outbox, db
    from tests.support import OBJECTION_REFUSED, REFUSAL, Driver, wib

    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:  # Monday 2 March 2026
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.do(reg, "Activity_AjukanKeberatan")
    bodies = {m.template: " ".join(m.body.split()) for m in db.session.scalars(
        db.select(Outbox).filter_by(recipient="pemohon@contoh.pasuruankab.go.id"))}
    assert "yaitu paling lambat Senin, 16 Maret 2026" in bodies["tanda_terima"]  # 10 working days
    assert re.search(r"keberatan .* paling lambat \w+, \d+ \w+ 2026", bodies["pemberitahuan_tertulis"])
    assert re.search(r"tanggapan paling lambat 30 hari kerja, yaitu \w+, \d+ \w+ 2026", bodies["keberatan_diterima"])
