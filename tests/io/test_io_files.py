"""Parquet, JSON Lines, Arrow IPC, folders and globs."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from tripwire.errors import InputError
from tripwire.io import open_source


def table(source) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def sample_table(n: int = 1_000) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(n), pa.int32()),
            "name": pa.array([f"n{i}" for i in range(n)], pa.string()),
            "cat": pa.array(["a", "b"] * (n // 2)).dictionary_encode(),
            "blob": pa.array([b"x"] * n, pa.binary()),
        }
    )


# --- Parquet ------------------------------------------------------------------------------


def test_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(sample_table(), path, row_group_size=300)
    src = open_source(path, batch_rows=250)
    assert src.kind == "parquet" and src.name == "t.parquet"
    assert src.num_rows == 1_000
    assert src.schema == pa.schema(
        [
            ("id", pa.int32()),
            ("name", pa.large_string()),
            ("cat", pa.large_string()),
            ("blob", pa.large_binary()),
        ]
    )
    batches = list(src.batches())
    assert len(batches) >= 4 and all(b.num_rows <= 250 for b in batches)
    assert all(b.schema.equals(src.schema, check_metadata=True) for b in batches)
    assert table(src).column("cat").to_pylist()[:3] == ["a", "b", "a"]


def test_pq_extension(tmp_path):
    pq.write_table(pa.table({"a": [1]}), tmp_path / "x.pq")
    assert open_source(tmp_path / "x.pq").num_rows == 1


def test_parquet_without_extension_is_sniffed(tmp_path):
    pq.write_table(pa.table({"a": [1, 2]}), tmp_path / "part-0000")
    src = open_source(tmp_path / "part-0000")
    assert src.kind == "parquet" and src.num_rows == 2


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "broken.parquet"
    pq.write_table(sample_table(), path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(InputError, match=r"broken\.parquet: cannot read as Parquet") as err:
        open_source(path)
    assert "export it again" in str(err.value)


def test_not_parquet_at_all(tmp_path):
    (tmp_path / "fake.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"fake\.parquet: cannot read as Parquet"):
        open_source(tmp_path / "fake.parquet")


def test_empty_parquet_file(tmp_path):
    (tmp_path / "e.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=r"e\.parquet: file is empty"):
        open_source(tmp_path / "e.parquet")


def test_parquet_with_duplicate_names(tmp_path):
    t = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    pq.write_table(t, tmp_path / "d.parquet")
    src = open_source(tmp_path / "d.parquet")
    assert src.schema.names == ["a", "a.1"]
    assert table(src).to_pydict() == {"a": [1], "a.1": [2]}


# --- JSON Lines ---------------------------------------------------------------------------


def write_lines(path, objects):
    path.write_text("".join(json.dumps(o) + "\n" for o in objects))
    return path


def test_jsonl(tmp_path):
    path = write_lines(tmp_path / "e.jsonl", [{"a": i, "b": f"s{i}"} for i in range(2_000)])
    src = open_source(path, batch_rows=300)
    assert src.kind == "jsonl"
    assert src.schema == pa.schema([("a", pa.int64()), ("b", pa.large_string())])
    batches = list(src.batches())
    assert len(batches) >= 7 and all(b.num_rows <= 300 for b in batches)
    assert table(src).num_rows == 2_000


def test_jsonl_number_then_string_reads_as_text(tmp_path):
    rows = [{"a": i} for i in range(5_000)] + [{"a": "abc"}, {"a": 1.5}]
    src = open_source(write_lines(tmp_path / "m.jsonl", rows))
    assert src.schema.field("a").type == pa.large_string()
    values = table(src).column("a").to_pylist()
    assert values[:2] == ["0", "1"] and values[-2:] == ["abc", "1.5"]


def test_jsonl_int_then_float_and_late_fields(tmp_path):
    rows = [{"a": i} for i in range(5_000)] + [{"a": 0.5, "late": True}]
    src = open_source(write_lines(tmp_path / "f.ndjson", rows))
    assert src.schema == pa.schema([("a", pa.float64()), ("late", pa.bool_())])
    t = table(src)
    assert t.column("late").null_count == 5_000
    assert t.column("a")[-1].as_py() == 0.5


def test_json_extension_with_lines_and_gzip(tmp_path):
    write_lines(tmp_path / "x.json", [{"a": 1}, {"a": 2}])
    assert table(open_source(tmp_path / "x.json")).column("a").to_pylist() == [1, 2]
    (tmp_path / "x.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    assert table(open_source(tmp_path / "x.jsonl.gz")).column("a").to_pylist() == [1, 2]


def test_bad_json_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n\n{"a": 3\n{"a": 4}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:4:\d+: not valid JSON") as err:
        open_source(path)
    assert err.value.line == 4


def test_json_array_is_refused_with_a_hint(tmp_path):
    (tmp_path / "arr.json").write_text('[{"a": 1}, {"a": 2}]')
    with pytest.raises(InputError, match=r"arr\.json: is one JSON array.*one object per line"):
        open_source(tmp_path / "arr.json")


def test_empty_jsonl(tmp_path):
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(InputError, match="file is empty"):
        open_source(tmp_path / "e.jsonl")


# --- Arrow IPC ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["t.arrow", "t.feather", "t.ipc"])
def test_ipc_file_format(tmp_path, name):
    feather.write_feather(sample_table(), tmp_path / name, chunksize=400)
    src = open_source(tmp_path / name, batch_rows=150)
    assert src.kind == "ipc" and src.num_rows == 1_000
    batches = list(src.batches())
    assert all(b.num_rows <= 150 for b in batches)
    assert src.schema.field("cat").type == pa.large_string()
    assert table(src).column("id").to_pylist() == list(range(1_000))


def test_ipc_stream_format(tmp_path):
    path = tmp_path / "s.arrows.ipc"
    t = sample_table()
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, t.schema) as writer:
        writer.write_table(t, max_chunksize=300)
    src = open_source(path)
    assert table(src).num_rows == 1_000
    assert table(src).equals(table(src))


def test_corrupt_ipc(tmp_path):
    (tmp_path / "bad.arrow").write_bytes(b"ARROW1\x00\x00garbage")
    with pytest.raises(InputError, match=r"bad\.arrow: cannot read as Arrow IPC"):
        open_source(tmp_path / "bad.arrow")


# --- unknown, missing ---------------------------------------------------------------------


def test_unknown_extension(tmp_path):
    (tmp_path / "data.xyz").write_text("a\n")
    with pytest.raises(InputError, match=r"data\.xyz: unsupported file type '\.xyz'.*\.parquet"):
        open_source(tmp_path / "data.xyz")


def test_excel_gets_a_hint(tmp_path):
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="save the sheet as CSV"):
        open_source(tmp_path / "book.xlsx")


def test_missing_folder(tmp_path):
    with pytest.raises(InputError, match=r"file not found.*does not exist"):
        open_source(tmp_path / "nope" / "x.csv")


# --- folders and globs --------------------------------------------------------------------


def test_glob_of_csv_promotes_int_and_float(tmp_path):
    (tmp_path / "a.csv").write_text("id,amount\n1,10\n2,20\n")
    (tmp_path / "b.csv").write_text("amount,id\n2.5,3\n")  # columns in another order
    src = open_source(str(tmp_path / "*.csv"))
    assert src.name == str(tmp_path / "*.csv")
    assert src.schema == pa.schema([("id", pa.int64()), ("amount", pa.float64())])
    assert table(src).to_pydict() == {"id": [1, 2, 3], "amount": [10.0, 20.0, 2.5]}
    assert src.files == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert src.num_rows == 3


def test_glob_of_csv_string_wins(tmp_path):
    (tmp_path / "a.csv").write_text("zip\n12345\n")
    (tmp_path / "b.csv").write_text("zip\n01234\n")
    src = open_source(str(tmp_path / "*.csv"))
    assert src.schema.field("zip").type == pa.large_string()
    assert table(src).column("zip").to_pylist() == ["12345", "01234"]


def test_glob_with_different_columns(tmp_path):
    (tmp_path / "a.csv").write_text("id,x\n1,2\n")
    (tmp_path / "b.csv").write_text("id,y\n1,2\n")
    with pytest.raises(InputError) as err:
        open_source(str(tmp_path / "*.csv"))
    msg = str(err.value)
    assert "b.csv" in msg and "lacks ['x']" in msg and "adds ['y']" in msg


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(InputError, match="no files match"):
        open_source(str(tmp_path / "*.csv"))


def test_glob_of_parquet_promotes_types(tmp_path):
    pq.write_table(pa.table({"n": pa.array([1], pa.int32()), "v": [1]}), tmp_path / "p1.parquet")
    pq.write_table(pa.table({"n": [2.5], "v": ["x"]}), tmp_path / "p2.parquet")
    src = open_source(str(tmp_path / "p*.parquet"))
    assert src.schema == pa.schema([("n", pa.float64()), ("v", pa.large_string())])
    assert table(src).to_pydict() == {"n": [1.0, 2.5], "v": ["1", "x"]}
    assert src.num_rows == 2
    assert any("'v'" in n for n in src.notes)


def test_folder_with_mixed_formats(tmp_path):
    folder = tmp_path / "data"
    (folder / "year=2024").mkdir(parents=True)
    (folder / "a.csv").write_text("id,name\n1,x\n")
    pq.write_table(pa.table({"id": [2], "name": ["y"]}), folder / "year=2024" / "b.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / ".hidden.csv").write_text("junk")
    (folder / "README.md").write_text("about")
    src = open_source(folder)
    assert src.name == "data"
    assert table(src).to_pydict() == {"id": [1, 2], "name": ["x", "y"]}
    assert any("skipped 1 file" in n for n in src.notes)


def test_folder_without_data(tmp_path):
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(InputError, match="folder holds no supported files"):
        open_source(tmp_path)


def test_parquet_row_group_read_as_one_batch_by_default(tmp_path, monkeypatch):
    # a row group is decoded whole anyway: slicing it only adds merges of partial profiles
    path = tmp_path / "big_group.parquet"
    rows = 300_000  # above DEFAULT_BATCH_ROWS
    pq.write_table(pa.table({"x": pa.array(range(rows), pa.int64())}), path, row_group_size=rows)
    assert [b.num_rows for b in open_source(path).batches()] == [rows]
    # an explicit batch size is kept
    assert [b.num_rows for b in open_source(path, batch_rows=100_000).batches()] == [100_000] * 3
    # a row group too big to hold is read in default-sized batches
    import tripwire.io.files as files

    monkeypatch.setattr(files, "WHOLE_ROW_GROUP_BYTES", 1_000)
    assert max(b.num_rows for b in open_source(path).batches()) == files.DEFAULT_BATCH_ROWS
