"""E-mail addresses and mail header values: one strict check wherever an address enters.

An address is checked by email-validator in its strict mode (syntax and lengths only: no DNS or deliverability
lookup; no display name, quoted local part or IP-address domain), must be plain ASCII
(the SMTP relay is not asked for SMTPUTF8) and may never hold a control character: a CR/LF in an address or a
subject would let its author add mail headers (e.g. `Bcc:`), and an old row holding one must fail on its own
(see app/services/infrastructure/notifications.py), never stop the rows behind it.
"""
from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

#: the longest address the database keeps (user.email, outbox.recipient)
MAX_LENGTH = 200
#: C0 and C1 control characters, DEL, and the Unicode line and paragraph separators
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

INVALID = "Alamat e-mail tidak valid."
HAS_CONTROL = "Alamat e-mail memuat karakter yang tidak diizinkan (misalnya baris baru)."
TOO_LONG = f"Alamat e-mail paling banyak {MAX_LENGTH} karakter."


class InvalidAddress(ValueError):
    """The address is refused; the message (in Indonesian) says why and is fit to show."""


class UnsafeHeader(ValueError):
    """A mail header value holds a control character (it could start another header)."""


def has_control(value: str) -> bool:
    return bool(CONTROL.search(value or ""))


def normalize_address(raw: str) -> str:
    """The address in its normal form (domain in lower case), or InvalidAddress.

    Spaces around the address are dropped; control characters anywhere are refused before anything else."""
    if has_control(raw):
        raise InvalidAddress(HAS_CONTROL)
    value = (raw or "").strip()
    if len(value) > MAX_LENGTH:
        raise InvalidAddress(TOO_LONG)
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False, strict=True,
                                 allow_display_name=False, allow_quoted_local=False, allow_domain_literal=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(INVALID) from exc
    normalized = checked.ascii_email or checked.normalized
    if has_control(normalized) or len(normalized) > MAX_LENGTH:  # defence in depth
        raise InvalidAddress(INVALID)
    return normalized


def is_valid_address(raw: str) -> bool:
    try:
        normalize_address(raw)
    except InvalidAddress:
        return False
    return True


def safe_header(name: str, value: str) -> str:
    """A header value as given, or UnsafeHeader when it holds a control character."""
    if has_control(value):
        raise UnsafeHeader(f"Header {name} memuat karakter kendali; surat tidak dikirim.")
    return value
