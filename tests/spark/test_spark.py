"""tripwire on Spark: the same profiles, scans, checks and drift as the single-process path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tripwire
from tests.spark.helpers import report_keys as _keys
from tripwire.contracts import Contract
from tripwire.errors import UsageError

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")



def _frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ints = pd.array(rng.integers(-50, 50, n), dtype="Int64")
    ints[rng.random(n) < 0.1] = pd.NA
    floats = rng.normal(10, 3, n)
    floats[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "i": ints,
        "x": floats,
        "s": rng.choice(["a", "bb", "ccc", "12", None], n),
        "b": rng.random(n) < 0.3,
        "d": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
    })


def _same_profile(spark_prof, local_prof) -> None:
    assert spark_prof.rows == local_prof.rows
    assert spark_prof.fingerprint == local_prof.fingerprint
    assert list(spark_prof.columns) == list(local_prof.columns)
    for name, col in local_prof.columns.items():
        # below the exact limits every statistic (quantiles, distinct, frequent items) is exact
        assert spark_prof[name].to_dict() == col.to_dict(), name
    assert spark_prof.sample.num_rows == local_prof.sample.num_rows


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), n=st.integers(1, 3000), parts=st.integers(1, 7))
def test_any_partitioning_merges_to_the_single_process_profile(spark, seed, n, parts):
    from tripwire.spark import profile

    pdf = _frame(seed, n)
    sdf = spark.createDataFrame(pdf).repartition(parts)  # a shuffle: rows land in any partition
    _same_profile(profile(sdf), tripwire.profile(pdf))


def test_a_task_that_fails_once_is_retried_and_counted_once(spark):
    from tripwire.spark import profile

    pdf = _frame(1, 4000)
    sdf = spark.createDataFrame(pdf).repartition(4)

    def fail_first_attempt(batches):
        from pyspark import TaskContext

        ctx = TaskContext.get()
        if ctx.partitionId() == 1 and ctx.attemptNumber() == 0:
            raise RuntimeError("executor lost (injected)")
        yield from batches

    flaky = sdf.mapInArrow(fail_first_attempt, sdf.schema)
    _same_profile(profile(flaky), tripwire.profile(pdf))


def test_nested_and_binary_columns_are_profiled_as_far_as_they_can_be(spark):
    from pyspark.sql import functions as F

    from tripwire.spark import profile

    sdf = spark.range(100).select(
        F.col("id"),
        F.create_map(F.lit("k"), F.col("id")).alias("m"),
        F.struct(F.col("id").alias("a"), F.lit("z").alias("b")).alias("st"),
        F.when(F.col("id") % 10 == 0, None).otherwise(F.col("id").cast("string").cast("binary")).alias("bin"),
        F.array(F.col("id"), F.col("id")).alias("arr"),
    )
    prof = profile(sdf)
    assert prof.rows == 100
    assert prof["bin"].nulls == 10 and prof["m"].count == 100
    note = next(n for n in prof.notes if "profiled as text only" in n)
    for name in ("m", "st", "bin", "arr"):
        assert name in note
    assert "id" not in note.split(":", 1)[1].replace("(", " ").split()
    empty = profile(sdf.where("id < 0"))  # no rows in any partition: the columns are still listed
    assert empty.rows == 0 and list(empty.columns) == ["id", "m", "st", "bin", "arr"]


@pytest.fixture(scope="module")
def flights_small(flights):
    df = flights.iloc[:12000].reset_index(drop=True).copy()
    signs = [17, 4410, 9000, 11000]
    df.loc[signs, "distance"] = -df.loc[signs, "distance"]  # sign errors
    scaled = range(100, 12000, 250)
    df.loc[scaled, "air_time"] = df.loc[scaled, "air_time"] * 100  # unit errors
    df.loc[11500] = df.loc[3]  # an exact duplicate row
    return df


def test_scan_of_a_spark_frame_agrees_with_pandas(spark, flights_small):
    from tripwire.spark import scan

    sdf = spark.createDataFrame(flights_small).coalesce(3)
    got, want = scan(sdf), tripwire.scan(flights_small)
    assert _keys(got) == _keys(want)
    magnitude = next(f for f in got.findings if f.code == "data.magnitude_error")
    assert magnitude.columns == ("air_time",) and magnitude.rows[:3] == (100, 350, 600)  # rows from Spark
    signs = next(f for f in got.findings if f.code == "data.outliers" and "negative" in f.title)
    assert signs.rows == (17, 4410, 9000, 11000)
    dup = next(f for f in got.findings if f.code == "data.duplicates")
    assert dup.rows == (11500,)


CONTRACT = """
name: flights
columns:
  dep_delay: {max: 1000}
  dep_time: {monotonic: increasing}
  carrier: {allowed: [9E, AA, AS, B6, DL, EV, F9, FL, HA, MQ, OO, UA, US, VX, WN, YV]}
