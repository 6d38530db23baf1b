"""timeutil: WIB conversion, Indonesian formatting, ISO parsing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.domain.timeutil import (
    BULAN,
    HARI,
    WIB,
    format_tanggal,
    format_waktu,
    parse_iso,
    to_wib,
    wib_date,
    utc_iso,
)

UTC = timezone.utc


def test_wib_is_utc_plus_seven():
    assert str(WIB) == "Asia/Jakarta"
    assert datetime(2026, 3, 16, tzinfo=WIB).utcoffset() == timedelta(hours=7)


def test_format_tanggal_known_date():
    assert format_tanggal(date(2026, 3, 16)) == "Senin, 16 Maret 2026"
    assert format_tanggal(date(2026, 8, 17)) == "Senin, 17 Agustus 2026"
    assert format_tanggal(date(2026, 1, 4)) == "Minggu, 4 Januari 2026"


def test_format_tanggal_uses_wib_date_of_datetime():
    # 2026-03-15 20:00 UTC is already Monday 16 March 03:00 WIB.
    assert format_tanggal(datetime(2026, 3, 15, 20, 0, tzinfo=UTC)) == "Senin, 16 Maret 2026"


def test_names_are_complete():
    assert HARI[4] == "Jumat" and len(HARI) == 7
    assert BULAN[4] == "Mei" and BULAN[11] == "Desember" and len(BULAN) == 12


def test_format_waktu():
    assert format_waktu(datetime(2026, 3, 16, 7, 5, tzinfo=UTC)) == "Senin, 16 Maret 2026 14:05 WIB"


def test_naive_rejected():
    for fn in (to_wib, format_waktu, format_tanggal, utc_iso):
        with pytest.raises(ValueError):
            fn(datetime(2026, 3, 16, 10, 0))


def test_parse_iso_date_only_is_start_of_wib_day():
    dt = parse_iso("2026-03-16")
    assert dt == datetime(2026, 3, 15, 17, 0, tzinfo=UTC)
    assert to_wib(dt).date() == date(2026, 3, 16)


def test_parse_iso_variants():
    expected = datetime(2026, 3, 16, 16, 59, 59, tzinfo=UTC)
    assert parse_iso("2026-03-16T16:59:59Z") == expected
    assert parse_iso("2026-03-16T16:59:59+00:00") == expected
    assert parse_iso(" 2026-03-16T23:59:59+07:00 ") == expected
    assert parse_iso("2026-03-16T23:59:59") == expected  # no offset: WIB wall time
    assert parse_iso("2026-03-16T23:59:59+07:00").tzinfo == UTC


@pytest.mark.parametrize("bad", ["", "  ", "16-03-2026", "kemarin", "2026-02-30"])
def test_parse_iso_rejects_garbage(bad):
    with pytest.raises(ValueError):
        parse_iso(bad)


def test_utc_iso_round_trip():
    dt = datetime(2026, 3, 16, 23, 59, 59, tzinfo=WIB)
    text = utc_iso(dt)
    assert text == "2026-03-16T16:59:59+00:00"
    assert parse_iso(text) == dt


def test_the_wib_date_of_an_instant():
    """The domain reads no clock (tests/test_architecture.py): the caller's time gives the day."""
    assert wib_date(datetime(2026, 3, 15, 18, 0, tzinfo=UTC)) == date(2026, 3, 16)
    assert wib_date(date(2026, 3, 15)) == date(2026, 3, 15)
