"""The case documents as PDF (fpdf2): the public functions.

Every function takes a :class:`~app.documents.model.CaseDocumentData` and returns the
bytes of a complete PDF. ``labels`` (``{field: {code: title}}``, e.g. from
:func:`app.documents.labels.load_form_labels`) turns coded values into their Indonesian
titles; without it the raw code is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.documents.bundle import dispute_bundle_pdf, dispute_bundle_zip
from app.documents.history import render_history
from app.documents.layout import Document, build
from app.documents.model import CaseDocumentData
from app.documents.notice import render_notice
from app.documents.objection import render_objection_decision, render_objection_receipt
from app.documents.receipt import render_receipt

Labels = Mapping[str, Mapping[str, str]]

__all__ = [
    "receipt_pdf", "notice_pdf", "objection_receipt_pdf", "objection_decision_pdf", "history_pdf",
    "dispute_bundle_pdf", "dispute_bundle_zip",
]


def receipt_pdf(data: CaseDocumentData, labels: Labels | None = None, *, show_personal: bool = False,
                base_url: str = "") -> bytes:
    """Tanda Bukti Penerimaan Permohonan Informasi Publik.

    The NIK (or deed number) is masked to its first and last 4 characters unless
    ``show_personal``; the follow-up address is ``base_url + "/cek/" + number``.
    """
    return build(lambda: Document(data.registration_number),
                 lambda doc: render_receipt(doc, data, labels, show_personal=show_personal,
                                            base_url=base_url)).to_bytes()


def notice_pdf(data: CaseDocumentData, labels: Labels | None = None) -> bytes:
    """Pemberitahuan Tertulis (UU KIP Pasal 22 ayat (7)); for ``keputusan == "perpanjang"``
    the extension notice (ayat (8))."""
    return build(lambda: Document(data.registration_number),
                 lambda doc: render_notice(doc, data, labels)).to_bytes()


def objection_receipt_pdf(data: CaseDocumentData, labels: Labels | None = None) -> bytes:
    """Tanda Bukti Pengajuan Keberatan."""
    return build(lambda: Document(data.registration_number),
                 lambda doc: render_objection_receipt(doc, data, labels)).to_bytes()


def objection_decision_pdf(data: CaseDocumentData, labels: Labels | None = None) -> bytes:
    """Keputusan Atasan PPID atas Keberatan."""
    return build(lambda: Document(data.registration_number),
                 lambda doc: render_objection_decision(doc, data, labels)).to_bytes()


def history_pdf(data: CaseDocumentData, labels: Labels | None = None) -> bytes:
    """Riwayat penanganan: history table, optional diagram, last audit hash."""
    return build(lambda: Document(data.registration_number),
                 lambda doc: render_history(doc, data, labels)).to_bytes()
