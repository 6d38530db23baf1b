"""A refused or failed step leaves no file behind, and the sweep removes what a killed process left.

KTP scans are personal data; erasure reaches them through their attachment rows, so a file without a
row could never be erased. Every path that takes files (the request page, the API, the start and task
use cases, the task page) checks every field and file before writing anything; a step that fails after
writing rolls its files back with its rows; a process killed between the write and the commit leaves a
temporary file that `ppid data sweep-files` (and the timer worker, once a day) removes and reports.
Runs on SQLite and on PostgreSQL (PPID_TEST_DB=postgres). Issue 18 item 1.
"""
from __future__ import annotations

import base64
import io
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.errors import ValidationFailed
from app.persistence.models import Attachment, Incident, ProcessInstance, Setting, db
from app.services.casework import attachments, cases, tasks
from app.services.casework.attachments import Upload, read_attachment
from app.services.casework.cases import start_case
from app.services.casework.file_sweep import LAST_RUN_KEY, sweep_files
from app.services.casework.incidents import IncidentRaised
from app.services.infrastructure.worker import sweep as worker_sweep

from tests.conftest import USE_POSTGRES
from tests.support import PROCESS, REQUEST, actor, now, sign_in, wib
from tests.web.test_api import API, bearer, token
from tests.web.test_portal import form_token, png_bytes, request_form

ROOT = Path(__file__).resolve().parents[2]
START = wib(2026, 3, 2)
ANSWER = "Activity_JawabPermohonan"
FIELDS = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}


def upload_dir(app) -> Path:
    return Path(app.config["PPID_UPLOAD_DIR"])


def files(app) -> list[str]:
    folder = upload_dir(app)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Attachment))


def ktp() -> dict[str, Upload]:
    return {"lampiran_identitas": Upload("ktp.png", png_bytes())}


def at_answer(drive) -> str:
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    return reg


# ----------------------------------------------------------------------------- refused: nothing written

def test_the_request_page_with_a_good_scan_and_a_bad_e_mail_writes_no_file(app, client, drive):
    sign_in(client, "pemohon")
    response = client.post("/permohonan/baru", content_type="multipart/form-data", data=request_form(
        form_token(client), (io.BytesIO(png_bytes()), "ktp.png"), email="bukan-email"))
    assert response.status_code == 422
    assert files(app) == [] and rows() == 0


def test_the_api_with_a_good_scan_and_a_bad_e_mail_writes_no_file(app, client, drive):
    body = {**FIELDS, "email": "bukan-email",
            "lampiran": {"lampiran_identitas": {"filename": "ktp.png",
                                                "content_base64": base64.b64encode(png_bytes()).decode()}}}
    response = client.post(f"{API}/requests", json=body, headers=bearer(token(client, "pemohon")))
    assert response.status_code == 422, response.get_json()
    assert "email" in response.get_json()["errors"]
    assert files(app) == [] and rows() == 0


def test_start_case_refuses_field_and_file_together_before_writing(app, drive):
    bad_scan = {"lampiran_identitas": Upload("ktp.png", b"not an image")}
    with pytest.raises(ValidationFailed) as refused:
        start_case(actor("pemohon"), PROCESS, {**FIELDS, "email": "bukan-email"}, now(), bad_scan)
    assert set(refused.value.errors) >= {"email", "lampiran_identitas"}
    with pytest.raises(ValidationFailed):
        start_case(actor("pemohon"), PROCESS, {**FIELDS, "email": "bukan-email"}, now(), ktp())
    assert files(app) == [] and rows() == 0 and db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0


def test_complete_task_refuses_before_writing_and_stores_on_success(app, drive):
    reg = at_answer(drive)
    answer = {"lampiran_jawaban": Upload("jawaban.png", png_bytes())}
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, ANSWER, uploads=answer, informasi_dikuasai="mungkin")
    assert "informasi_dikuasai" in refused.value.errors
    assert files(app) == [] and rows() == 0
    drive.do(reg, ANSWER, uploads=answer)
    stored = db.session.scalar(db.select(Attachment).filter_by(field="lampiran_jawaban"))
    assert files(app) == [stored.storage_name]  # under its final name once the step committed
    assert (upload_dir(app) / stored.storage_name).read_bytes() == png_bytes()


def test_the_task_page_with_a_file_and_a_bad_answer_writes_no_file(app, client, drive):
    reg = at_answer(drive)
    task_id = drive.task(reg, ANSWER).task_id
    db.session.remove()
    sign_in(client, "opd")
    response = client.post(f"/tugas/{task_id}", content_type="multipart/form-data", data={
        "_nomor_pendaftaran": reg, "informasi_dikuasai": "mungkin", "usulan_keputusan": "diterima_seluruhnya",
        "jawaban_opd": "Data terlampir", "lampiran_jawaban": (io.BytesIO(png_bytes()), "jawaban.png")})
    assert response.status_code == 422
    assert "Pilih berkas ini lagi" in response.get_data(as_text=True)
    assert files(app) == [] and rows() == 0


# ----------------------------------------------------------------------------- failed after the write

def _failing_after(module, monkeypatch) -> None:
    """The step fails right after its files are written, inside its transaction."""
    real = module.store_uploads

    def store_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("gagal setelah berkas ditulis")

    monkeypatch.setattr(module, "store_uploads", store_then_fail)


def test_a_start_that_fails_after_writing_rolls_its_file_back(app, drive, monkeypatch):
    _failing_after(cases, monkeypatch)
    with pytest.raises(IncidentRaised):
        start_case(actor("pemohon"), PROCESS, FIELDS, now(), ktp())
    assert files(app) == [] and rows() == 0
    assert db.session.scalar(db.select(db.func.count(Incident.id))) == 1  # the failure is an incident, no file


