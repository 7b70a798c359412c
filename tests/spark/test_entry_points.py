"""The top-level API hands a Spark DataFrame to tripwire.spark: scan, Contract.check, drift, log, profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.spark.helpers import report_keys as _keys
from tripwire.errors import UsageError
from tripwire.profiling import ProfileConfig

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

BAD = [5, 700, 1500]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    pdf = pd.DataFrame({"x": rng.normal(10, 3, 2000).round(3), "n": rng.integers(0, 50, 2000),
                        "row_id": np.arange(2000) * 10 + 7})
    pdf.loc[BAD, "x"] = -100.0  # below the contract's minimum
    return pdf


def test_tripwire_scan_of_a_spark_frame_runs_on_spark(spark, frame):
    sdf = spark.createDataFrame(frame).coalesce(2)
    got = tripwire.scan(sdf, progress=True)  # `progress` means nothing on a cluster: dropped
    assert got.extra["profile"].source["kind"] == "spark"
    assert _keys(got) == _keys(tripwire.scan(frame))


def test_contract_check_of_a_spark_frame_runs_on_spark_and_writes_its_quarantine(spark, frame, tmp_path: Path):
    sdf = spark.createDataFrame(frame).coalesce(2)
    contract = tripwire.Contract.loads("columns: {x: {min: 0}}")
    got = contract.check(sdf, quarantine=tmp_path / "q")
    want = contract.check(frame)
    assert _keys(got) == _keys(want) and set(BAD) <= set(got.findings[0].rows)
    assert got.quarantine["rows_in"] == len(frame) and (tmp_path / "q" / "kept").is_dir()  # part files, Spark's way
    from tripwire.run import check  # the run layer's own function hands it over too, key= included

    keyed = check(contract, sdf, key="row_id")
    assert keyed.findings[0].rows == tuple(frame.row_id.iloc[list(want.findings[0].rows)])


def test_tripwire_drift_of_a_spark_frame_runs_on_spark(spark, frame):
    moved = frame.assign(x=frame.x + 2)
    ref = tripwire.profile(moved, sample_rows=0)
    sdf = spark.createDataFrame(frame).coalesce(2)
    got = tripwire.drift(sdf, ref, config=ProfileConfig(sample_rows=0), key="row_id")
    want = tripwire.drift(tripwire.profile(frame, sample_rows=0), ref)
    assert _keys(got) == _keys(want) and got.extra["columns"] == want.extra["columns"]
    assert any(f.code == "drift.feature" and f.columns == ("x",) for f in got.findings)
    with pytest.raises(UsageError, match="does not take time_column, window"):
        tripwire.drift(sdf, ref, time_column="n", window="1w")
    with pytest.raises(UsageError, match="rows are named by non-negative integers"):
        tripwire.drift(sdf, ref, key="x")


def test_tripwire_log_of_a_spark_frame_stores_rows_named_by_the_key(spark, frame, tmp_path: Path):
    from tripwire.store import Store

    store = f"sqlite:///{tmp_path / 'h.db'}"
    sdf = spark.createDataFrame(frame).coalesce(2)
    contract = tripwire.Contract.loads("columns: {x: {min: 0}}")
    done = tripwire.log(sdf, "numbers", store=store, contract=contract, key="row_id")
    assert done.report.extra["profile"].source["kind"] == "spark"
    failed = next(f for f in Store(store).report(done.batch_id).findings if f.code == "data.out_of_range")
    assert failed.evidence["row_key"] == "row_id"
    assert set(failed.rows) >= {i * 10 + 7 for i in BAD}  # the stored report names rows by key
    assert done.report.dataset.fingerprint == tripwire.profile(frame).fingerprint
