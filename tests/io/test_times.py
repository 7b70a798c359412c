"""as_times: text, dates, zoned times and years read as naive timestamps, one way for every command."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from tripwire.io.times import as_times


def test_text_is_parsed_and_unreadable_text_is_null_not_an_error():
    s = as_times(pl.Series("t", ["2026-01-31", "2026-02-01", None]))
    assert s is not None and s.dtype == pl.Datetime("us") and s.name == "t"
    assert s.to_list() == [datetime(2026, 1, 31), datetime(2026, 2, 1), None]
    unreadable = as_times(pl.Series("t", ["soon", "later"]))  # polars finds no format: all null
    assert unreadable is not None and unreadable.null_count() == 2


def test_zoned_times_become_utc_or_keep_their_wall_clock():
    s = pl.Series("t", [datetime(2026, 1, 31, 23, 30)]).dt.replace_time_zone("America/New_York")
    assert as_times(s).to_list() == [datetime(2026, 2, 1, 4, 30)]
    assert as_times(s, utc=False).to_list() == [datetime(2026, 1, 31, 23, 30)]  # the day it was there


def test_years_only_when_asked_and_other_kinds_are_no_times():
    years = pl.Series("year", [1974, 2018])
    assert as_times(years, years=True).to_list() == [datetime(1974, 1, 1), datetime(2018, 1, 1)]
    assert as_times(years) is None
    assert as_times(pl.Series("x", [1.5, 2.5])) is None
