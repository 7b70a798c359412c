"""Alpha and kappas against textbook examples (exact) and the reference implementations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tripwire.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, ratings_from_frame
from tripwire.evaluation.bootstrap import Bootstrap

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of four
# observers coding twelve units with missing values: alpha 0.743 (nominal), 0.815 (ordinal),
# 0.849 (interval)
_ = None
RELIABILITY = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}


def _ratings():
    rows = [(u, a, v) for a, values in RELIABILITY.items() for u, v in enumerate(values) if v is not None]
    df = pl.DataFrame(rows, schema=["unit", "observer", "value"], orient="row")
    return ratings_from_frame(df, "unit", "observer", "value")[0]


def test_alpha_matches_krippendorffs_worked_example():
    r = _ratings()
    # by hand, from the paper's coincidence matrix: n = 40 pairable values, n_c = 9, 13, 10, 5, 3,
    # off-diagonal coincidences 8: alpha = 1 − (n − 1)·8 / (n² − Σ n_c²) = 1 − 312/1216
    assert krippendorff_alpha(r, "nominal").value == pytest.approx(1 - 312 / 1216, abs=1e-15)
    assert round(krippendorff_alpha(r, "nominal").value, 3) == 0.743
    assert round(krippendorff_alpha(r, "ordinal").value, 3) == 0.815
    assert round(krippendorff_alpha(r, "interval").value, 3) == 0.849


def test_alpha_equals_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    r = _ratings()
    table = np.array([[np.nan if v is None else v for v in vals] for vals in RELIABILITY.values()], dtype=float)
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(r, level).value == pytest.approx(
            krippendorff.alpha(table, level_of_measurement=level), abs=1e-12)


def test_alpha_of_random_tables_equals_the_package():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    table = rng.integers(0, 5, (6, 80)).astype(float)
    table[rng.random(table.shape) < 0.3] = np.nan
    rows = [(u, a, table[a, u]) for a in range(6) for u in range(80) if np.isfinite(table[a, u])]
    r = ratings_from_frame(pl.DataFrame(rows, schema=["u", "a", "v"], orient="row"), "u", "a", "v")[0]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(r, level).value == pytest.approx(
            krippendorff.alpha(table, level_of_measurement=level), abs=1e-12)


def test_fleiss_kappa_matches_the_textbook_example_and_statsmodels():
    # Fleiss (1971) as in the Wikipedia article: 10 subjects, 14 raters, 5 categories: 0.210
    table = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    p_bar = (((table**2).sum(axis=1) - 14) / (14 * 13)).mean()
    p_e = ((table.sum(axis=0) / 140) ** 2).sum()
    assert fleiss_kappa(table).value == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-15)
    assert round(fleiss_kappa(table).value, 3) == 0.210
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    assert fleiss_kappa(table).value == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-12)


def test_cohen_kappa_matches_the_textbook_example_and_scikit_learn():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o 0.7, p_e 0.5, kappa 0.4
    a = np.array([0] * 25 + [1] * 25)
    b = np.array([0] * 20 + [1] * 5 + [0] * 10 + [1] * 15)
    assert cohen_kappa(a, b, 2).value == pytest.approx(0.4, abs=1e-12)
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    y[:200] = x[:200]
    assert cohen_kappa(x, y, 4).value == pytest.approx(metrics.cohen_kappa_score(x, y), abs=1e-12)


def test_intervals_are_seeded_and_cover_the_estimate():
    r = _ratings()
    one = krippendorff_alpha(r, "nominal", Bootstrap(500, seed=7))
    two = krippendorff_alpha(r, "nominal", Bootstrap(500, seed=7))
    assert (one.ci_low, one.ci_high) == (two.ci_low, two.ci_high)
    assert one.ci_low < one.value <= one.ci_high
    other = krippendorff_alpha(r, "nominal", Bootstrap(500, seed=8))
    assert (other.ci_low, other.ci_high) != (one.ci_low, one.ci_high)
    ordinal = krippendorff_alpha(r, "ordinal", Bootstrap(500))
    assert ordinal.ci_low < ordinal.value <= ordinal.ci_high


def test_interval_narrows_with_more_items():
    rng = np.random.default_rng(0)

    def width(n):
        truth = rng.integers(0, 3, n)
        rows = [(u, a, int(truth[u]) if rng.random() < 0.8 else int(rng.integers(0, 3))) for u in range(n)
                for a in range(3)]
        r = ratings_from_frame(pl.DataFrame(rows, schema=["u", "a", "v"], orient="row"), "u", "a", "v")[0]
        e = krippendorff_alpha(r, "nominal", Bootstrap(300))
        return e.ci_high - e.ci_low

    assert width(2000) < width(200) / 2


def test_alpha_on_a_real_multi_rater_table_equals_the_package():
    """ordinal's wine: nine judges rate the bitterness of eight bottles, 1–5 (Randall 1989)."""
    krippendorff = pytest.importorskip("krippendorff")
    from tests.realdata import _rdata

    wine = _rdata("ordinal", "wine")
    r = ratings_from_frame(pl.from_pandas(wine), "bottle", "judge", "rating")[0]
    table = wine.pivot(index="judge", columns="bottle", values="rating").to_numpy(float)
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(r, level).value == pytest.approx(
            krippendorff.alpha(table, level_of_measurement=level), abs=1e-12)
    assert round(krippendorff_alpha(r, "ordinal").value, 3) == 0.344
