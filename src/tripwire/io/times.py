"""A column read as times: the one way commands turn text, dates and years into timestamps."""

from __future__ import annotations

import polars as pl


def as_times(values: pl.Series, *, years: bool = False, utc: bool = True) -> pl.Series | None:
    """Return the column as naive Datetime("us") (null where text reads as no time); None when it holds no times.

    Text is parsed with the format polars infers from the values (all null when none fits);
    whole numbers are years (1974 → 1974-01-01) when `years`. Times with a zone become UTC,
    or keep their wall-clock time when not `utc` (calendar windows of the data's own days).
    """
    s = values
    if s.dtype == pl.String:
        try:
            s = s.str.to_datetime(strict=False, time_unit="us")
        except pl.exceptions.ComputeError:  # no date format fits the values
            return pl.Series(values.name, [None] * values.len(), dtype=pl.Datetime("us"))
    elif years and s.dtype.is_integer():
        s = pl.select(pl.datetime(pl.lit(s).clip(1, 9999), 1, 1)).to_series()
    elif not (s.dtype == pl.Date or isinstance(s.dtype, pl.Datetime)):
        return None
    if getattr(s.dtype, "time_zone", None):
        s = (s.dt.convert_time_zone("UTC") if utc else s).dt.replace_time_zone(None)
    return s.cast(pl.Datetime("us")).alias(values.name)
