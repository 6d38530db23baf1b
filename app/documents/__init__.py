"""Case documents (receipts, notices, decisions, history, dispute bundle) as PDF.

Pure functions over plain data: no Flask, database or workflow engine. See
:mod:`app.documents.pdf` for the functions and :mod:`app.documents.model` for the input.
"""

from app.documents.labels import labels_from_schema, load_form_labels
from app.documents.model import CaseDocumentData
from app.documents.pdf import (
    dispute_bundle_pdf,
    dispute_bundle_zip,
    history_pdf,
    notice_pdf,
    objection_decision_pdf,
    objection_receipt_pdf,
    receipt_pdf,
)

__all__ = [
    "CaseDocumentData", "labels_from_schema", "load_form_labels", "receipt_pdf", "notice_pdf",
    "objection_receipt_pdf", "objection_decision_pdf", "history_pdf", "dispute_bundle_pdf",
    "dispute_bundle_zip",
]
