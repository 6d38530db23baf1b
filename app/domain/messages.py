"""The BPMN messages this product sends to a case (docs/PROCESS_CONVENTIONS.md, "Messages").

A model may catch these (a boundary or intermediate message event of that name); a message of
another name is never sent, so a case waiting only for it would wait forever.
"""
from __future__ import annotations

WITHDRAWAL = "permohonan_dicabut"

#: message name -> sample payload (what the product sends with it)
PRODUCT_MESSAGES: dict[str, dict[str, str]] = {
    WITHDRAWAL: {"alasan_pencabutan": "Informasi sudah diperoleh dari sumber lain"},
}
