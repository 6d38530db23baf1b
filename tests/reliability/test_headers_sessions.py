"""Security headers on pages, files, documents and the API (answers and errors alike), and the
session cookie's flags: HttpOnly and SameSite=Lax always, Secure (and HSTS) with PPID_HTTPS=true.

Sessions end on sign-out and on a password change: tests/web/test_auth.py
(test_sign_out_ends_the_session, test_password_change_ends_other_sessions) and, for API tokens,
tests/web/test_api.py::test_a_password_change_ends_every_token_issued_before.
"""
from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import pytest

from app.persistence.models import Attachment, db
from tests.conftest import PASSWORD, build_app
from tests.reliability.procs import REQUEST, tiny_png

HEADERS = {
    "Content-Security-Policy": "default-src",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _check(response, where: str) -> None:
    for name, expected in HEADERS.items():
        assert expected in response.headers.get(name, ""), (where, response.status_code, name)


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_every_kind_of_answer_carries_the_security_headers(app, client):
    assert client.post("/masuk", data={"username": "pemohon", "password": PASSWORD}).status_code == 302
    response = client.post("/permohonan/baru", data={**REQUEST, "lampiran_identitas": (io.BytesIO(tiny_png()), "ktp.png")},
                           content_type="multipart/form-data")
    reg = response.headers["Location"].rsplit("/", 1)[1]
    db.session.remove()
    token = db.session.scalar(db.select(Attachment.token))
    pages = ["/", "/masuk", "/permohonan", f"/permohonan/{reg}", f"/cek/{reg}", "/tidak-ada", "/static/app.css",
             f"/permohonan/{reg}/tanda-terima.pdf", f"/lampiran/{token}", "/staf/tugas"]
    for path in pages:
        _check(client.get(path), path)
    api_token = client.post("/api/v1/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {api_token}"}
    for path, headers in (("/api/v1/openapi.json", {}), (f"/api/v1/requests/{reg}", auth),
                          ("/api/v1/tasks", {}), ("/api/v1/tidak-ada", auth), ("/api/v1/tasks/999", auth)):
        _check(client.get(path, headers=headers), path)
    _check(client.post("/api/v1/requests", data="{", content_type="application/json", headers=auth), "bad json")
    body = {**REQUEST, "lampiran": {"lampiran_identitas": {"filename": "ktp.png",
                                                           "content_base64": base64.b64encode(tiny_png()).decode()}}}
    _check(client.post("/api/v1/requests", json=body, headers=auth), "created")


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = _session_cookie(client.post("/masuk", data={"username": "pemohon", "password": PASSWORD}))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP (the default): a Secure cookie would never come back


@pytest.mark.parametrize("setting", ["true", True])
def test_with_https_on_the_cookie_is_secure_and_hsts_is_sent(tmp_path, _template_db, setting, monkeypatch):
    if not isinstance(_template_db, Path):
        pytest.skip("SQLite template only (the setting does not depend on the database)")
    shutil.copy(_template_db, tmp_path / "db.sqlite3")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    if setting == "true":  # as an operator sets it: an environment variable
        monkeypatch.setenv("PPID_HTTPS", "true")
        app = build_app(tmp_path / "instance", url)
    else:
        app = build_app(tmp_path / "instance", url, PPID_HTTPS=True)
    client = app.test_client()
    response = client.post("/masuk", data={"username": "pemohon", "password": PASSWORD},
                           base_url="https://ppid.pasuruankab.go.id")
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.engine.dispose()
