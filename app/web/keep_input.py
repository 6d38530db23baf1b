"""A form sent with an expired session or a stale CSRF token comes back filled in.

The posted fields (not files, not passwords) are kept server-side (services.casework.form_stash) under a
key held in this browser's session; the person signs in again if needed and is sent back to the
form, which takes its values back once (`restored`)."""
from __future__ import annotations

import unicodedata
from urllib.parse import urljoin, urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.services.casework import form_stash

from .clock import now

SESSION_ENDED = "Sesi Anda berakhir; masuk lagi lalu kirim ulang. Isian Anda (kecuali berkas) disimpan sementara."
FORM_EXPIRED = "Sesi formulir ini berakhir; isian Anda (kecuali berkas) dikembalikan. Periksa, lalu kirim ulang."
#: the same, for a form that does not take its values back (nothing was kept, so nothing is promised)
SESSION_ENDED_PLAIN = "Sesi Anda berakhir; masuk lagi lalu kirim ulang."
FORM_EXPIRED_PLAIN = "Sesi formulir ini berakhir; isi lalu kirim ulang formulir."
#: the pages whose GET view calls `restored()`: only their posts are kept
RESTORING_ENDPOINTS = frozenset({"portal.new_request", "tasks.show"})
RESTORED = "Isian Anda sebelumnya telah dikembalikan (kecuali berkas dan kata sandi). Periksa, lalu kirim ulang."
STASH_KEY = "_isian_tersimpan"


def safe_local_path(target: str | None) -> str | None:
    """`target` as a path on this site, else None: the one check of every `next` address (sign-in,
    expired sessions, task forms). Whitespace and control characters are removed first (browsers
    drop them too, so `/%09/evil.example` would become `//evil.example`); then the path must start with
    a single "/" (not "//" nor "/\\"), and resolving it against this site must stay on this site."""
    if not target:
        return None
    path = "".join(c for c in target if not (c.isspace() or unicodedata.category(c)[0] == "C"))
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    parts = urlsplit(path)
    joined = urlsplit(urljoin("http://ppid.invalid/", path))
    if parts.scheme or parts.netloc or joined.scheme != "http" or joined.netloc != "ppid.invalid":
        return None
    return path


def _form_page(path: str) -> str | None:
    """The endpoint showing a page (GET) at the address that received the post (the form itself), or None."""
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return None
    except Exception:  # a redirect rule and the like: not a form page
        return None
    return endpoint


def keep_and_return():
    """The answer to a browser form that arrived without a valid session: keep what was typed,
    then back to the form (through the sign-in page when nobody is signed in)."""
    path = request.path
    endpoint = _form_page(path)
    target = path if endpoint else safe_local_path(urlsplit(request.referrer or "").path or None)
    key = None
    if endpoint in RESTORING_ENDPOINTS:
        key = form_stash.keep(path, list(request.form.items(multi=True)), now())
        if key:
            session[STASH_KEY] = key
    if current_user.is_authenticated:  # signed in, but the form's token had expired
        flash(FORM_EXPIRED if key else FORM_EXPIRED_PLAIN, "error")
        return redirect(target or url_for("public.home"))
    flash(SESSION_ENDED if key else SESSION_ENDED_PLAIN, "error")
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def restored() -> MultiDict | None:
    """The fields kept for this form in this browser, once (and a note saying so)."""
    key = session.get(STASH_KEY)
    if not key or request.method != "GET":
        return None
    pairs = form_stash.take(key, request.path, now())
    if pairs is None:
        return None
    session.pop(STASH_KEY, None)
    flash(RESTORED, "info")
    return MultiDict(pairs)


def is_browser_form_post() -> bool:
    return (request.method == "POST" and not request.path.startswith("/api/")
            and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"))
