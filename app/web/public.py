"""Public pages that need no sign-in."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.services.cases import find_instance
from app.domain.errors import NotFound

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/cek/<registration_number>")
def check_status(registration_number: str):
    """Status of a case by registration number, with no personal data."""
    try:
        instance = find_instance(registration_number)
    except NotFound:
        return render_template("public/status.html", case=None, number=registration_number), 404
    return render_template("public/status.html", case=instance, number=registration_number)


@bp.get("/healthz")
def health():
    return {"status": "ok"}
