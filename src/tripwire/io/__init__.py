"""The one input boundary: whatever the data is, it becomes a Source of Arrow record batches.

Every batch of a Source has exactly ``source.schema``, normalised (see
`tripwire.io.normalise`): string types -> large_string, binary -> large_binary,
dictionaries -> their value type; names are unique (``id, id`` -> ``id, id.1``, an empty
name -> ``column_<n>``). Bad input raises `tripwire.errors.InputError`, one line naming the
file and, where known, the 1-based line.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pyarrow as pa

from tripwire.errors import InputError, UsageError
from tripwire.io.files import open_path
from tripwire.io.frames import frame_source
from tripwire.io.normalise import in_calendar
from tripwire.io.source import DEFAULT_BATCH_ROWS, Source
from tripwire.io.sql import SqlQuery, sql_source
from tripwire.io.whole import read_polars

__all__ = ["DEFAULT_BATCH_ROWS", "Source", "SqlQuery", "open_source", "read_polars"]


def open_source(
    data: Any,
    *,
    name: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    batch_rows: int | None = None,
) -> Source:
    """Open `data` as a Source that can be read, as Arrow record batches, any number of times.

    `data` is a path (CSV/TSV/.txt, Parquet, JSON Lines, Arrow IPC/Feather, .csv.gz,
    .jsonl.gz), a folder or glob pattern (files read in sorted order as one table), a
    pandas/polars DataFrame, a polars LazyFrame, a pyarrow Table/RecordBatch/
    RecordBatchReader, a `SqlQuery` or a string ``"sql: SELECT ..."`` (DuckDB), or a Source
    (returned as is). `delimiter` and `encoding` apply to CSV files and are detected when
    None. `name` defaults to the file name, the pattern, "dataframe" or "sql query".
    `batch_rows` bounds the rows per batch (default `DEFAULT_BATCH_ROWS`, except that a Parquet
    row group small enough to hold is one batch: it is decoded whole anyway).
    """
    if isinstance(data, Source):
        return data
    if batch_rows is not None and (isinstance(batch_rows, bool) or not isinstance(batch_rows, int)
                                   or batch_rows < 1):
        raise UsageError(f"batch_rows must be a positive integer, not {batch_rows!r}")
    rows = DEFAULT_BATCH_ROWS if batch_rows is None else batch_rows
    if delimiter is not None and len(delimiter) != 1:
        raise UsageError(f"delimiter must be one character, not {delimiter!r}")
    if encoding is not None:
        encoding = _check_encoding(encoding)
    if isinstance(data, SqlQuery):
        source = sql_source(data, name, rows)
    elif isinstance(data, str) and data.lstrip().lower().startswith("sql:"):
        source = sql_source(SqlQuery(data.lstrip()[4:].strip()), name, rows)
    elif isinstance(data, (str, Path)):
        source = open_path(
            data, name=name, delimiter=delimiter, encoding=encoding, batch_rows=batch_rows
        )
    elif any(c.__module__.startswith("pyspark.sql") for c in type(data).__mro__):
        # it would stream every row through this one process: the cluster should do the work
        raise UsageError(
            "a Spark DataFrame is profiled on the cluster: call tripwire.spark.profile/scan/"
            "check/drift/log with it (see docs/spark.md)"
        )
    else:
        found = frame_source(data, name, rows)
        if found is None:
            raise UsageError(
                f"cannot read a {type(data).__name__}: pass a path, a DataFrame, an Arrow "
                "table or a SqlQuery"
            )
        source = found
    if not len(source.schema):
        # e.g. JSON Lines of empty objects: rows without columns, which no stage can hold
        raise InputError(
            "holds no columns",
            path=source.files[0] if len(source.files) == 1 else source.name,
            hint="check that this is the data you meant (JSON Lines need fields in the objects)",
        )
    return _calendar_checked(source)


def _calendar_checked(source: Source) -> Source:
    """Make every pass over `source` refuse dates outside years 1-9999 (see in_calendar)."""
    if not any(pa.types.is_date32(t) or pa.types.is_timestamp(t) for t in source.schema.types):
        return source
    where = source.files[0] if len(source.files) == 1 else source.name
    read = source.open_batches
    source.open_batches = lambda: in_calendar(read(), where)
    return source


def _check_encoding(encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}") from None
    return "utf8" if codec == "utf-8" else codec
