"""Run the whole service on one machine: web server and timer worker in one process.

    python run.py [--demo] [--host 127.0.0.1] [--port 5000] [--db PATH_OR_URL]

On an empty database it creates the schema, deploys processes/ and loads the regency's OPDs.
With --demo it also makes one demo account per role and prints their password once; without,
it makes only the first administrator, whose random password it prints once (to the terminal,
never to a log) and which must be changed at the first sign-in.
"""
from __future__ import annotations

import argparse
import logging
import secrets
import threading
from datetime import datetime, timezone


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PPID Kabupaten Pasuruan (embedded default)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--db", default=None, help="SQLite file path or a database URL (default: instance/ppid.sqlite3)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--demo", action="store_true",
                        help="on an empty database: one demo account per role (to try the service, not to run it)")
    return parser.parse_args()


def _database_url(value: str | None) -> str | None:
    if value is None or "://" in value:
        return value
    from pathlib import Path

    return f"sqlite:///{Path(value).resolve()}"


def _prepare(app, demo: bool) -> None:
    from app.cli import print_first_admin
    from app.services.people.accounts import is_empty, load_demo_data
    from app.services.infrastructure.installation import init_database

    with app.app_context():
        init_database(datetime.now(timezone.utc))
        if demo and is_empty():
            password = secrets.token_urlsafe(9)
            created = load_demo_data(password, datetime.now(timezone.utc))
            print(f"Demo accounts created (password for all: {password}) - shown only this once:")
            for username, full_name, roles in created:
                print(f"  {username:10} {roles:20} {full_name}")
            print(flush=True)
        else:
            print_first_admin()


def _timer_loop(app, interval: float, stop: threading.Event) -> None:
    from app.services.infrastructure.worker import sweep

    while not stop.wait(interval):
        try:
            with app.app_context():
                sweep(datetime.now(timezone.utc))
        except Exception:  # keep the worker alive; the error is logged
            app.logger.exception("timer sweep failed")


def main() -> None:
    from waitress import create_server

    from app import create_app

    args = _parse_args()
    logging.basicConfig(level=logging.INFO)
    overrides = {"DATABASE_URL": _database_url(args.db)} if args.db else {}
    app = create_app(overrides)
    _prepare(app, args.demo)
    stop = threading.Event()
    worker = threading.Thread(target=_timer_loop, args=(app, float(app.config["PPID_TIMER_INTERVAL"]), stop),
                              daemon=True, name="ppid-timers")
    worker.start()
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    print(f"PPID Kabupaten Pasuruan: http://{args.host}:{server.effective_port}/ (Ctrl+C stops)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()


if __name__ == "__main__":
    main()
