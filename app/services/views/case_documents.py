"""A case's documents as the actor may see them: the receipt, the written notice, the objection's receipt
and decision, and the dispute bundle (PDF and ZIP made by app.documents from the data collected here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain import roles
from app.domain.errors import Forbidden, NotFound
from app.persistence.models import AuditEvent, db

from app.services.casework.access import may_see_personal_data
from app.services.casework.attachments import case_attachments, read_attachment, withheld_from
from app.services.views.case_view_parts import actor_label, event_title, form_labels, is_owner, status_after
from app.services.casework.cases import find_instance, get_case
from app.services.infrastructure.context import Actor
from app.services.modelling.versions import definition_for

@dataclass(frozen=True)
class CaseDocuments:
    data: Any  # app.documents.CaseDocumentData (imported lazily: the PDF libraries are slow to load)
    labels: dict[str, dict[str, str]]
    show_personal: bool


def document_data(actor: Actor, registration_number: str) -> CaseDocuments:
    """Collect a case into the documents' input, as the actor may see it."""
    from app.documents import CaseDocumentData

    view = get_case(actor, registration_number)
    instance = find_instance(registration_number)
    definition = definition_for(instance)
    personal = may_see_personal_data(actor, instance)
    show_names = not is_owner(actor, instance)
    history = []
    for entry in view.history:
        title = event_title(entry.event_type, entry.task_name, entry.payload)
        if entry.event_type == "case_started":
            title = "Permohonan dibuat"
        status = status_after(entry.payload)
        history.append({"at": entry.at, "event_type": entry.event_type,
                        "actor_name": actor_label(entry, show_names),
                        "actor_role": roles.role_label(entry.actor_role) if entry.actor_role else "",
                        "task_name": title or entry.task_name or "-",
                        "summary": f"Status: {status}" if status else ""})
    attachments = []
    for row in case_attachments(instance.id):
        if (row.personal and not personal) or withheld_from(actor, instance, row.field):
            continue
        try:
            _, content = read_attachment(actor, row.token)
        except (Forbidden, NotFound, OSError):
            content = None
        attachments.append((row.field, row.original_name, row.content_type, content))
    last_hash = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.instance_id == instance.id)
                                  .order_by(AuditEvent.seq.desc()).limit(1))
    data = CaseDocumentData(registration_number=view.registration_number, received_at=view.created_at,
                            status=view.status, case_data=dict(view.data), history=history,
                            attachments=attachments, verification_hash=last_hash)
    return CaseDocuments(data, form_labels(definition), personal)


def receipt_document(actor: Actor, registration_number: str, base_url: str = "") -> bytes:
    """Tanda bukti penerimaan (NIK masked: the receipt may be shown to others)."""
    from app.documents import receipt_pdf

    docs = document_data(actor, registration_number)
    return receipt_pdf(docs.data, docs.labels, show_personal=False, base_url=base_url)


def notice_document(actor: Actor, registration_number: str) -> bytes:
    """Pemberitahuan tertulis; NotFound until the notice has been issued."""
    from app.documents import notice_pdf

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.KEPUTUSAN):
        raise NotFound("Pemberitahuan tertulis belum diterbitkan.")
    return notice_pdf(docs.data, docs.labels)


def objection_receipt_document(actor: Actor, registration_number: str) -> bytes:
    """Tanda bukti pengajuan keberatan; NotFound until an objection has been filed."""
    from app.documents import objection_receipt_pdf

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.NOMOR_KEBERATAN):
        raise NotFound("Keberatan belum diajukan.")
    return objection_receipt_pdf(docs.data, docs.labels)


def objection_decision_document(actor: Actor, registration_number: str) -> bytes:
    """Tanggapan Atasan PPID atas keberatan; NotFound until decided (or left unanswered past 30 working days)."""
    from app.documents import objection_decision_pdf

    docs = document_data(actor, registration_number)
    case = docs.data.case_data
    if not (case.get(contract.KEPUTUSAN_KEBERATAN) or case.get(contract.KEBERATAN_TIDAK_DITANGGAPI)):
        raise NotFound("Atasan PPID belum memberikan tanggapan atas keberatan.")
    return objection_decision_pdf(docs.data, docs.labels)


def dispute_bundle(actor: Actor, registration_number: str, now: datetime, base_url: str = "") -> bytes:
    """Berkas sengketa informasi (ZIP), put together at `now`; NotFound until a dispute has been recorded."""
    from app.documents import dispute_bundle_zip

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.STATUS_SENGKETA):
        raise NotFound("Sengketa informasi belum dicatat.")
    return dispute_bundle_zip(docs.data, docs.labels, made_at=now, show_personal=docs.show_personal,
                              base_url=base_url)
