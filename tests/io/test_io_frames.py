"""In-memory inputs: pandas, polars, pyarrow, an existing Source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from tripwire.errors import UsageError
from tripwire.io import Source, open_source


def table(source) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def test_pandas_without_index(tmp_path):
    df = pd.DataFrame(
        {
            "i": [1, 2, 3],
            "f": [1.5, np.nan, 3.0],
            "s": ["a", None, "c"],
            "cat": pd.Categorical(["x", "y", "x"]),
            "n": pd.array([1, None, 3], dtype="Int64"),
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", None]).tz_localize("UTC"),
        },
        index=[10, 20, 30],
    )
    src = open_source(df)
    assert src.kind == "pandas" and src.name == "dataframe" and src.num_rows == 3
    assert src.schema.names == ["i", "f", "s", "cat", "n", "t"]
    assert src.schema.field("s").type == pa.large_string()
    assert src.schema.field("cat").type == pa.large_string()
    assert src.schema.field("n").type == pa.int64()
    assert src.schema.field("t").type == pa.timestamp(df["t"].dt.unit, "UTC")  # unit kept
    t = table(src)
    assert t.column("f").to_pylist() == [1.5, None, 3.0]
    assert t.column("cat").to_pylist() == ["x", "y", "x"]
    assert t.column("n").to_pylist() == [1, None, 3]


def test_pandas_object_column_mixing_numbers_and_strings():
    df = pd.DataFrame({"v": pd.Series([1, 2.5, "abc", None, np.nan, 7], dtype=object)})
    src = open_source(df)
    assert src.schema.field("v").type == pa.large_string()
    assert table(src).column("v").to_pylist() == ["1", "2.5", "abc", None, None, "7"]
    assert src.notes == ["column 'v' mixes value types; read as text"]


def test_pandas_odd_column_names():
    df = pd.DataFrame([[1, 2, 3, 4]], columns=["a", "a", "", 7])
    src = open_source(df)
    assert src.schema.names == ["a", "a.1", "column_3", "7"]


def test_pandas_batches(tmp_path):
    df = pd.DataFrame({"x": range(1_000)})
    batches = list(open_source(df, batch_rows=128).batches())
    assert len(batches) == 8 and batches[0].num_rows == 128


def test_polars_dataframe():
    df = pl.DataFrame(
        {
            "s": ["a", "b", None],
            "c": pl.Series(["x", "y", "x"], dtype=pl.Categorical),
            "i": [1, 2, 3],
            "l": [[1], [2, 3], None],
        }
    )
    src = open_source(df, name="frame")
    assert src.kind == "polars" and src.name == "frame" and src.num_rows == 3
    assert src.schema.field("s").type == pa.large_string()
    assert src.schema.field("c").type == pa.large_string()
    assert pa.types.is_large_list(src.schema.field("l").type)
    assert table(src).column("c").to_pylist() == ["x", "y", "x"]
    assert all(b.schema.equals(src.schema, check_metadata=True) for b in src.batches())


def test_polars_lazyframe_is_streamed_and_rerun(tmp_path):
    path = tmp_path / "d.csv"
    pl.DataFrame({"x": range(5_000)}).write_csv(path)
    lf = pl.scan_csv(path).filter(pl.col("x") % 2 == 0).with_columns(s=pl.lit("k"))
    src = open_source(lf, batch_rows=600)
    assert src.schema == pa.schema([("x", pa.int64()), ("s", pa.large_string())])
    batches = list(src.batches())
    assert len(batches) > 1 and all(b.num_rows <= 600 for b in batches)
    assert table(src).equals(table(src))
    assert table(src).num_rows == 2_500


def test_polars_lazyframe_that_fails():
    lf = pl.LazyFrame({"x": ["a"]}).select(pl.col("x").cast(pl.Int64, strict=True))
    src = open_source(lf)
    from tripwire.errors import InputError

    with pytest.raises(InputError, match="polars LazyFrame"):
        list(src.batches())


def test_pyarrow_table_and_batch():
    t = pa.table({"a": pa.array(["x", "y"], pa.string_view()), "b": [1, 2]})
    src = open_source(t)
    assert src.kind == "arrow"
    assert src.schema.field("a").type == pa.large_string()
    assert table(src).column("a").to_pylist() == ["x", "y"]
    batch = t.to_batches()[0]
    assert open_source(batch).num_rows == 2


def test_record_batch_reader_is_kept_for_later_passes():
    t = pa.table({"a": list(range(1_000))})
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=100))
    src = open_source(reader, batch_rows=64)
    first = src.batches()
    head = next(first)  # a pass that stops early must not lose data for the next one
    assert head.num_rows == 64
    assert table(src).column("a").to_pylist() == list(range(1_000))
    assert table(src).column("a").to_pylist() == list(range(1_000))


def test_arrow_c_stream_object(tmp_path):
    class Stream:
        def __arrow_c_stream__(self, requested_schema=None):
            return pa.table({"a": [1, 2]}).__arrow_c_stream__(requested_schema)

    assert table(open_source(Stream())).column("a").to_pylist() == [1, 2]


def test_source_is_returned_as_is():
    src = open_source(pa.table({"a": [1]}))
    assert open_source(src) is src
    assert isinstance(src, Source)


def test_usage_errors():
    with pytest.raises(UsageError, match="cannot read a int"):
        open_source(42)
    with pytest.raises(UsageError, match="batch_rows"):
        open_source(pa.table({"a": [1]}), batch_rows=0)
    with pytest.raises(UsageError, match="delimiter"):
        open_source("x.csv", delimiter=";;")
    with pytest.raises(UsageError, match="encoding"):
        open_source("x.csv", encoding="klingon")


def test_pandas_subclass():
    class MyFrame(pd.DataFrame):
        pass

    src = open_source(MyFrame({"v": pd.Series([1, "x"], dtype=object)}))
    assert src.kind == "pandas"
    assert table(src).column("v").to_pylist() == ["1", "x"]
