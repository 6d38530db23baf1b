"""Personal data (UU 27/2022): KTP scans outside the web root under random names and only through
the authorised route; the NIK in full only in the case file; an applicant's data export; erasure
where the law allows, recorded in the audit log, with the hash chain and replay still verifying."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner

from app.cli import main as ppid
from app.domain import roles
from app.persistence.models import ApiToken, Attachment, AuditEvent, Outbox, ProcessInstance, User, db
from app.services.records import exports, registers
from app.services.people.accounts import create_user
from app.services.records.audit import verify_all
from app.services.records.replay import replay_all, replay_case
from tests.conftest import PASSWORD
from tests.reliability.procs import REQUEST, tiny_png
from app.services.casework.cases import start_case
from tests.support import PROCESS, Driver, actor, now, sign_in
from tests.support import REQUEST as SUPPORT_REQUEST

NIK = REQUEST["nik"]
ROOT = Path(__file__).resolve().parents[2]
TO_FINISH = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
             "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")


def file_request(client, username: str = "pemohon") -> str:
    sign_in(client, username)
    response = client.post("/permohonan/baru", data={**REQUEST, "lampiran_identitas": (io.BytesIO(tiny_png()), "ktp.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.remove()
    return response.headers["Location"].rsplit("/", 1)[1]


def invoke(*args):
    db.session.remove()
    result = CliRunner().invoke(ppid, list(args), catch_exceptions=False)
    db.session.remove()
    return result.exit_code, result.output


# ----------------------------------------------------------------------------- storage and serving

def test_ktp_scans_live_outside_the_web_root_under_random_names(app, client):
    reg = file_request(client)
    folder = Path(app.config["PPID_UPLOAD_DIR"]).resolve()
    static = Path(app.static_folder).resolve()
    assert not folder.is_relative_to(static) and not folder.is_relative_to(ROOT / "app")
    row = db.session.scalar(db.select(Attachment))
    assert row.personal and re.fullmatch(r"[0-9a-f]{32}\.bin", row.storage_name)
    assert [p.name for p in folder.iterdir()] == [row.storage_name]
    assert row.storage_name != row.original_name and row.token not in row.storage_name
    # the default folder (no setting) is instance/uploads, beside the database, outside app/
    from app.config import PROJECT_ROOT, SETTINGS
    assert SETTINGS["PPID_UPLOAD_DIR"][0] is None and not (PROJECT_ROOT / "app" / "uploads").exists()
    # only the authorised route serves it
    for path in (f"/static/{row.storage_name}", f"/static/../{row.storage_name}", f"/{row.storage_name}",
                 f"/uploads/{row.storage_name}", f"/instance/uploads/{row.storage_name}"):
        assert client.get(path).status_code == 404, path
    client.post("/keluar")
    assert client.get(f"/lampiran/{row.token}").status_code == 302  # sign in first
    create_user("tetangga", "Tetangga", PASSWORD, now(), [roles.PEMOHON], email="t@contoh.id")
    db.session.commit()
    for username, status in (("tetangga", 403), ("auditor", 403), ("opd", 403), ("pemohon", 200), ("petugas", 200)):
        sign_in(client, username)
        assert client.get(f"/lampiran/{row.token}").status_code == status, username
    assert reg


def _texts_of(response) -> str:
    data = response.get_data()
    if response.mimetype.endswith("zip") or data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def test_the_full_nik_appears_only_in_the_case_file(app, client):
    reg = file_request(client)
    Driver(None).walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    db.session.remove()
    masked = NIK[:4] + "*" * 8 + NIK[-4:]
    # the case file: the applicant's own case page, the staff's case file and task page show it
    sign_in(client, "petugas")
    assert NIK in client.get(f"/staf/kasus/{reg}").get_data(as_text=True)
    lists = {"petugas": ["/staf/tugas", "/staf/kasus", f"/cek/{reg}"],
             "opd": ["/staf/tugas", "/staf/kasus"],
             "auditor": [f"/staf/kasus/{reg}", "/staf/kasus"],
             "pemohon": ["/permohonan", f"/permohonan/{reg}/tanda-terima.pdf"]}
    checked = 0
    for username, paths in lists.items():
        sign_in(client, username)
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                continue
            assert NIK not in _texts_of(response), (username, path)
            checked += 1
    assert checked >= 7
    # registers and exports meant for the public or for analysis
    rows = registers.request_register()
    for text in (registers.to_csv(rows), exports.csv_text(), exports.xes_bytes().decode()):
        assert NIK not in text
    with zipfile.ZipFile(io.BytesIO(registers.to_xlsx(rows))) as archive:
        assert not any(NIK in archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    for mail in db.session.scalars(db.select(Outbox)):
        assert NIK not in mail.body and NIK not in mail.subject
    assert masked  # what lists show instead, where they show the field at all


# ----------------------------------------------------------------------------- export

def test_an_applicant_gets_everything_held_about_them_as_one_zip(app, client, tmp_path):
    reg = file_request(client)
    other = Driver(None).start(rincian_informasi="Anggaran jalan desa 2026")
    out = tmp_path / "pemohon.zip"
    code, output = invoke("data", "export", "pemohon", "--out", str(out))
    assert code == 0 and "2 case(s), 1 file(s)" in output
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        account = json.loads(archive.read("akun.json"))
        assert account["username"] == "pemohon" and account["email"] == "pemohon@contoh.pasuruankab.go.id"
        case = json.loads(archive.read(f"permohonan/{reg}/data.json"))
        assert case["data"]["nik"] == NIK and case["data"]["nama_lengkap"] == REQUEST["nama_lengkap"]
        steps = json.loads(archive.read(f"permohonan/{reg}/riwayat.json"))
        assert any((s.get("submitted") or {}).get("rincian_informasi") == REQUEST["rincian_informasi"] for s in steps)
        assert f"permohonan/{other}/data.json" in names
        scans = [n for n in names if n.startswith("lampiran/")]
        assert len(scans) == 1 and archive.read(scans[0]) == tiny_png() and ".." not in scans[0]
    assert invoke("data", "export", "tidak-ada", "--out", str(tmp_path / "x.zip"))[0] != 0


def test_an_applicant_downloads_their_own_data_from_the_account_page(app, client):
    mine = file_request(client)
    driver = Driver(None)
    driver.walk(mine, "Activity_PeriksaKelengkapan")
    driver.do(mine, "Activity_TeruskanKeOPD", catatan_disposisi="Catatan internal untuk OPD")
    create_user("warga2", "Warga Dua", PASSWORD, now(), [roles.PEMOHON], email="warga2@contoh.id")
    db.session.commit()
    assert 'href="/akun/data-saya.zip"' in client.get("/kata-sandi").get_data(as_text=True)
    answer = client.get("/akun/data-saya.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "no-store" in answer.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        assert json.loads(archive.read("akun.json"))["username"] == "pemohon"
        case = json.loads(archive.read(f"permohonan/{mine}/data.json"))
        assert case["data"]["nik"] == NIK  # theirs, in full
        assert "catatan_disposisi" not in case["data"]  # the office's working note is not their data
    sign_in(client, "warga2")
    with zipfile.ZipFile(io.BytesIO(client.get("/akun/data-saya.zip").data)) as archive:
        assert json.loads(archive.read("akun.json"))["username"] == "warga2"
        assert not any(mine in name for name in archive.namelist()) and NIK.encode() not in b"".join(
            archive.read(n) for n in archive.namelist())
    client.post("/keluar")
    assert client.get("/akun/data-saya.zip").status_code in (302, 401)


# ----------------------------------------------------------------------------- erasure

class WargaDriver(Driver):
    """Cases of an applicant of their own (the demo applicant stays as it is for other tests)."""

    def start(self, **changes) -> str:
        return start_case(actor("warga"), PROCESS, {**SUPPORT_REQUEST, **changes}, now()).registration_number


def test_erasure_where_the_law_allows_it(app, client, tmp_path):
    create_user("warga", "Siti Aminah", PASSWORD, now(), [roles.PEMOHON], email="warga@contoh.id")
    db.session.commit()
    finished = file_request(client, "warga")
    WargaDriver(None).walk(finished, *TO_FINISH)
    WargaDriver(None).decline_objection(finished, "warga")
    running = WargaDriver(None).start()
    db.session.remove()
    folder = Path(app.config["PPID_UPLOAD_DIR"])
    scan = db.session.scalar(db.select(Attachment).filter_by(personal=True))
    assert (folder / scan.storage_name).is_file()
    db.session.remove()

    code, output = invoke("data", "erase", "warga")
    assert code == 0, output
    assert f"erased: {finished}" in output and f"kept (still running): {running}" in output
    done = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=finished))
    for key in ("nik", "nama_lengkap", "alamat", "email", "telepon", "lampiran_identitas"):
        assert done.case_data[key] == "(dihapus)", key
    assert done.case_data["rincian_informasi"] == REQUEST["rincian_informasi"]  # the request itself stays
    assert NIK not in done.state and REQUEST["alamat"] not in done.state and done.applicant_name == "(dihapus)"
    assert not (folder / scan.storage_name).exists()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment).filter_by(personal=True)) == 0
    event = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=done.id).order_by(AuditEvent.seq.desc()))
    payload = json.loads(event.payload)
    assert event.event_type == "personal_data_erased" and "nik" in payload["erased"] and NIK not in event.payload
    for mail in db.session.scalars(db.select(Outbox).filter_by(instance_id=done.id)):
        assert REQUEST["nama_lengkap"] not in mail.body and "warga@contoh" not in mail.recipient
    still = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=running))
    assert still.case_data["nik"] == NIK  # a running case keeps what the office needs
    user = db.session.scalar(db.select(User).filter_by(username="warga"))
    assert user.active and user.full_name != "(dihapus)"  # kept until the running case is done
    count, problems = verify_all()
    assert count == 2 and not problems, problems
    assert all(r.ok for r in replay_all()), [str(m) for r in replay_all() for m in r.mismatches]
    report = replay_case(finished)
    assert report.ok and report.skipped >= 1

    # once nothing runs any more, the account goes too: name, e-mail, sign-in, sessions, tokens
    token = client.post("/api/v1/auth/token", json={"username": "warga", "password": PASSWORD}).get_json()["token"]
    db.session.remove()
    WargaDriver(None).walk(running, *TO_FINISH)
    WargaDriver(None).decline_objection(running, "warga")
    db.session.remove()
    code, output = invoke("data", "erase", "warga")
    assert code == 0 and "account erased and deactivated" in output, output
    user = db.session.scalar(db.select(User).filter_by(username="warga"))
    assert (user.full_name, user.email, user.active) == ("(dihapus)", None, False)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/permohonan").status_code == 302  # the session ended
    assert client.post("/masuk", data={"username": "warga", "password": PASSWORD}).status_code == 401
    db.session.remove()
    count, problems = verify_all()
    assert count == 2 and not problems, problems
    assert all(r.ok for r in replay_all())
    # erasing again changes nothing and writes no event
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    assert invoke("data", "erase", "warga")[0] == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events
    # the history pages name the erasure in words
    sign_in(client, "auditor")
    page = client.get(f"/audit/kasus/{finished}").get_data(as_text=True)
    assert "Data pribadi dihapus" in page and "personal_data_erased" not in page
