"""Every setting of the application, in one place.

Each can be given as an environment variable of the same name (PPID_ prefix for the ones
that are not standard names) or in the test_config passed to create_app().
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: name -> (default, description)
SETTINGS: dict[str, tuple[object, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default: SQLite (WAL) file ppid.sqlite3 in the instance folder"),
    "SECRET_KEY": (None, "session signing key; default: a random key kept in instance/secret_key"),
    "PPID_PROCESSES_DIR": (str(PROJECT_ROOT / "processes"), "folder of the deployed BPMN files"),
    "PPID_FORMS_DIR": (str(PROJECT_ROOT / "forms"), "folder of the JSON Schema forms"),
    "PPID_UPLOAD_DIR": (None, "where uploads (KTP scans) are kept, outside the web root; default instance/uploads"),
    "PPID_MAIL_BACKEND": ("folder", "'folder' (write .eml files to PPID_MAIL_DIR) or 'smtp'"),
    "PPID_MAIL_DIR": (None, "folder for the 'folder' mail backend; default instance/mail"),
    "PPID_MAIL_FROM": ("ppid@pasuruankab.go.id", "sender address of notifications"),
    "PPID_SMTP_HOST": ("127.0.0.1", "SMTP server host"),
    "PPID_SMTP_PORT": (25, "SMTP server port"),
    "PPID_SMTP_USER": ("", "SMTP user (empty: no authentication)"),
    "PPID_SMTP_PASSWORD": ("", "SMTP password"),
    "PPID_SMTP_STARTTLS": (False, "use STARTTLS"),
    "PPID_TIMER_INTERVAL": (30, "seconds between two timer sweeps of the embedded timer thread"),
    "PPID_TIMER_BATCH": (200, "due timers fired per sweep at most"),
    "PPID_MAX_UPLOAD_MB": (5, "largest accepted upload, in MiB"),
    "PPID_MAX_BODY_MB": (40, "largest page form the server reads at all, in MiB: a file over PPID_MAX_UPLOAD_MB "
                             "but under this is refused on its field with the rest of the form kept"),
    "PPID_RESUBMIT_WINDOW_MINUTES": (10, "a start form sent again with the same content by the same applicant "
                                         "within this many minutes is the same case (Back, then Kirim)"),
    "PPID_REQUESTS_PER_HOUR": (5, "requests (of any process) one applicant account may send in an hour; a "
                                  "regency applicant rarely files more than a few a day (0: no limit)"),
    "PPID_REQUESTS_PER_DAY": (20, "the same over 24 hours (0: no limit); requests an officer records at the "
                                  "counter are never counted"),
    "PPID_STORAGE_PER_ACCOUNT_MB": (100, "uploads one applicant account may keep in all, in MiB (about twenty "
                                         "scans at the 5 MB upload limit; 0: no limit)"),
    "PPID_BASE_URL": ("http://127.0.0.1:5000", "public address, used in links inside e-mails"),
    "PPID_SESSION_IDLE_MINUTES": (30, "a staff member's sign-in ends after this many minutes without a request"),
    "PPID_SESSION_IDLE_MINUTES_APPLICANT": (120, "the same for an applicant's sign-in (longer: a request form "
                                                 "can take a while to fill in)"),
    "PPID_SESSION_MAX_HOURS": (12, "every sign-in ends this many hours after it began, however active"),
    "PPID_TRUSTED_PROXIES": (0, "number of reverse proxies in front of the app (nginx, Caddy: 1) whose "
                                "X-Forwarded-For/-Proto/-Host are believed; 0: the connection's own address is the "
                                "client's (sign-in throttling is per client address, so set this behind a proxy)"),
    "PPID_HTTPS": (False, "served over HTTPS (behind a TLS proxy): session cookies get the Secure flag, "
                          "and Strict-Transport-Security is sent"),
}


def _coerce(default: object, raw: str) -> object:
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    return raw


def load_settings(instance_path: Path, overrides: dict | None = None) -> dict:
    """Defaults, then environment variables, then overrides; fill instance-relative paths."""
    values = {}
    for name, (default, _) in SETTINGS.items():
        raw = os.environ.get(name)
        values[name] = _coerce(default, raw) if raw is not None and default is not None else (raw or default)
    values.update(overrides or {})
    instance_path.mkdir(parents=True, exist_ok=True)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'ppid.sqlite3'}"
    values["PPID_UPLOAD_DIR"] = values["PPID_UPLOAD_DIR"] or str(instance_path / "uploads")
    values["PPID_MAIL_DIR"] = values["PPID_MAIL_DIR"] or str(instance_path / "mail")
    values["SECRET_KEY"] = values["SECRET_KEY"] or _instance_secret(instance_path)
    for name in ("PPID_PROCESSES_DIR", "PPID_FORMS_DIR"):
        if not Path(values[name]).is_dir():
            raise RuntimeError(f"setting {name}: folder {values[name]} does not exist")
    return values


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
