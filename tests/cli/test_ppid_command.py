"""The operator's `ppid` command and `python run.py`."""
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import time_machine
from click.testing import CliRunner

from app import create_app
from app.cli import main as ppid
from app.persistence.models import ProcessVersion, User, db

from tests.support import Driver, wib

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args):
    db.session.remove()  # end the test's own transaction: SQLite writers take the lock up front
    result = CliRunner().invoke(ppid, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_init_db_is_idempotent_and_deploys_each_process_once(app):
    assert invoke("init-db")[0] == 0
    assert invoke("init-db")[0] == 0
    processes = len(list((ROOT / "processes").glob("*.bpmn")))
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == processes


def test_demo_data_prints_only_new_accounts(app):
    code, output = invoke("demo-data", "--password", "x")
    assert code == 0 and output == ""  # the fixture loaded them already


def test_timers_run_once_and_cases_list(app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        traveller.move_to(wib(2026, 3, 9))
        code, output = invoke("timers", "run", "--once")
        assert code == 0
        assert f"{reg}: Target layanan 4 hari kerja" in output and "timers fired: 2 in 1 cases" in output
        assert f"{reg}: Target pemeriksaan kelengkapan 3 hari kerja" in output
        code, output = invoke("cases", "list")
        assert code == 0 and reg in output and "Diajukan" in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_run_py(tmp_path, *flags):
    """run.py on a new SQLite file; returns (process, port, what it printed until it served)."""
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": "x", "PPID_MAIL_DIR": str(tmp_path / "mail"),
           "PPID_UPLOAD_DIR": str(tmp_path / "up")}
    proc = subprocess.Popen([sys.executable, "run.py", *flags, "--port", str(port),
                             "--db", str(tmp_path / "db.sqlite3")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("PPID Kabupaten Pasuruan: http"):  # printed once the socket is bound
            break
    return proc, port, "".join(lines)


def test_run_py_demo_creates_everything_on_an_empty_database_and_serves(tmp_path):
    proc, port, output = _start_run_py(tmp_path, "--demo")
    try:
        assert "Demo accounts created (password for all: " in output
        assert "petugas" in output and "atasan_ppid" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert "Permohonan Informasi" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(30)


def test_run_py_without_demo_makes_only_the_first_admin_and_prints_its_password_once(tmp_path):
    """Issue 15 item 12: no demo accounts on a real first start; the first administrator's random
    password is printed once (never logged), and a second start prints nothing."""
    proc, port, output = _start_run_py(tmp_path)
    try:
        assert "Demo accounts" not in output
        password = re.search(r"username 'admin', password '([^']+)'", output).group(1)
        assert len(password) >= 12 and output.count(password) == 1
    finally:
        proc.terminate()
        rest = proc.communicate(timeout=30)[0]
    assert password not in rest  # nor in anything logged later
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": "x"},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        assert [(u.username, u.role_set, u.must_change_password) for u in users] == [("admin", {"admin"}, True)]
        db.session.remove()
    proc, port, again = _start_run_py(tmp_path)
    proc.terminate()
    proc.communicate(timeout=30)
    assert "First administrator" not in again


def test_admin_calendar_edits_move_new_deadlines_but_not_frozen_ones(app):
    from datetime import timedelta

    from app.persistence.models import TimerJob

    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        before = drive.start()
        assert invoke("calendar", "add", "2026-03-04", "Hari jadi Kabupaten")[0] == 0
        assert "2026-03-04" in invoke("calendar", "list", "--year", "2026")[1]
        after = drive.start()
        due = {reg: db.session.scalar(db.select(TimerJob.due_at).where(
            TimerJob.spec_id == "Timer_Target4HK", TimerJob.instance_id == drive.case(reg).id)) for reg in (before, after)}
        assert due[after] - due[before] == timedelta(days=3)  # Friday -> Monday: the extra day off moved it
        assert invoke("calendar", "remove", "2026-03-04")[1].strip() == "removed"
        assert invoke("calendar", "cuti-bersama", "kerja")[0] == 0
