"""Which timers are legal limits of the office (shown as deadlines, named in mails)."""
from __future__ import annotations

#: a timer whose name begins so is a legal limit even when it does not interrupt its task (PROCESS_CONVENTIONS.md)
LEGAL_PREFIX = "batas "


def is_legal_limit(name: str | None, interrupting: bool) -> bool:
    """A limit the office must keep: a timer that interrupts, or one named "Batas ..." that only alerts
    (the duty to answer survives it)."""
    return bool(interrupting) or (name or "").strip().lower().startswith(LEGAL_PREFIX)
