"""drift.correlation (a column no longer goes with its partners) and drift.feature's spread test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import CLEAN_SETS, random_halves


def _latent(n: int, seed: int) -> pd.DataFrame:
    """Three columns driven by one factor (pairwise correlation ~0.8) and one independent column."""
    rng = np.random.default_rng(seed)
    f = rng.normal(0, 1, n)
    noise = rng.normal(0, 0.5, (n, 3))
    return pd.DataFrame({"a": f + noise[:, 0], "b": 50 + 10 * (f + noise[:, 1]), "c": np.exp(f + noise[:, 2]),
                         "d": rng.normal(0, 1, n)})


def _loud(report, code):
    return [f for f in report.by_code(code) if f.severity != "info"]


def test_a_column_shuffled_on_a_fifth_of_rows_is_named_with_its_partners():
    ref, cur = _latent(4000, 0), _latent(4000, 1)
    rng = np.random.default_rng(2)
    rows = np.sort(rng.choice(len(cur), 800, replace=False))
    cur.loc[rows, "b"] = cur.loc[rng.permutation(rows), "b"].to_numpy()
    report = tripwire.drift(cur, ref)
    [f] = _loud(report, "drift.correlation")
    assert f.severity == "warning" and f.columns[0] == "b" and set(f.columns[1:]) == {"a", "c"}
    assert set(f.evidence["partners"]) == {"a", "c"} and f.evidence["changed_pairs"] == 2
    before, after = f.evidence["partners"]["a"]["spearman"]
    assert 0.7 < before < 0.85 and after < before - 0.1
    assert f.evidence["partners"]["a"]["correlation_z"] >= 5
    assert "b: with a" in f.title
    assert f.evidence["thresholds"]["z"] == 5.0  # the bound it was held to: 4 columns, 6 pairs stay at MIN_Z
    # the marginal is unchanged: no single-column drift says it
    assert not _loud(report, "drift.feature")


def test_unchanged_relations_and_independent_columns_are_quiet():
    report = tripwire.drift(_latent(4000, 1), _latent(4000, 0))
    assert not report.by_code("drift.correlation")
    assert {c.name for c in report.checks if c.status != "skipped"} >= {"drift.correlation"}


def test_a_few_gross_values_in_a_near_perfect_relation_are_not_a_change():
    # diamonds-like: y follows x to 0.999, and one half holds three rows with y = 0 (a data error
    # of the set itself); Fisher z with the normal-theory variance alone would call it a change
    rng = np.random.default_rng(0)
    x = rng.uniform(3, 9, 8000)
    df = pd.DataFrame({"x": x, "y": x * 1.01 + rng.normal(0, 0.03, x.size), "w": x**3 * 0.2})
    df.loc[[5, 17, 40], ["y"]] = 0.0
    ref, cur = df.iloc[4000:].reset_index(drop=True), df.iloc[:4000].reset_index(drop=True)
    assert not tripwire.drift(cur, ref).by_code("drift.correlation")


def test_noise_on_a_fifth_of_rows_widens_the_spread_as_a_drift_warning():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"v": rng.normal(100, 15, 5000)})
    cur = pd.DataFrame({"v": rng.normal(100, 15, 5000)})
    rows = rng.choice(5000, 1000, replace=False)
    cur.loc[rows, "v"] += rng.normal(0, 15, rows.size)
    [f] = _loud(tripwire.drift(cur, ref), "drift.feature")
    assert f.severity == "warning" and f.columns == ("v",)
    assert f.evidence["metric"] == "spread" and 1.05 < f.evidence["sd_ratio"] < 1.2
    assert f.evidence["log_variance_ratio_z"] >= 5
    assert f"v: SD ×{f.evidence['sd_ratio']:.2f} (wider, z = " in f.title  # SD, not the IQR the words may name


def test_heavy_tails_do_not_pass_for_a_spread_change():
    # lognormal(0, 2): one half's variance can be twice the other's by chance; kurtosis widens the test
    for seed in range(5):
        rng = np.random.default_rng(seed)
        ref = pd.DataFrame({"income": rng.lognormal(0, 2, 5000)})
        cur = pd.DataFrame({"income": rng.lognormal(0, 2, 5000)})
        assert not _loud(tripwire.drift(cur, ref), "drift.feature")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLEAN_SETS))
def test_random_halves_of_real_sets_keep_their_relations_and_spreads(name):
    for seed in range(3):
        ref, cur = random_halves(CLEAN_SETS[name](), seed=seed)
        report = tripwire.drift(cur, ref)
        assert not report.by_code("drift.correlation"), (name, seed)
        assert not [f for f in _loud(report, "drift.feature") if f.evidence.get("metric") == "spread"], (name, seed)


def test_thresholds_in_evidence_are_the_bound_each_test_used():
    from tripwire.drift_detection.correlation import pair_bound
    from tripwire.drift_detection.spread import MIN_Z, SpreadChange, bound

    assert pair_bound(4) == MIN_Z == bound(1)
    # 60 columns: 3,540 tests (two per pair), Bonferroni at 0.1% over them needs more than |z| 5
    assert pair_bound(60) == bound(60 * 59) > MIN_Z
    assert SpreadChange(1.1, 6.0).evidence(5000)["thresholds"]["z"] == round(bound(5000), 2) > MIN_Z


def test_proportion_z_is_the_pooled_two_proportion_test():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    from tripwire.detectors.common import proportion_z, rose_significantly

    z, _ = proportion.proportions_ztest([40, 10], [1000, 1000])
    assert proportion_z(40, 1000, 10, 1000) == pytest.approx(z)
    assert proportion_z(0, 500, 0, 800) == 0.0  # nothing on either side: no evidence, not a division by zero
    assert rose_significantly(40, 1000, 10, 1000) and not rose_significantly(10, 1000, 40, 1000)
    assert not rose_significantly(5, 0, 1, 10)


def test_average_ranks_equal_scipys_and_count_the_largest_tie():
    from scipy.stats import rankdata

    from tripwire.drift_detection.correlation import _average_ranks

    rng = np.random.default_rng(0)
    for x in (rng.normal(size=500), rng.integers(0, 7, 500).astype(float), np.round(rng.exponential(size=500), 1),
              np.array([3.0]), np.array([1.0, 1.0, 2.0])):
        ranks, most_tied = _average_ranks(x)
        assert np.array_equal(ranks, rankdata(x))
        assert most_tied == np.unique(x, return_counts=True)[1].max()
