"""The process modeler in the page (/proses/<process_id>/ubah): bpmn-js served from app/static/vendor,
our own properties panel (app/static/modeler*.js), drafts, their check and their deployment.

Process owners and administrators only, like every page under /proses.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from app.domain.roles import ADMIN, PROCESS_OWNER
from app.services import drafts

from .security import roles_required

bp = Blueprint("modeler", __name__, url_prefix="/proses")


@bp.before_request
@roles_required(PROCESS_OWNER, ADMIN)
def _managers_only():
    """Every page here is for process owners and administrators."""
    return None


@bp.get("/<process_id>/ubah")
def edit(process_id: str):
    """The newest version of the process opened in the modeler."""
    source = drafts.latest_source(process_id)
    return render_template("processes/modeler.html", source=source, data={"problems": []})
