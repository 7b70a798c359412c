"""Plain Parquet scans read with pyarrow in the tasks: the profile, the row pass and the key lookup, one numbering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tripwire

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

CONTRACT = """
columns:
  x: {min: 0}
  s: {allowed: [a, bb, ccc]}
dataset:
  unique_key: [k]
"""


def _folder(tmp_path: Path) -> Path:
    """Five files of different sizes (Spark orders its file partitions by size, not by path)."""
    rng = np.random.default_rng(3)
    folder = tmp_path / "parts"
    folder.mkdir()
    start = 0
    for i, n in enumerate([300, 2500, 50, 1200, 800]):
        x = rng.normal(10, 2, n)
        x[rng.random(n) < 0.003] = -1000.0  # fails x >= 0, an outlier
        k = np.arange(start, start + n)
        k[rng.random(n) < 0.005] = 3  # repeats of key 3
        s = rng.choice(["a", "bb", "ccc", "zz"], n, p=[0.5, 0.3, 0.19, 0.01])
        table = pa.table({"x": x, "k": k, "s": s, "row_id": np.arange(start, start + n) * 10 + 1})
        pq.write_table(table, folder / f"f{i}.parquet", row_group_size=400)
        start += n
    return folder


def _keys(report):
    return ([(f.code, f.columns, f.title, f.rows) for f in report.findings],
            [(c.name, c.status) for c in report.checks])


def test_check_of_a_parquet_folder_reads_row_groups_with_pyarrow_and_numbers_rows_as_tripwire_check(
        spark, tmp_path: Path):
    from tripwire.run import check as check_locally
    from tripwire.spark import check

    folder = _folder(tmp_path)
    sdf = spark.read.parquet("file://" + str(folder))  # a filesystem URI, as Spark lists it
    contract = tripwire.Contract.loads(CONTRACT)
    got = check(contract, sdf, quarantine=tmp_path / "q")
    want = check_locally(contract, str(folder), quarantine=tmp_path / "local")
    assert got.extra["profile"].source["reader"] == "pyarrow"
    assert _keys(got) == _keys(want)
    assert {k: v for k, v in got.quarantine.items() if k != "directory"} == \
        {k: v for k, v in want.quarantine.items() if k != "directory"}
    rejected = pq.read_table(tmp_path / "q" / "rejected").sort_by("row_id")
    assert rejected.column("row_id").to_pylist() == \
        pq.read_table(tmp_path / "local" / "rejected.parquet").sort_by("row_id").column("row_id").to_pylist()
    keyed = check(contract, sdf, key="row_id")  # the key lookup reads the same row groups
    table = pq.read_table(folder)  # tripwire.check's numbering: files in sorted order
    for g, w in zip(keyed.findings, want.findings, strict=True):
        assert g.rows == tuple(table.column("row_id").take(list(w.rows)).to_pylist())


def test_profile_and_scan_of_a_parquet_folder_number_rows_alike(spark, tmp_path: Path):
    from tripwire.spark import profile, scan

    folder = _folder(tmp_path)
    sdf = spark.read.parquet(str(folder))
    prof, report = profile(sdf), scan(sdf)
    table = pq.read_table(folder)
    rows = prof.sample.table.column("__row__").to_pylist()
    assert prof.sample.table.column("row_id").to_pylist() == table.column("row_id").take(rows).to_pylist()
    negative = next(f for f in report.findings if f.columns == ("x",) and f.rows)
    assert all(table.column("x")[r].as_py() < 0 for r in negative.rows)
    assert negative.rows == next(f for f in tripwire.scan(str(folder)).findings
                                 if f.code == negative.code and f.columns == ("x",)).rows


def test_frames_pyarrow_cannot_read_go_through_spark():
    from tripwire.spark.direct import filesystem_path

    assert filesystem_path("file:/tmp/x.parquet")[1] == "/tmp/x.parquet"
    assert filesystem_path("nosuchfs://bucket/x.parquet") is None  # then mapInArrow, as before


def test_a_corrupt_page_behind_a_good_footer_is_one_input_error_line(spark, tmp_path: Path):
    from tripwire.errors import InputError
    from tripwire.spark import profile

    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"s": [f"v{i % 100}" for i in range(5000)]}), path, use_dictionary=False)
    start = pq.ParquetFile(path).metadata.row_group(0).column(0).data_page_offset + 8
    data = bytearray(path.read_bytes())
    data[start:start + 64] = b"Z" * 64  # the page header: pyarrow opens the file, its tasks cannot read it
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"tripwire cannot read .*bad\.parquet \(row group 0\)"):
        profile(spark.read.parquet(str(path)))  # not an internal error with the worker's traceback


def test_footers_are_read_side_by_side_in_file_order(tmp_path):
    from tripwire.spark.direct import footers

    folder = _folder(tmp_path)
    (folder / "broken.parquet").write_bytes(b"not a parquet file")
    files = sorted(str(p) for p in folder.iterdir())
    found = footers(files)
    assert [f is None for f in found] == [p.endswith("broken.parquet") for p in files]
    for path, footer in zip(files, found, strict=True):
        if footer is not None:
            meta = pq.ParquetFile(path)
            assert footer == (meta.schema_arrow, meta.metadata.num_row_groups)
    assert footers(files[:1]) == found[:1]
