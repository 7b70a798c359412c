"""read_polars: a Parquet file read natively is the very frame its batches make, or it is not used."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests import realdata

from tripwire.errors import InputError
from tripwire.io import open_source, read_polars
from tripwire.io.whole import native_parquet


def from_batches(path):
    source = open_source(path)
    source.read_whole = None
    return read_polars(source)


def many_types(n: int = 500) -> pa.Table:
    return pa.table({
        "i8": pa.array([i % 100 for i in range(n)], pa.int8()),
        "u64": pa.array(range(n), pa.uint64()),
        "f": pa.array([i / 3 if i % 7 else None for i in range(n)], pa.float64()),
        "h": pa.array([i / 4 for i in range(n)], pa.float32()),
        "b": pa.array([i % 2 == 0 for i in range(n)]),
        "s": pa.array([f"café {i}" if i % 5 else None for i in range(n)], pa.string()),
        "d": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)]),
        "ts": pa.array([dt.datetime(2021, 5, 1, 12) + dt.timedelta(minutes=i) for i in range(n)], pa.timestamp("us")),
        "tz": pa.array([dt.datetime(2021, 5, 1, 12) + dt.timedelta(hours=i) for i in range(n)],
                       pa.timestamp("ms", tz="Europe/Paris")),
        "dec": pa.array([Decimal(i) / 100 for i in range(n)], pa.decimal128(10, 2)),
        "lst": pa.array([[i, i + 1] for i in range(n)], pa.list_(pa.int64())),
        "st": pa.array([{"a": i, "b": str(i)} for i in range(n)]),
        "bin": pa.array([bytes([i % 256]) for i in range(n)], pa.binary()),
    })


def test_native_parquet_is_the_frame_the_batches_make(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(many_types(), path, row_group_size=128)
    source = open_source(path)
    native = source.read_whole()
    assert native is not None  # every one of these types reads natively
    assert native.equals(from_batches(path)) and native.schema == from_batches(path).schema


@pytest.mark.slow
def test_native_parquet_of_real_data_is_the_frame_the_batches_make(tmp_path):
    import polars as pl

    for name, df in (("flights", realdata.flights()), ("penguins", realdata.penguins()),
                     ("stops", realdata.mpls_stops())):
        path = tmp_path / f"{name}.parquet"
        pl.from_pandas(df).write_parquet(path)
        native = open_source(path).read_whole()
        assert native is not None and native.equals(from_batches(path), null_equal=True), name


def test_what_polars_reads_differently_falls_back_to_the_batches(tmp_path):
    path = tmp_path / "odd.parquet"
    pq.write_table(pa.table({"cat": pa.array(["a", "b", "a"]).dictionary_encode(),
                             "empty": pa.array([None, None, None], pa.null())}), path)
    assert native_parquet(path, open_source(path).schema, str(path))() is None
    assert read_polars(open_source(path)).equals(from_batches(path))
    dup = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["id", "id"]), dup)
    source = open_source(dup)
    assert source.read_whole is None and read_polars(source).columns == ["id", "id.1"]


def test_native_parquet_refuses_dates_outside_the_calendar_like_the_batches(tmp_path):
    path = tmp_path / "far.parquet"
    days = pa.array([0, 3_000_000], pa.int32()).view(pa.date32())  # the second is in year 10183
    pq.write_table(pa.table({"when": days}), path)
    with pytest.raises(InputError, match=r"row 2 holds a date32\[day\] outside the years 1 to 9999") as native:
        read_polars(open_source(path))
    with pytest.raises(InputError) as batches:
        from_batches(path)
    assert str(native.value) == str(batches.value)
