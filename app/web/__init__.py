"""Web layer: Flask blueprints (HTML pages and the JSON API)."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app.domain.errors import DomainError

from .api_errors import ERROR_TITLES, problem

csrf = CSRFProtect()


def register_web(app: Flask) -> None:
    from . import filters
    from .security import login_manager, require_own_password, touch_session

    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):  # Flask's default is None, so setdefault kept it
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    # no cookie outlives the longest sign-in (Flask's default is 31 days); services.people.sessions ends it sooner
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config.get("PPID_SESSION_MAX_HOURS", 12)))
    if app.config.get("PPID_HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    filters.register(app)
    app.url_map.converters["int"] = DatabaseInt  # before the blueprints: their rules use it
    _register_blueprints(app)
    _register_errors(app)
    app.before_request(_refuse_nul)
    app.before_request(touch_session)
    app.before_request(require_own_password)
    app.after_request(_security_headers)
    app.after_request(_no_store_when_personal)


class DatabaseInt(IntegerConverter):
    """`<int:...>` in routes: ids an INTEGER column holds on every database (larger: 404, not 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _register_blueprints(app: Flask) -> None:
    import importlib

    for name in ("public", "auth", "portal", "tasks", "staff", "files", "admin", "processes", "modeler", "audit", "api"):
        module = importlib.import_module(f"{__name__}.{name}")  # a renamed module fails here, never skips
        app.register_blueprint(module.bp)
        if name == "api":
            csrf.exempt(module.bp)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if _wants_json():
            return problem(exc.http_status, exc.message, errors=getattr(exc, "errors", None))
        return render_template("error.html", code=exc.http_status, title=ERROR_TITLES.get(exc.http_status, ""),
                               message=exc.message), exc.http_status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        """A page form sent after its session ended (or its token expired) comes back filled in."""
        from .keep_input import is_browser_form_post, keep_and_return

        if is_browser_form_post():
            return keep_and_return()
        return _http_error(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return problem(exc.code or 500, ERROR_TITLES.get(exc.code or 500, exc.name))
        message = "Berkas yang diunggah terlalu besar." if exc.code == 413 else ERROR_TITLES.get(exc.code, exc.name)
        return render_template("error.html", code=exc.code, title=ERROR_TITLES.get(exc.code, exc.name),
                               message=message), exc.code


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse_nul():
    """No database stores NUL (PostgreSQL refuses it in text) and no person types it: in the address
    or a form field it is a 400; a query value holding it is dropped, so the page or the API falls
    back to its default for it. (The API refuses NUL in its JSON bodies itself.)"""
    pairs = list(request.args.items(multi=True))
    if any("\x00" in key + value for key, value in pairs):
        request.args = ImmutableMultiDict([(k, v) for k, v in pairs if "\x00" not in k + v])
    values = [request.path]
    if request.method == "POST" and request.mimetype in FORM_TYPES and not request.path.startswith("/api/"):
        values += [text for pair in request.form.items(multi=True) for text in pair]
    if any("\x00" in value for value in values):
        abort(400)


#: endpoints whose answers are the same for everyone and may stay in caches
CACHEABLE_ENDPOINTS = frozenset({"static", "public.favicon"})


def _no_store_when_personal(response):
    """No browser or proxy keeps a page of a signed-in person or an API answer (ASVS 8.2.1):
    every such response says `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0)."""
    from flask_login import current_user

    if request.endpoint in CACHEABLE_ENDPOINTS:
        return response
    if request.path.startswith("/api/") or current_user.is_authenticated:
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    if current_app.config.get("PPID_HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
