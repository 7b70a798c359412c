"""Read in-memory data: pandas and polars frames, pyarrow tables, batches and readers.

pandas is converted once to an Arrow table without its index. An object column whose values
Arrow cannot hold in one type (numbers and a few strings, say) becomes text: each value as
``str()`` writes it, None/NaN/NA stay null, and a note names the column.

A polars LazyFrame is re-run on every pass and streamed (``collect_batches``).

A pyarrow RecordBatchReader (or any object with ``__arrow_c_stream__``) can be read only
once: its batches are kept as the first pass reads them, so later passes replay them from
memory. For data larger than memory pass a path or a SqlQuery instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pyarrow as pa

from tripwire.errors import InputError
from tripwire.io.normalise import conform, first_line, guarded, normal_schema, rebatch
from tripwire.io.source import Source

_POLARS_ERRORS = (pl.exceptions.PolarsError, pa.ArrowException)


def frame_source(data: Any, name: str | None, batch_rows: int) -> Source | None:
    """Return a Source over an in-memory frame, table or stream, or None if `data` is none."""
    label = name or "dataframe"
    if isinstance(data, pa.Table):
        return table_source(data, label, "arrow", batch_rows)
    if isinstance(data, pa.RecordBatch):
        return table_source(pa.Table.from_batches([data]), label, "arrow", batch_rows)
    if isinstance(data, pa.RecordBatchReader):
        return reader_source(data, label, batch_rows)
    if isinstance(data, pl.DataFrame):
        try:
            table = data.to_arrow()
        except _POLARS_ERRORS as exc:
            raise InputError(f"cannot convert the polars DataFrame: {first_line(exc)}") from exc
        return table_source(table, label, "polars", batch_rows)
    if isinstance(data, pl.LazyFrame):
        return lazy_source(data, label, batch_rows)
    if _is_pandas_frame(data):
        table, notes = pandas_table(data)
        source = table_source(table, label, "pandas", batch_rows)
        source.notes[:0] = notes
        return source
    if hasattr(data, "__arrow_c_stream__"):
        return reader_source(pa.RecordBatchReader.from_stream(data), label, batch_rows)
    return None


def _is_pandas_frame(data: Any) -> bool:
    # by class name, so pandas (an optional extra) is never imported here; subclasses count
    return any(
        c.__name__ == "DataFrame" and c.__module__.split(".")[0] == "pandas"
        for c in type(data).__mro__
    )


def table_source(table: pa.Table, name: str, kind: str, batch_rows: int) -> Source:
    """Return a Source over an Arrow table held in memory."""
    schema, renames = normal_schema(table.schema, name)
    notes = ["renamed columns: " + ", ".join(renames)] if renames else []

    def open_batches() -> Iterator[pa.RecordBatch]:
        for batch in table.to_batches(max_chunksize=batch_rows):
            if batch.num_rows:
                yield conform(batch, schema)

    return Source(
        name=name,
        kind=kind,
        schema=schema,
        open_batches=open_batches,
        notes=notes,
        num_rows=table.num_rows,
    )


def pandas_table(df: Any) -> tuple[pa.Table, list[str]]:
    """Convert a pandas DataFrame column by column, without its index (see the module doc)."""
    arrays, notes = [], []
    names = [str(c) for c in df.columns]
    for i, name in enumerate(names):
        column = df.iloc[:, i]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            # mixed types in an object column, or Python ints past 64 bits: keep every
            # value, as text
            arrays.append(pa.array(column.astype("string"), from_pandas=True))
            notes.append(f"column {name!r} mixes value types; read as text")
    return pa.Table.from_arrays(arrays, names=names), notes


def lazy_source(frame: pl.LazyFrame, name: str, batch_rows: int) -> Source:
    """Return a Source that runs a polars LazyFrame on each pass and streams its result."""
    try:
        polars_schema = frame.collect_schema()
        arrow_schema = pl.DataFrame(schema=polars_schema).to_arrow().schema
    except _POLARS_ERRORS as exc:
        raise InputError(f"the polars LazyFrame fails: {first_line(exc)}") from exc
    schema, renames = normal_schema(arrow_schema)

    def batches() -> Iterator[pa.RecordBatch]:
        for part in frame.collect_batches(chunk_size=batch_rows):
            for batch in part.to_arrow().to_batches():
                yield conform(batch, schema)

    def open_batches() -> Iterator[pa.RecordBatch]:
        return rebatch(
            guarded(batches(), None, "run the polars LazyFrame", _POLARS_ERRORS), batch_rows
        )

    return Source(
        name=name,
        kind="polars",
        schema=schema,
        open_batches=open_batches,
        notes=["renamed columns: " + ", ".join(renames)] if renames else [],
    )


def reader_source(reader: pa.RecordBatchReader, name: str, batch_rows: int) -> Source:
    """Return a Source over a single-use reader, keeping its batches to replay later passes."""
    schema, renames = normal_schema(reader.schema)
    kept: list[pa.RecordBatch] = []
    pending = iter(reader)

    def replay() -> Iterator[pa.RecordBatch]:
        # passes may run side by side or stop early: they share the kept batches and the reader
        i = 0
        while True:
            if i == len(kept):
                batch = next(pending, None)
                if batch is None:
                    return
                kept.append(conform(batch, schema))
            yield kept[i]
            i += 1

    return Source(
        name=name,
        kind="arrow",
        schema=schema,
        open_batches=lambda: rebatch(guarded(replay(), None, "read the Arrow stream"), batch_rows),
        notes=["renamed columns: " + ", ".join(renames)] if renames else [],
    )
