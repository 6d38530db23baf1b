"""The web layer's clock: the time a request is served at, handed to every use case and template filter."""
from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
