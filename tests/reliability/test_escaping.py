"""HTML and script typed into every text field come back escaped on every page, as plain text in
the PDFs (with no script or action of the PDF's own), and as plain text in text-only e-mail."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.persistence.models import HumanTask, Outbox, db
from app.services.infrastructure.notifications import deliver_pending
from tests.support import Driver, now, sign_in

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ATTR = '"><img src=x onerror=alert(2)>'
FREE_TEXT = ("nama_lengkap", "alamat", "pekerjaan", "rincian_informasi", "tujuan_penggunaan")
#: what would make a PDF act (an /OpenAction that only opens page 1 at page width, as fpdf2 writes, is fine)
PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/AA ", b"/AA<", b"/Launch", b"/SubmitForm", b"/URI(javascript")


@pytest.fixture
def hostile_case(app):
    """A request whose every free-text field (the applicant's and the officers') is markup."""
    drive = Driver(None)
    reg = drive.start(**{**{k: XSS for k in FREE_TEXT}, "pekerjaan": ATTR})
    drive.do(reg, "Activity_PeriksaKelengkapan", catatan_kelengkapan=XSS)
    drive.do(reg, "Activity_TeruskanKeOPD", catatan_disposisi=XSS)
    drive.do(reg, "Activity_JawabPermohonan", jawaban_opd=XSS)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", isi_pemberitahuan=XSS, bentuk_informasi=XSS)
    db.session.remove()
    return reg


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert XSS not in html and "<img src=x" not in html, path
    assert "onerror=alert" not in html.replace("onerror=alert(2)&gt;", ""), path
    return html


def test_markup_is_escaped_on_every_page(app, client, hostile_case):
    reg = hostile_case
    task = db.session.scalar(db.select(HumanTask.task_id).filter_by(registration_number=reg,
                                                                    spec_id="Activity_SerahkanInformasi"))
    mails = list(db.session.scalars(db.select(Outbox.id).filter_by(instance_id=db.session.scalar(
        db.select(HumanTask.instance_id).filter_by(registration_number=reg)))))
    db.session.remove()
    shown = []  # pages that show the typed text (escaped), besides those that do not show it at all
    sign_in(client, "pemohon")
    for path in ("/permohonan", f"/permohonan/{reg}", f"/cek/{reg}"):
        shown += [path] if ESCAPED in _page(client, path) else []
    sign_in(client, "petugas")
    for path in ("/staf/tugas", "/staf/kasus", f"/staf/kasus/{reg}", f"/tugas/{task}"):
        shown += [path] if ESCAPED in _page(client, path) else []
    sign_in(client, "admin")
    _page(client, "/admin/surat")
    for mail in mails:
        _page(client, f"/admin/surat/{mail}")
    assert {f"/permohonan/{reg}", "/staf/tugas", f"/staf/kasus/{reg}", f"/tugas/{task}"} <= set(shown), shown


def test_markup_is_plain_text_in_the_pdfs(app, client, hostile_case):
    reg = hostile_case
    sign_in(client, "pemohon")
    for path in (f"/permohonan/{reg}/tanda-terima.pdf", f"/permohonan/{reg}/pemberitahuan.pdf"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf", path
        raw = response.get_data()
        assert not [marker for marker in PDF_ACTIVE if marker in raw], path
        assert all(re.fullmatch(rb"/OpenAction \[\d+ 0 R /FitH null\]", a) for a in re.findall(rb"/OpenAction[^\]]*\]", raw))
        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
        assert "alert(1)" in re.sub(r"\s+", "", text), path  # shown as the words that were typed


def test_markup_is_plain_text_in_the_mail(app, hostile_case):
    rows = list(db.session.scalars(db.select(Outbox)))
    assert rows
    sent, failed = deliver_pending(now())
    assert failed == 0 and sent == len(rows)
    for path in Path(app.config["PPID_MAIL_DIR"]).glob("*.eml"):
        message = path.read_text()
        assert "Content-Type: text/plain" in message and "text/html" not in message, path.name
