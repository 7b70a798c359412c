"""DuckDB queries, streamed."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tripwire.errors import InputError
from tripwire.io import SqlQuery, open_source

duckdb = pytest.importorskip("duckdb")


def table(source) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.parquet"
    n = 10_000
    pq.write_table(pa.table({"id": range(n), "kind": ["a", "b"] * (n // 2)}), path)
    return path


def test_query_over_parquet_streams_in_batches(events):
    query = SqlQuery(f"SELECT id, kind, id * 2 AS twice FROM '{events}' ORDER BY id")
    src = open_source(query, batch_rows=1_000)
    assert src.kind == "duckdb" and src.name == "sql query"
    assert src.schema == pa.schema(
        [("id", pa.int64()), ("kind", pa.large_string()), ("twice", pa.int64())]
    )
    batches = list(src.batches())
    assert len(batches) >= 10 and all(b.num_rows <= 1_000 for b in batches)
    assert all(b.schema.equals(src.schema, check_metadata=True) for b in batches)
    t = table(src)
    assert t.num_rows == 10_000
    assert t.column("twice").to_pylist()[:3] == [0, 2, 4]
    assert t.equals(table(src))  # the query runs again


def test_sql_prefixed_string(events):
    src = open_source(f"sql: SELECT count(*) AS n FROM '{events}'", name="count")
    assert src.name == "count"
    assert table(src).column("n").to_pylist() == [10_000]


def test_query_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SqlQuery("SELECT 1").sql = "x"  # type: ignore[misc]


def test_bad_sql():
    with pytest.raises(InputError, match="SQL query failed: Parser Error"):
        open_source(SqlQuery("SELEC 1"))


def test_sql_over_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"SQL query failed: .*No files found") as err:
        open_source(SqlQuery(f"SELECT * FROM '{tmp_path / 'nope.parquet'}'"))
    assert "\n" not in str(err.value)


def test_query_on_a_database_file(tmp_path):
    db = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(5)")
    con.close()
    src = open_source(SqlQuery("SELECT i FROM t ORDER BY i", database=str(db)))
    assert table(src).column("i").to_pylist() == [0, 1, 2, 3, 4]
