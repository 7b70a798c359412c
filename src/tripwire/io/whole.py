"""Read a whole Source into one Polars frame: natively where the file format allows, else from its batches.

For commands that hold every row at once (fix). The native read is used only when it gives
exactly the frame the batches would: the same column names and Polars types, dates in the
calendar years (the same check and message as the batches); anything else falls back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
from polars.exceptions import PanicException

from tripwire.io.normalise import in_calendar
from tripwire.io.source import Source


def read_polars(source: Source) -> pl.DataFrame:
    """Return every row of `source` as one Polars frame, the same frame converting its batches gives."""
    if source.read_whole is not None:
        frame = source.read_whole()
        if frame is not None:
            return frame
    batches = list(source.open_batches())
    table = pa.Table.from_batches(batches, schema=source.schema) if batches else source.schema.empty_table()
    frame = pl.from_arrow(table, rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    return frame


def native_parquet(path: Path, schema: pa.Schema, display: str) -> Callable[[], pl.DataFrame | None]:
    """Return a reader of the Parquet file with Polars' own reader, or None where it would differ."""
    def read() -> pl.DataFrame | None:
        try:
            expected = pl.from_arrow(schema.empty_table()).schema  # type: ignore[union-attr]
            frame = pl.read_parquet(path, hive_partitioning=False)
        except (pl.exceptions.PolarsError, PanicException, pa.ArrowException, OSError, ValueError):
            return None  # the batches say what is wrong, in the usual words
        if frame.schema != expected:  # e.g. categoricals, null-typed or extension columns
            return None
        dated = [c for c, t in frame.schema.items() if t == pl.Date or isinstance(t, pl.Datetime)]
        if dated:
            for _ in in_calendar(frame.select(dated).to_arrow().to_batches(), display):
                pass
        return frame

    return read
