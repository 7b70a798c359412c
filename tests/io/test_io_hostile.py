"""Hostile and odd inputs at the boundary: each is read into something downstream handles, or
refused with one InputError naming the file, line/row and column. Reproducers of what the
fuzzing found (tests/fuzz) are here too."""

from __future__ import annotations

import decimal
import gzip
import io
import json
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from tripwire.errors import InputError
from tripwire.io import open_source
from tripwire.io.jsonl import MAX_DEPTH, _locate
from tripwire.io.normalise import INTERVAL_STRUCT

REPO = Path(__file__).resolve().parents[2]


def _read(data) -> pa.Table:
    source = open_source(data)
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


# ---------------------------------------------------------------- odd column types


def test_decimal256_is_read_exactly_or_as_the_nearest_float():
    narrow = pa.array([decimal.Decimal("1.50"), None], pa.decimal256(20, 2))
    wide = pa.array([decimal.Decimal("1.5"), decimal.Decimal("-1e40")], pa.decimal256(60, 5))
    table = _read(pa.table({"narrow": narrow, "wide": wide}))
    assert table.schema.field("narrow").type == pa.decimal128(20, 2)
    assert table["narrow"].to_pylist() == [decimal.Decimal("1.50"), None]
    assert table.schema.field("wide").type == pa.float64()
    assert table["wide"].to_pylist() == [1.5, -1e40]  # not 1.5000000000000002


def test_duration_is_its_count_in_its_unit():
    table = _read(pa.table({"d": pa.array([1, None, 10**15], pa.duration("us"))}))
    assert table.schema.field("d").type == pa.int64()
    assert table["d"].to_pylist() == [1, None, 10**15]


def test_interval_becomes_a_struct_of_its_parts():
    values = pa.array([pa.MonthDayNano([1, 2, 3]), None, pa.MonthDayNano([-1, 0, 2**40])],
                      pa.month_day_nano_interval())
    table = _read(pa.table({"i": values.slice(0)}))
    assert table.schema.field("i").type == INTERVAL_STRUCT
    assert table["i"].to_pylist() == [
        {"months": 1, "days": 2, "nanoseconds": 3}, None,
        {"months": -1, "days": 0, "nanoseconds": 2**40},
    ]


def test_run_end_encoded_and_float16_are_decoded():
    ree = pa.RunEndEncodedArray.from_arrays(pa.array([2, 3], pa.int32()), pa.array(["a", "b"]))
    half = pa.array([1.5, None], pa.float32()).cast(pa.float16())
    table = _read(pa.table({"r": ree, "h": pa.concat_arrays([half, half])[:3]}))
    assert table["r"].to_pylist() == ["a", "a", "b"]
    assert table.schema.field("h").type == pa.float32()


def test_a_union_column_is_one_line_naming_it():
    union = pa.UnionArray.from_sparse(pa.array([0, 1], pa.int8()),
                                      [pa.array([1, 2]), pa.array(["a", "b"])])
    with pytest.raises(InputError, match=r"column 'u'.*union type"):
        open_source(pa.table({"u": union}))


@pytest.mark.parametrize(
    ("array", "row"),
    [
        (pa.array([0, 2**31 - 1], pa.date32()), 2),
        (pa.array([None, 0, -(2**62)], pa.timestamp("us")), 3),
        (pa.array([253_402_300_800], pa.timestamp("s", "UTC")), 1),  # 10000-01-01
    ],
)
def test_a_date_outside_years_1_to_9999_is_named_with_its_row(tmp_path, array, row):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"when": array}), path)
    with pytest.raises(InputError) as info:
        _read(path)
    message = str(info.value)
    assert "t.parquet (column 'when')" in message
    assert f"row {row} holds" in message and "years 1 to 9999" in message


def test_dates_at_the_edges_of_the_calendar_are_read():
    import datetime as dt

    edges = pa.array([dt.date(1, 1, 1), dt.date(9999, 12, 31)])
    stamps = pa.array([dt.datetime(9999, 12, 31, 23, 59, 59, 999_999)], pa.timestamp("us"))
    assert _read(pa.table({"d": edges}))["d"].to_pylist() == edges.to_pylist()
    assert _read(pa.table({"t": stamps}))["t"].to_pylist() == stamps.to_pylist()


def test_column_names_that_are_not_utf8_are_one_line(tmp_path):
    buf = io.BytesIO()
    pq.write_table(pa.table({"abc": [1, 2]}), buf, store_schema=False)
    path = tmp_path / "names.parquet"
    path.write_bytes(buf.getvalue().replace(b"abc", b"\xffbc"))
    with pytest.raises(InputError, match="column name is not valid UTF-8"):
        open_source(path)


def test_pandas_ints_past_64_bits_are_kept_as_text():
    pd = pytest.importorskip("pandas")
    source = open_source(pd.DataFrame({"big": [2**70, 1], "ok": [1, 2]}))
    table = pa.Table.from_batches(list(source.batches()))
    assert table["big"].to_pylist() == [str(2**70), "1"]
    assert any("'big'" in note for note in source.notes)


