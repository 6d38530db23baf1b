"""Facts read once in a transaction and used again in the same transaction, never after it ends."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "ppid_transaction_memo"
_listening = False


def transaction_memo(session, name: str) -> dict:
    """A dict that lives until the session's current transaction (or savepoint) ends, however it ends."""
    return session.info.setdefault(_KEY, {}).setdefault(name, {})


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None or transaction.nested:  # not a flush's: a savepoint's work may be undone
        session.info.pop(_KEY, None)


def listen() -> None:
    """Clear every session's memo when a transaction ends (once per process)."""
    global _listening
    if _listening:
        return
    _listening = True
    event.listen(Session, "after_transaction_end", _forget)
