"""Working-day calendar for the legal clock (hari kerja).

A working day is Monday to Friday, minus Indonesian national holidays
(category ``public`` of ``holidays.ID``) and, unless configured otherwise,
minus cuti bersama (category ``government`` of ``holidays.ID``). An admin may
add extra days off and declare official holidays working days.

Deadlines are the end (23:59:59 WIB) of a working day, returned in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

from app.domain.timeutil import end_of_day_wib, start_of_day_wib, to_wib, wib_date

COUNTRY = "ID"
LANGUAGE = "id"
# holidays.ID files cuti bersama under the "government" category.
CUTI_BERSAMA_CATEGORY = GOVERNMENT
NATIONAL_HOLIDAY_CATEGORY = PUBLIC
DEFAULT_ADDED_NAME = "Hari libur tambahan"
# Guard against a calendar with no working days at all (e.g. a bad admin edit).
_MAX_SCAN_DAYS = 3660


def _freeze_added(added: Mapping[date, str] | Iterable[date] | None) -> Mapping[date, str]:
    """Normalise admin-added days off to a read-only date -> name mapping."""
    if added is None:
        return MappingProxyType({})
    if isinstance(added, Mapping):
        items = {_check_date(d): (str(name).strip() or DEFAULT_ADDED_NAME) for d, name in added.items()}
    else:
        items = {_check_date(d): DEFAULT_ADDED_NAME for d in added}
    return MappingProxyType(items)


def _check_date(d: object) -> date:
    """Accept only plain dates (not datetimes) as calendar entries."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {d!r}")
    return d


@dataclass(frozen=True)
class _YearHolidays:
    """Official holidays of one year, split by category."""

    national: Mapping[date, str]
    cuti_bersama: Mapping[date, str]


def _load_year(year: int) -> _YearHolidays:
    """Read one year of Indonesian holidays from the ``holidays`` package."""
    national = holidays.country_holidays(
        COUNTRY, years=year, categories=(NATIONAL_HOLIDAY_CATEGORY,), language=LANGUAGE
    )
    cuti = holidays.country_holidays(
        COUNTRY, years=year, categories=(CUTI_BERSAMA_CATEGORY,), language=LANGUAGE
    )
    return _YearHolidays(national=dict(national), cuti_bersama=dict(cuti))


@dataclass(frozen=True)
class WorkingCalendar:
    """An immutable working-day calendar.

    ``added`` maps extra days off to their names (a plain iterable of dates is
    accepted too and gets a default name). ``removed`` holds official holidays
    (national or cuti bersama) declared working days. A date in both is a day
    off: an explicit addition wins. Weekends are never working days.
    """

    cuti_bersama_is_working_day: bool = False
    #: "Jam tutup layanan" (docs/LEGAL_CLOCK.md): a clock started on a working day at or after this WIB time starts
    #: as if on the next working day. None (the default): the day of receipt counts, whatever the hour.
    closing_time: time | None = None
    added: Mapping[date, str] = field(default_factory=dict, hash=False)
    removed: frozenset[date] = frozenset()
    _cache: dict[int, _YearHolidays] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "added", _freeze_added(self.added))
        object.__setattr__(self, "removed", frozenset(_check_date(d) for d in self.removed))

    # -- holidays -----------------------------------------------------------

    def _year(self, year: int) -> _YearHolidays:
        """Official holidays of ``year``, loaded once and cached."""
        cached = self._cache.get(year)
        if cached is None:
            cached = _load_year(year)
            self._cache[year] = cached
        return cached

    def holiday_name(self, d: date | datetime) -> str | None:
        """Name of the holiday that makes ``d`` a day off here, else None.

        Weekends without a holiday give None. A holiday that falls on a
        weekend still gives its name. Removed holidays and, when configured
        as working days, cuti bersama give None.
        """
        day = wib_date(d)
        if day in self.added:
            return self.added[day]
        if day in self.removed:
            return None
        official = self._year(day.year)
        if day in official.national:
            return official.national[day]
        if not self.cuti_bersama_is_working_day and day in official.cuti_bersama:
            return official.cuti_bersama[day]
        return None

    def is_working_day(self, d: date | datetime) -> bool:
        """True for Monday-Friday dates that are not a day off in this calendar."""
        day = wib_date(d)
        return day.weekday() < 5 and self.holiday_name(day) is None

    def days_off(self, year: int) -> dict[date, str]:
        """Every holiday of ``year`` effective in this calendar (weekends included
        only where a holiday falls on them), sorted by date."""
        official = self._year(year)
        candidates = set(official.national) | set(official.cuti_bersama)
        candidates |= {d for d in self.added if d.year == year}
        named = {d: self.holiday_name(d) for d in candidates}
        return {d: name for d, name in sorted(named.items()) if name is not None}

    # -- counting -----------------------------------------------------------

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        day = d
        for _ in range(_MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {d}")

    def add_working_days(self, start: date | datetime, n: int) -> datetime:
        """Deadline "within ``n`` working days of ``start``".

        The end (23:59:59 WIB) of the n-th working day strictly after the WIB
        date of ``start``, returned aware in UTC. For ``n == 0``: the end of
        start's day if it is a working day, else of the next working day.
        Naive datetimes and negative ``n`` raise ValueError.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day = self.receipt_day(start)
        if n == 0:
            if not self.is_working_day(day):
                day = self.next_working_day(day)
            return end_of_day_wib(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return end_of_day_wib(day)

    def receipt_day(self, start: date | datetime) -> date:
        """The WIB day a clock started at `start` counts from: its own day, or with a closing time set, the next
        working day for a start on a working day at or after closing time."""
        day = wib_date(start)
        if (self.closing_time is not None and isinstance(start, datetime) and self.is_working_day(day)
                and to_wib(start).time() >= self.closing_time):
            return self.next_working_day(day)
        return day

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        day = d
        for _ in range(_MAX_SCAN_DAYS):
            day -= timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days before {d}")

    def working_days_before(self, d: date | datetime, n: int) -> datetime:
        """Reminder "``n`` working days before ``d``": the start (00:00 WIB) of the n-th working
        day strictly before the WIB date of ``d``, aware in UTC (e.g. a hearing on Monday, n=2:
        Thursday 00:00 WIB). ``n`` must be at least 1."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        day = wib_date(d)
        for _ in range(n):
            day = self.previous_working_day(day)
        return start_of_day_wib(day)

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days after start's WIB date up to and including end's WIB date.

        Negative when end is before start: ``-working_days_between(end, start)``.
        """
        first, last = wib_date(start), wib_date(end)
        if last < first:
            return -self.working_days_between(last, first)
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return count
