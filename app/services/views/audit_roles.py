"""Who may read what of the audit pages: every case's history, verification, exports and registers, and
the annual report."""
from __future__ import annotations

from app.domain import roles
from app.domain.errors import Forbidden

from app.services.infrastructure.context import Actor

#: who reads every case's history, verifies, exports and reads the registers
AUDIT_ROLES = frozenset({roles.AUDITOR, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID, roles.DISKOMINFO})
#: the case history pages also open to the OPD officers of the case (get_case checks the OPD)
HISTORY_ROLES = AUDIT_ROLES | {roles.OPD}
#: the annual report: the head of Diskominfo and the auditor
REPORT_ROLES = frozenset({roles.AUDITOR, roles.KEPALA_DISKOMINFO})



def require_role(actor: Actor, allowed: frozenset[str]) -> None:
    """Forbidden unless the actor holds one of the `allowed` roles."""
    if not actor.roles & allowed:
        raise Forbidden()
