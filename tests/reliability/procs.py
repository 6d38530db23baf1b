"""Helpers for the reliability tests: real processes (run.py, gunicorn, `ppid timers run`) on
loopback, and a small JSON client. Every loop here is bounded in count and in time."""
from __future__ import annotations

import base64
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG (what a phone camera would send, only smaller)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def child_env(tmp: Path, database_url: str | None = None, **extra) -> dict[str, str]:
    """Environment of a server or worker process: its own uploads, mail folder and secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPID_") and k != "DATABASE_URL"}
    env.update({"SECRET_KEY": "reliability-test", "PPID_UPLOAD_DIR": str(tmp / "uploads"),
                "PPID_MAIL_DIR": str(tmp / "mail"), "PYTHONUNBUFFERED": "1", "PPID_TIMER_INTERVAL": "3600"})
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(PPID_REQUESTS_PER_HOUR="0", PPID_REQUESTS_PER_DAY="0")  # load tests file many requests from one account
    env.update({k: str(v) for k, v in extra.items()})
    return env


def ppid_command() -> list[str]:
    """The `ppid` console script of this interpreter's environment (or the same through -c)."""
    script = Path(sys.executable).parent / "ppid"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from app.cli import main; main()"]


class Output:
    """Collects a child's stdout lines in a thread, so the pipe never fills."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        stream.close()

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        for line in list(self.lines):
            if (found := regex.search(line)) is not None:
                return found
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if (found := regex.search(line)) is not None:
                return found
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s; output:\n" + "\n".join(self.lines))

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Child:
    proc: subprocess.Popen
    out: Output

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, like a power cut of one process."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def spawn(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> Child:
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own process group: a kill reaches every worker
    return Child(proc, Output(proc.stdout))


def start_run_py(db_path: Path, tmp: Path, port: int | None = None) -> tuple[Child, str, str | None]:
    """`python run.py --demo --db FILE --port PORT`; returns (child, base URL, demo password if printed)."""
    port = port or free_port()
    child = spawn([sys.executable, str(ROOT / "run.py"), "--demo", "--db", str(db_path), "--port", str(port),
                   "--host", LOOPBACK, "--threads", "4"], child_env(tmp))
    found = child.out.wait_for(r"PPID Kabupaten Pasuruan: (http://\S+)/ ", timeout=90)
    password = re.search(r"password for all: (\S+)\)", child.out.text())
    return child, found.group(1), password.group(1) if password else None


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@dataclass
class Reply:
    status: int
    body: dict | None
    content_type: str = ""


class Api:
    """A tiny JSON client for /api/v1 on loopback (standard library only)."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 30) -> None:
        assert base.startswith(f"http://{LOOPBACK}:"), "load goes to loopback only"
        self.base, self.token, self.timeout = base.rstrip("/") + "/api/v1", token, timeout

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw, status, ctype = response.read(), response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raw, status, ctype = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"raw": raw[:500].decode("utf-8", "replace")}
        return Reply(status, parsed, ctype)

    def sign_in(self, username: str, password: str) -> "Api":
        reply = self.call("POST", "/auth/token", {"username": username, "password": password})
        assert reply.status == 201, reply
        return Api(self.base.removesuffix("/api/v1"), reply.body["token"], self.timeout)


REQUEST = {
    "jenis_pemohon": "perorangan", "nama_lengkap": "Siti Aminah", "nik": "3514012301900001",
    "alamat": "Jl. Raya Bangil 12, Pasuruan", "pekerjaan": "Wiraswasta", "telepon": "081234567890",
    "email": "siti@contoh.id", "rincian_informasi": "Daftar penerima beasiswa daerah tahun 2025",
    "tujuan_penggunaan": "Penelitian skripsi", "cara_memperoleh": "salinan_softcopy",
    "cara_mendapatkan_salinan": "email",
}


def request_body(png: bytes | None = None) -> dict:
    png = png or tiny_png()
    return {**REQUEST, "lampiran": {"lampiran_identitas": {"filename": "ktp.png",
                                                           "content_base64": base64.b64encode(png).decode()}}}


@dataclass
class LoadLog:
    """What the clients were told: only acknowledged work must survive a crash."""

    created: list[str] = field(default_factory=list)       # 201 + registration number
    completed: list[str] = field(default_factory=list)     # first staff task completed (200)
    failed_calls: int = 0                                   # no answer (the server died under the call)
    other: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def pg_tools_available() -> bool:
    return shutil.which("pg_dump") is not None


def every_case_verifies_and_replays() -> int:
    """Inside an app context: every case passes the hash-chain check and replay; closes the
    connections (the caller's database is usually dropped next). Returns the number of cases."""
    from app.persistence.models import db
    from app.services.records.audit import verify_all
    from app.services.records.replay import replay_all

    count, problems = verify_all()
    assert not problems, "\n".join(map(str, problems))
    reports = replay_all()
    assert all(r.ok for r in reports), [str(m) for r in reports for m in r.mismatches][:10]
    db.session.remove()
    db.engine.dispose()
    return count