dataset:
  unique_key: [year, month, day, carrier, flight, origin]
rules:
  - name: early flights still fly
    expr: dep_delay >= -60 or is_null(dep_delay)
"""


def test_check_and_quarantine_on_spark_agree_with_pandas(spark, flights_small, tmp_path: Path):
    from tripwire.spark import check

    contract = Contract.loads(CONTRACT)
    sdf = spark.createDataFrame(flights_small).coalesce(3)
    got = check(contract, sdf, quarantine=tmp_path / "spark")
    from tripwire.run import check as check_locally

    want = check_locally(contract, flights_small, quarantine=tmp_path / "local")
    assert _keys(got) == _keys(want)
    assert {k: v for k, v in got.quarantine.items() if k != "directory"} == \
        {k: v for k, v in want.quarantine.items() if k != "directory"}
    assert got.quarantine["per_check"]["dataset.unique_key"] == 1
    kept = pq.read_table(tmp_path / "spark" / "kept")
    rejected = pq.read_table(tmp_path / "spark" / "rejected")
    assert kept.num_rows == got.quarantine["rows_kept"]
    assert kept.num_rows + rejected.num_rows == len(flights_small)
    assert sorted(rejected.column("dep_delay").to_pylist(), key=str) == \
        sorted(pq.read_table(tmp_path / "local" / "rejected.parquet").column("dep_delay").to_pylist(), key=str)


def test_drift_of_spark_frames_agrees_with_pandas(spark, flights):
    from tripwire.profiling import ProfileConfig
    from tripwire.spark import drift

    jan = flights[flights.month == 1].iloc[:3000].reset_index(drop=True)
    jul = flights[flights.month == 7].iloc[:3000].reset_index(drop=True)
    # without row samples: the domain classifier (drift.multivariate) would train on samples,
    # which hold other rows on Spark (and takes minutes on this shared machine)
    got = drift(spark.createDataFrame(jul), spark.createDataFrame(jan), config=ProfileConfig(sample_rows=0))
    want = tripwire.drift(tripwire.profile(jul, sample_rows=0), tripwire.profile(jan, sample_rows=0))
    assert _keys(got) == _keys(want)
    assert any(f.code == "drift.feature" and f.columns == ("dep_delay",) for f in got.findings)
    assert got.extra["columns"] == want.extra["columns"]


def test_log_of_a_spark_frame_stores_the_cluster_profile(spark, flights_small, tmp_path: Path):
    from tripwire.spark import log

    store = f"sqlite:///{tmp_path / 'h.db'}"
    done = log(spark.createDataFrame(flights_small.iloc[:5000]), "flights", store=store)
    again = tripwire.log(flights_small.iloc[:5000], "flights", store=store, rolling="all")
    assert done.report.dataset.fingerprint == again.report.dataset.fingerprint
    assert again.report.reference.rows == 5000


def test_the_top_level_api_hands_a_spark_frame_to_tripwire_spark(spark):
    pdf = _frame(2, 500)
    sdf = spark.createDataFrame(pdf).coalesce(2)
    _same_profile(tripwire.profile(sdf), tripwire.profile(pdf))
    with pytest.raises(UsageError, match="does not take time_column"):
        tripwire.drift(sdf, sdf, time_column="d", window="1w")


def test_a_key_column_names_the_failing_rows_whatever_the_partitioning(spark, flights_small):
    from tripwire.run import check as check_locally
    from tripwire.spark import check

    df = flights_small.assign(row_id=np.arange(len(flights_small)) * 10 + 7)
    contract = Contract.loads("columns: {air_time: {max: 1000}, dep_delay: {max: 300}}")
    sdf = spark.createDataFrame(df).repartition(3, "carrier")  # rows leave their input order
    got, want = check(contract, sdf, key="row_id"), check_locally(contract, df)
    assert [f.code for f in got.findings] == [f.code for f in want.findings] and got.findings
    for g, w in zip(got.findings, want.findings, strict=True):
        assert g.evidence["row_key"] == "row_id"
        assert sorted(g.rows) == sorted(df.row_id.iloc[list(w.rows)].tolist())
    air = next(f for f in got.findings if f.columns == ("air_time",))
    assert sorted(air.rows) == [i * 10 + 7 for i in range(100, 12000, 250)]  # the injected unit errors
    with pytest.raises(UsageError, match="rows are named by non-negative integers"):
        check(contract, sdf, key="carrier")


def test_no_java_is_one_line_naming_the_package(monkeypatch):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from tripwire.spark import session as mod

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.setattr(mod, "java_home", lambda: None)
    with pytest.raises(mod.SparkUnavailableError, match="openjdk-17-jre-headless") as err:
        mod.session()
    assert "\n" not in str(err.value)


def test_profile_on_spark_from_the_command_line_without_java_is_one_line(tmp_path: Path):
    import os
    import subprocess
    import sys

    from tests.cli.test_cli import ROOT, assert_one_line_error

    pytest.importorskip("pyspark")
    data = tmp_path / "d.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(data)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PYTHONPATH=str(ROOT / "src"), PATH=os.path.dirname(sys.executable))  # no java on it
    proc = subprocess.run([sys.executable, "-m", "tripwire", "profile", str(data), "--spark", "local[1]"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert_one_line_error(proc, "Java runtime", "openjdk-17-jre-headless")


def test_unreadable_data_on_spark_is_one_line_without_a_java_stack_trace(tmp_path: Path):
    import os
    import subprocess
    import sys

    from tests.cli.test_cli import ROOT

    pytest.importorskip("pyspark")
    from tripwire.spark.session import java_home

    if java_home() is None:
        from tests.conftest import skip_or_fail

        skip_or_fail("no Java runtime")
    good = tmp_path / "good.parquet"
    pd.DataFrame({"a": range(1000)}).to_parquet(good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:300])  # cut short: no footer
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "tripwire", "profile", str(bad), "--spark", "local[1]"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2, proc.stderr
    # the JVM itself announces the incubator module Spark 4 loads: not Spark's log, nor tripwire's
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "incubator modules" not in ln]
    assert len(lines) == 1 and "bad.parquet" in lines[0] and "not a Parquet file" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_scan_of_a_spark_frame_masks_personal_values_as_tripwire_scan_does(spark):
    from tests.privacy.test_masking import _people
    from tripwire.spark import scan

    people = _people().to_pandas()
    got, want = scan(spark.createDataFrame(people).coalesce(2)), tripwire.scan(people)
    assert got.by_code("data.category_variants") and "maria " not in want.to_json()
    assert "maria " not in got.to_json()
    assert got.extra["personal_columns"] == want.extra["personal_columns"]


def test_check_of_a_spark_frame_masks_failing_personal_values(spark):
    from tests.privacy.test_masking import _people
    from tripwire.spark import check

    contract = tripwire.Contract.loads("columns: {first_name: {allowed: [Maria, John]}}")
    report = check(contract, spark.createDataFrame(_people().to_pandas()).coalesce(2))
    assert any(c.status == "failed" for c in report.checks) and "Anna" not in report.to_json()


def test_more_partitions_than_the_driver_takes_merge_in_spark_rounds(spark, monkeypatch):
    from importlib import import_module

    from tripwire.spark import profile

    profile_mod = import_module("tripwire.spark.profile")  # the module (the package's `profile` is the function)
    monkeypatch.setattr(profile_mod, "FAN_IN", 2)
    monkeypatch.setattr(profile_mod, "MERGE_GROUP", 3)  # 19 partitions: rounds to 7, 3, then 2
    pdf = _frame(5, 2500)
    _same_profile(profile(spark.createDataFrame(pdf).repartition(19)), tripwire.profile(pdf))


def test_a_plain_parquet_scan_is_read_by_pyarrow_in_the_tasks_with_the_same_profile(spark, tmp_path: Path):
    from tripwire.spark import profile

    pdf = _frame(9, 5000).drop(columns=["d"])
    path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path, row_group_size=700)
    sdf = spark.read.parquet(str(path))
    got = profile(sdf)
    assert got.source["reader"] == "pyarrow" and got.source["row_groups"] == 8
    _same_profile(got, tripwire.profile(pdf))
    rows = got.sample.table.column("__row__").to_pylist()  # positions in the file
    texts = pq.read_table(path).column("s").to_pylist()
    assert got.sample.table.column("s").to_pylist() == [texts[r] for r in rows]
    filtered = profile(sdf.where("x > 10"))  # not a plain scan: Spark hands the rows over
    assert "reader" not in filtered.source
    _same_profile(filtered, tripwire.profile(pdf[pdf.x > 10].reset_index(drop=True)))


def test_a_parquet_folder_read_by_pyarrow_numbers_rows_as_tripwire_profile_and_counts_a_repeated_path(
        spark, tmp_path: Path):
    from tripwire.spark import profile

    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(7):  # more than 4 files: DataFrame.inputFiles() is then in hash order
        pq.write_table(pa.table({"x": list(range(i * 100, i * 100 + 100))}), folder / f"f{i}.parquet")
    got = profile(spark.read.parquet(str(folder)))
    assert got.source["reader"] == "pyarrow"
    _same_profile(got, tripwire.profile(str(folder)))
    assert got.sample.table.column("x").to_pylist() == got.sample.table.column("__row__").to_pylist()
    first = str(folder / "f0.parquet")
    twice = spark.read.parquet(first, first)  # Spark reads the file twice
    assert profile(twice).rows == twice.count() == 200


def test_a_key_names_failing_rows_exactly_when_rows_move_within_partitions_between_jobs(spark, tmp_path: Path):
    from tripwire.spark import check

    rng = np.random.default_rng(4)
    x = rng.normal(10, 2, 3000)
    x[[11, 900, 1700, 2999]] = -5.0
    pdf = pd.DataFrame({"x": x, "row_id": np.arange(3000) * 3 + 1, "k": np.arange(3000) % 2900})
    runs = tmp_path / "runs"
    runs.mkdir()

    def every_other_run_reversed(batches):  # a partition whose row order changes from one Spark job to the next
        import uuid

        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        seen = len(list(runs.glob(f"{pid}-*")))
        (runs / f"{pid}-{uuid.uuid4().hex}").touch()
        table = pa.Table.from_batches(list(batches))
        if seen % 2:
            table = table.take(pa.array(np.arange(table.num_rows)[::-1]))
        yield from table.to_batches()

    sdf = spark.createDataFrame(pdf).coalesce(2)
    moving = sdf.mapInArrow(every_other_run_reversed, sdf.schema)
    contract = Contract.loads("columns: {x: {min: 0}}\ndataset: {unique_key: [k]}")
    got = check(contract, moving, key="row_id")
    by_check = {f.columns: set(f.rows) for f in got.findings}
    assert by_check[("x",)] == {r * 3 + 1 for r in (11, 900, 1700, 2999)}  # the rows that failed, not their neighbours
    assert by_check[("k",)] == {r * 3 + 1 for r in range(2900, 3000)}  # the second of each repeated k