# ---------------------------------------------------------------- corrupt files


def _run_isolated(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter: a native crash there fails the test, not pytest."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
        timeout=120, env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )


def test_corrupt_ipc_offsets_are_an_input_error_not_a_segfault(tmp_path):
    buf = io.BytesIO()
    feather.write_feather(pa.table({"s": ["aaa", "bbb", "ccc"]}), buf,
                          compression="uncompressed")
    good = struct.pack("<4i", 0, 3, 6, 9)
    assert buf.getvalue().count(good) == 1
    path = tmp_path / "offsets.arrow"
    # non-monotonic offsets pass the cheap validate(); kernels then read out of bounds
    path.write_bytes(buf.getvalue().replace(good, struct.pack("<4i", 0, 9, 3, 9)))
    done = _run_isolated(f"""
        from tripwire.errors import InputError
        from tripwire.profiling import profile
        try:
            profile({str(path)!r})
        except InputError as exc:
            print("InputError:", exc)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "InputError:" in done.stdout and "non-monotonic offset" in done.stdout


@pytest.mark.parametrize("how", ["truncated", "flipped", "trailer"])
def test_a_corrupt_gzip_is_one_line(tmp_path, how):
    data = gzip.compress(b"a,b\n" + b"1,2\n" * 5000, mtime=0)
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "flipped":
        data = data[:40] + bytes([data[40] ^ 0xFF]) + data[41:]
    else:
        data = data[:-4] + b"\x00\x00\x00\x00"
    path = tmp_path / "data.csv.gz"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        _read(path)
    assert "data.csv.gz" in str(info.value) and "\n" not in str(info.value)


def test_a_corrupt_gzip_of_json_lines_is_one_line(tmp_path):
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:60])
    with pytest.raises(InputError, match=r"data\.jsonl\.gz"):
        _read(path)


# ---------------------------------------------------------------- JSON Lines


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 200_000])
def test_json_nested_too_deep_names_its_line(tmp_path, depth):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": ' + "[" * depth + "]" * depth + "}\n")
    with pytest.raises(InputError) as info:
        open_source(path)
    assert "deep.jsonl:3: nests arrays or objects more than 64 levels deep" in str(info.value)


def test_unclosed_deep_nesting_is_named_too(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": 1}\n{"a": ' + "{\"b\": " * 100_000 + "\n")
    with pytest.raises(InputError, match=r"deep.jsonl:2: nests"):
        open_source(path)


def test_nesting_inside_strings_and_across_lines_does_not_count(tmp_path):
    path = tmp_path / "ok.jsonl"
    brackets = "[" * 500 + "{" * 500
    lines = [json.dumps({"text": brackets, "n": [[1, 2], [3]]}) for _ in range(200)]
    lines.append(json.dumps({"deep": [[[[[[[[[[1]]]]]]]]]], "esc": 'a\\"[[[[[' * 30}))
    path.write_text("\n".join(lines) + "\n")
    table = _read(path)
    assert table.num_rows == 201
    assert table["text"][0].as_py() == brackets


def test_the_bad_line_finder_survives_deep_nesting(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": 1}\n' + "[" * 100_000 + "\n")
    found = _locate(path, "deep.jsonl", ValueError("reader failed"))
    assert found.line == 2 and "levels deep" in str(found)


def test_a_json_lines_reader_error_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3,,}\n{"a": 4}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:3:\d+: not valid JSON"):
        _read(path)


# ---------------------------------------------------------------- encodings


def test_an_encoding_can_be_forced(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,n\nZoë,1\nJürgen,2\n".encode("cp1252"))
    table = _read(open_source(path, encoding="cp1252"))
    assert table["name"].to_pylist() == ["Zoë", "Jürgen"]


def test_a_wrong_forced_encoding_suggests_the_flag(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,n\nZoë,1\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        _read(open_source(path, encoding="utf-8"))
    assert "--encoding NAME" in str(info.value)
    assert "latin.csv" in str(info.value)


def test_json_integers_past_64_bits_are_read_as_their_text(tmp_path):
    # fuzz: Polars infers Int128, which Arrow cannot import ("_pli128")
    path = tmp_path / "big.jsonl"
    path.write_text('{"a": 123456789012345678901234567890, "b": {"c": 2}}\n'
                    '{"a": 1, "b": {"c": 340282366920938463463374607431768211455}}\n')
    table = _read(path)
    assert table["a"].to_pylist() == ["123456789012345678901234567890", "1"]
    assert table["b"].to_pylist() == [{"c": "2"}, {"c": "340282366920938463463374607431768211455"}]


@pytest.mark.parametrize("make_data", [
    lambda tmp: (tmp / "empty.jsonl").write_text("{}\n{}\n") and tmp / "empty.jsonl",
    lambda tmp: pa.table({}),
])
def test_data_without_columns_is_one_line(tmp_path, make_data):
    # fuzz: `{}` lines gave a batch of rows without columns, which crashed the row sample
    with pytest.raises(InputError, match="holds no columns"):
        open_source(make_data(tmp_path))
