"""The plain input of the document generators.

The caller (web layer, CLI) collects a case into a :class:`CaseDocumentData`; the
generators in :mod:`app.documents.pdf` only read it. Nothing here touches Flask, the
database or the workflow engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain.timeutil import require_aware

#: One uploaded file: (form field, original file name, content type, content or None
#: when the content is not available to the generator).
Attachment = tuple[str, str, str, "bytes | None"]


@dataclass(frozen=True)
class CaseDocumentData:
    """Everything a case document may show.

    ``case_data`` holds the case's data keys as named in ``forms/*.schema.json``
    (``nama_lengkap``, ``nik``, ``keputusan``, ``dasar_penolakan``, ``nomor_keberatan``,
    ...) plus the keys the process sets (``tanggal_diterima``, ``tanggal_keberatan``,
    ``batas_pemberitahuan``, ...). Values are user input and are treated as untrusted.

    ``history`` is a list of dicts with the keys ``at`` (aware datetime), ``event_type``,
    ``actor_name``, ``actor_role``, ``task_name`` and ``summary`` (missing keys show "-").
    """

    registration_number: str
    received_at: datetime
    status: str = ""
    case_data: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    verification_hash: str | None = None
    diagram_png: bytes | None = None

    def __post_init__(self) -> None:
        require_aware(self.received_at)
        if not isinstance(self.case_data, dict):
            raise TypeError("case_data must be a dict")
