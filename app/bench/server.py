"""The web server of rows 3 and 7: the real app under gunicorn (if importable) or waitress, in a subprocess.

`python -m app.bench.server --port N --instance DIR` serves the app whose settings come from the
environment (DATABASE_URL, SECRET_KEY, PPID_...). Besides the app's own routes it has two routes
of its own, answered only with the run's secret header: GET /_bench/pid (the serving process, whose
/proc the bench reads) and POST /_bench/drive (whole cases through the services, inside the server,
for the memory row).
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

SECRET_HEADER = "X-Bench-Secret"
THREADS = 4


def wsgi_app():
    """The app plus the bench routes (settings from the environment)."""
    from flask import Blueprint, abort, jsonify, request

    from app import create_app

    app = create_app(instance_path=os.environ["PPID_BENCH_INSTANCE"])
    secret = os.environ["PPID_BENCH_SECRET"]
    bp = Blueprint("bench", __name__, url_prefix="/_bench")

    @bp.before_request
    def _only_the_bench():
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            abort(404)

    @bp.get("/pid")
    def pid():
        return jsonify({"pid": os.getpid()})

    @bp.post("/drive")
    def drive():
        from .service_row import demo_actors, drive_case

        body = request.get_json(force=True)
        actors = demo_actors()
        for index in range(int(body["start"]), int(body["start"]) + int(body["count"])):
            drive_case(actors, index)
        return jsonify({"done": int(body["count"])})

    app.register_blueprint(bp)
    from app.web import csrf

    csrf.exempt(bp)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from waitress import serve

    serve(wsgi_app(), host="127.0.0.1", port=args.port, threads=THREADS, ident="ppid-bench")


def server_kind() -> str:
    return "gunicorn" if importlib.util.find_spec("gunicorn") else "waitress"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """Start the server as a subprocess on a free loopback port; stop it at the end."""

    def __init__(self, env: dict[str, str], instance: Path, log_file: Path):
        self.port = free_port()
        self.secret = secrets.token_hex(16)
        self.kind = server_kind()
        self.log_file = log_file
        instance.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **env, "PPID_BENCH_INSTANCE": str(instance), "PPID_BENCH_SECRET": self.secret}
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None  # the process that serves requests (gunicorn: the worker)

    def command(self) -> list[str]:
        if self.kind == "gunicorn":
            return [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
                    "--threads", str(THREADS), "--bind", f"127.0.0.1:{self.port}", "--timeout", "600",
                    "app.bench.server:wsgi_app()"]
        return [sys.executable, "-m", "app.bench.server", "--port", str(self.port)]

    def spawn(self) -> "ServerProcess":
        """Start the process; `ready()` waits for it to answer (work can be done in between)."""
        self._log = self.log_file.open("ab")
        self.process = subprocess.Popen(self.command(), env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        cwd=str(Path(__file__).resolve().parent.parent.parent))
        return self

    def ready(self, seconds: float = 90) -> "ServerProcess":
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start (exit {self.process.returncode}); see {self.log_file}")
            try:
                self.pid = self.bench_call("GET", "/_bench/pid", timeout=2)["pid"]
                return self
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {seconds:.0f} s; see {self.log_file}")

    def __enter__(self) -> "ServerProcess":
        if self.process is None:
            self.spawn()
        return self.ready()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()

    def bench_call(self, method: str, path: str, body: dict | None = None, timeout: float = 3600) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={SECRET_HEADER: self.secret, "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
            return json.loads(data)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
