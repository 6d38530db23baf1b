"""Property test: working_days_between inverts add_working_days (needs hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from app.domain.calendar import WorkingCalendar  # noqa: E402

CALENDARS = (WorkingCalendar(), WorkingCalendar(cuti_bersama_is_working_day=True))
starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(timezone.utc)
)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=40), which=st.sampled_from((0, 1)))
def test_between_inverts_add(start: datetime, n: int, which: int) -> None:
    cal = CALENDARS[which]
    deadline = cal.add_working_days(start, n)
    assert deadline.utcoffset() == timedelta(0)
    assert cal.is_working_day(deadline)
    if cal.is_working_day(start):
        assert cal.working_days_between(start, deadline) == n
    else:
        assert cal.working_days_between(start, deadline) == max(n, 1)
