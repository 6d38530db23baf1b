"""Public pages that need no sign-in."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.domain.errors import NotFound
from app.services.views.public_status_views import public_status

bp = Blueprint("public", __name__)

MAX_NUMBER_LENGTH = 40


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/cek")
def check_form():
    """The home page's form (no JavaScript): ?n=<number> goes to the status page."""
    number = (request.args.get("n") or "").strip().upper()[:MAX_NUMBER_LENGTH]
    if not number:
        flash("Masukkan Nomor Pendaftaran yang akan dicek.", "error")
        return redirect(url_for("public.home"))
    return redirect(url_for("public.check_status", registration_number=number))


@bp.get("/cek/<registration_number>")
def check_status(registration_number: str):
    """Status of a case by registration number, with no personal data."""
    number = registration_number.strip()[:MAX_NUMBER_LENGTH]
    try:
        status = public_status(number)
    except NotFound:
        return render_template("public/status.html", case=None, number=number), 404
    response = render_template("public/status.html", case=status, number=number)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@bp.get("/healthz")
def health():
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page; answer with the SVG icon, not a 404."""
    return current_app.send_static_file("favicon.svg")