def test_a_task_that_fails_after_writing_rolls_its_file_back(app, drive, monkeypatch):
    reg = at_answer(drive)
    _failing_after(tasks, monkeypatch)
    with pytest.raises(IncidentRaised):
        drive.do(reg, ANSWER, uploads={"lampiran_jawaban": Upload("jawaban.png", png_bytes())})
    assert files(app) == [] and rows() == 0
    assert drive.open_tasks(reg) == [ANSWER]


def test_a_rename_lost_after_the_commit_is_finished_by_the_sweep(app, drive, monkeypatch):
    import app.persistence.files as pending_files

    def lost(_pending):
        raise OSError("disk went away")

    monkeypatch.setattr(pending_files, "make_final", lost)
    ref = start_case(actor("pemohon"), PROCESS, FIELDS, now(), ktp())
    monkeypatch.undo()
    stored = db.session.scalar(db.select(Attachment).filter_by(instance_id=ref.id))
    assert [name.split(".")[:2] for name in files(app)] == [stored.storage_name.split(".")]  # still temporary
    result = sweep_files(now() + timedelta(hours=2))
    assert result.finished == [stored.storage_name] and result.removed == []
    assert files(app) == [stored.storage_name]
    assert read_attachment(actor("pemohon"), stored.token)[1] == png_bytes()


def test_a_file_whose_rename_was_lost_is_still_served(app, drive, monkeypatch):
    import app.persistence.files as pending_files

    monkeypatch.setattr(pending_files, "make_final", lambda _pending: (_ for _ in ()).throw(OSError("gone")))
    ref = start_case(actor("pemohon"), PROCESS, FIELDS, now(), ktp())
    monkeypatch.undo()
    stored = db.session.scalar(db.select(Attachment).filter_by(instance_id=ref.id))
    assert read_attachment(actor("pemohon"), stored.token)[1] == png_bytes()  # the read finishes the rename
    assert files(app) == [stored.storage_name]


# ----------------------------------------------------------------------------- killed between write and commit

CRASH = textwrap.dedent("""
    import os, sys
    from datetime import datetime, timezone
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.conftest import build_app
    from app.services.casework import cases
    from app.services.casework.attachments import Upload
    from app.services.people.accounts import actor_for
    from app.persistence.models import User, db

    real = cases.store_uploads

    def store_then_die(*args, **kwargs):
        real(*args, **kwargs)
        os._exit(9)  # killed: no commit, no rollback, no clean-up of any kind

    cases.store_uploads = store_then_die
    app = build_app(Path({instance!r}), {url!r}, PPID_UPLOAD_DIR={uploads!r})
    with app.app_context():
        pemohon = actor_for(db.session.scalar(db.select(User).filter_by(username="pemohon")))
        when = datetime.fromisoformat({when!r})
        cases.start_case(pemohon, "permohonan_informasi", {fields!r}, when,
                         {{"lampiran_identitas": Upload("ktp.png", {scan!r})}})
    sys.exit(0)  # not reached
""")


def test_a_process_killed_between_write_and_commit_leaves_a_file_the_sweep_removes(app, drive, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()  # SQLite writers take the lock up front: the child must get it
    script = CRASH.format(root=str(ROOT), instance=str(tmp_path / "child"), url=url,
                          uploads=str(upload_dir(app)), when=now().isoformat(), fields=FIELDS, scan=png_bytes())
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 9, child.stderr
    left = files(app)
    assert len(left) == 1 and left[0].endswith(".part")  # written, never committed
    assert rows() == 0 and db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0
    db.session.remove()

    soon = sweep_files(now() + timedelta(minutes=5))  # a step may still be running: kept
    assert soon.removed == [] and soon.kept_pending == 1 and files(app) == left
    result = sweep_files(now() + timedelta(hours=2))
    assert result.removed == left and files(app) == []


# ----------------------------------------------------------------------------- the sweep

def test_the_sweep_removes_only_files_no_row_refers_to_and_says_which(app, drive):
    start_case(actor("pemohon"), PROCESS, FIELDS, now(), ktp())
    kept = files(app)
    folder = upload_dir(app)
    orphan = "ab" * 16 + ".bin"
    (folder / orphan).write_bytes(b"left by an erasure that stopped before its deletes")
    (folder / "catatan-operator.txt").write_text("not an upload: never touched")
    db.session.remove()
    runner = CliRunner().invoke(ppid, ["data", "sweep-files"], catch_exceptions=False)
    assert runner.exit_code == 0, runner.output
    assert f"removed (no row refers to it): {orphan}" in runner.output
    assert "files removed: 1" in runner.output
    assert files(app) == sorted(kept + ["catatan-operator.txt"])


def test_the_timer_worker_sweeps_the_upload_folder_once_a_day(app, drive):
    folder = upload_dir(app)
    folder.mkdir(parents=True, exist_ok=True)
    first, second = "01" * 16 + ".bin", "02" * 16 + ".bin"
    (folder / first).write_bytes(b"x")
    worker_sweep(now())
    assert files(app) == []
    assert db.session.scalar(db.select(Setting.value).filter_by(key=LAST_RUN_KEY)) == "2026-03-02"
    (folder / second).write_bytes(b"x")
    drive.traveller.shift(timedelta(hours=3))
    worker_sweep(now())
    assert files(app) == [second]  # once a day
    drive.traveller.shift(timedelta(days=1))
    worker_sweep(now())
    assert files(app) == []


@pytest.mark.skipif(not USE_POSTGRES, reason="the same tests run on PostgreSQL with PPID_TEST_DB=postgres")
def test_this_file_runs_on_postgresql(app):
    assert db.engine.dialect.name == "postgresql"
