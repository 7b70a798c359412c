"""Read the result of a DuckDB SQL query, streamed in batches and re-run on every pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tripwire.errors import InputError
from tripwire.extras import require
from tripwire.io.normalise import conform, first_line, guarded, normal_schema, rebatch
from tripwire.io.source import Source

_HINT = "check the SQL; relative file paths in it start at the current directory"


@dataclass(frozen=True)
class SqlQuery:
    """A DuckDB query to read, e.g. ``SqlQuery("SELECT * FROM 'events/*.parquet'")``.

    `database` is a DuckDB database file, opened read-only; None queries files and
    in-memory data only. The query runs again on every pass over the Source, so it should
    return the same rows each time (add ORDER BY when the order matters).
    """

    sql: str
    database: str | None = None


def sql_source(query: SqlQuery, name: str | None, batch_rows: int) -> Source:
    """Return a Source over a query's result, read with DuckDB ``batch_rows`` rows at a time."""
    duckdb = require("duckdb", "Reading a SQL query")
    errors = (duckdb.Error, pa.ArrowException)
    if not query.sql.strip():
        raise InputError("the SQL query is empty", hint="write a SELECT statement")

    def connect() -> Any:
        if query.database:
            return duckdb.connect(query.database, read_only=True)
        return duckdb.connect()

    try:
        con = connect()
        try:
            relation = con.sql(query.sql)
            if relation is None:
                raise InputError("the SQL statement returns no rows", hint="write a SELECT")
            empty = relation.limit(0)
            to_table = getattr(empty, "to_arrow_table", None) or empty.arrow  # duckdb < 1.4
            arrow_schema = to_table().schema
        finally:
            con.close()
    except errors as exc:
        raise InputError(f"SQL query failed: {first_line(exc)}", hint=_HINT) from exc
    schema, renames = normal_schema(arrow_schema)

    def batches() -> Iterator[pa.RecordBatch]:
        con = connect()
        try:
            relation = con.sql(query.sql)
            if hasattr(relation, "to_arrow_reader"):
                reader = relation.to_arrow_reader(batch_rows)
            else:  # duckdb < 1.4
                reader = relation.fetch_record_batch(batch_rows)
            for batch in reader:
                yield conform(batch, schema)
        finally:
            con.close()

    return Source(
        name=name or "sql query",
        kind="duckdb",
        schema=schema,
        open_batches=lambda: rebatch(
            guarded(batches(), None, "run the SQL query", errors), batch_rows
        ),
        notes=["renamed columns: " + ", ".join(renames)] if renames else [],
    )
