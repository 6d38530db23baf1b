"""One use case, one transaction: commit at the end, roll back on any error."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Conflict
from app.persistence.models import db

T = TypeVar("T")


def use_case(func: Callable[..., T]) -> Callable[..., T]:
    """Run `func` in one database transaction; map lost races to Conflict."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except StaleDataError:
            db.session.rollback()
            raise Conflict() from None
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            if _is_race(exc):
                raise Conflict() from None
            raise
        except BaseException:
            db.session.rollback()
            raise

    return wrapper


def _is_race(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(word in text for word in ("unique", "duplicate key", "locked", "could not serialize", "deadlock"))
