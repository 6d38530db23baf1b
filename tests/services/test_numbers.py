"""Registration and letter numbers: one counter per kind and year, one upsert per number, never a number twice
even when several requests take numbers at the same moment (each in its own transaction and connection)."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import sqlalchemy as sa

from app.persistence.models import NumberSequence, db
from app.services.casework.numbers import allocate_number
from app.services.infrastructure.transaction import use_case

NEW_YEAR_WIB = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)  # 1 January 2027, 00:00 WIB


@use_case
def _take(kind: str, now: datetime) -> str:
    return allocate_number(kind, now)


def test_numbers_count_per_kind_and_wib_year(app):
    with app.app_context():
        assert [_take("UJI", datetime(2026, 6, 1, tzinfo=timezone.utc)) for _ in range(3)] == \
            ["UJI-2026-00001", "UJI-2026-00002", "UJI-2026-00003"]
        assert _take("LAIN", datetime(2026, 6, 1, tzinfo=timezone.utc)) == "LAIN-2026-00001"
        assert _take("UJI", NEW_YEAR_WIB) == "UJI-2027-00001"  # the year turns in Indonesia's time, not UTC's
        assert db.session.scalar(sa.select(NumberSequence.last).filter_by(kind="UJI", year=2026)) == 3


def test_numbers_taken_at_the_same_time_are_all_different(app):
    """Four threads, each its own session and connection, take 25 numbers each at once: 100 numbers, 1 to 100."""
    taken: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work():
        with app.app_context():
            try:
                start.wait()
                for _ in range(25):
                    taken.append(_take("SERENTAK", datetime(2026, 6, 1, tzinfo=timezone.utc)))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(taken) == [f"SERENTAK-2026-{n:05d}" for n in range(1, 101)]
