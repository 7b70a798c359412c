"""The statistics behind drift: exact and sketched distributions, PSI's noise correction, BH."""

from __future__ import annotations

import numpy as np
import pytest

from tripwire.drift_detection import stats as st
from tripwire.drift_detection.config import DriftConfig
from tripwire.errors import UsageError
from tripwire.profiling import profile


def _col(values, name="x"):
    import pyarrow as pa

    return profile(pa.table({name: values}), sample_rows=0)[name]


def test_exact_distribution_from_frequent_counts_matches_numpy():
    x = np.random.default_rng(0).integers(0, 50, 5000).astype(float)
    d = st.numeric_dist(_col(x))
    assert d is not None and d.exact and d.rank_error == 0
    assert d.quantiles(np.array([0.5]))[0] == np.quantile(x, 0.5, method="inverted_cdf")
    assert d.cdf(np.array([10.0]))[0] == pytest.approx((x <= 10).mean())


def test_wasserstein_of_a_pure_shift_is_the_shift():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 50_000), rng.normal(0, 1, 50_000) + 0.5
    da, db = st.numeric_dist(_col(a)), st.numeric_dist(_col(b))
    assert st.wasserstein(da, db) == pytest.approx(0.5, abs=0.06)  # KLL rank error adds a little
    assert st.ks_pvalue(st.ks_distance(da, db), 50_000, 50_000, da.rank_error + db.rank_error) < 1e-10


def test_psi_of_two_samples_of_one_distribution_is_about_zero():
    rng = np.random.default_rng(2)
    probs = np.full(40, 1 / 40)
    a, b = rng.multinomial(400, probs), rng.multinomial(400, probs)
    assert st.psi(a, b) < 0.05  # raw PSI would be ~0.2 from noise alone at this size
    assert st.psi(a, a[::-1] * 0 + np.r_[a[:20] * 2, a[20:] * 0]) > 1


def test_benjamini_hochberg_matches_the_textbook():
    p = [0.01, 0.04, 0.03, 0.005]
    assert st.benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_auc_interval_narrows_with_rows():
    lo1, hi1 = st.auc_interval(0.7, 100, 100)
    lo2, hi2 = st.auc_interval(0.7, 10_000, 10_000)
    assert lo1 < lo2 < 0.7 < hi2 < hi1


def test_config_overrides_per_column_and_rejects_typos():
    cfg = DriftConfig.from_options({"drift": {"wasserstein": {"warning": 0.2},
                                              "columns": {"a": {"psi": 0.5, "as": "categorical"}},
                                              "skip": ["t"]}})
    assert cfg.levels("wasserstein")["warning"] == 0.2
    assert cfg.levels("psi", "a") == {"info": 0.1, "warning": 0.5, "error": 1.0}
    assert cfg.treat_as("a") == "categorical" and cfg.skipped("t")
    assert cfg.severity("wasserstein", 0.25) == "warning"
    # a contract-style file with a top-level drift: section is read the same way
    assert DriftConfig.from_options({"drift": {"drift": {"alpha": 0.05}}}).alpha == 0.05
    for bad in ({"wasserstain": 1}, {"alpha": 2}, {"psi": {"warning": 0.5, "error": 0.1}},
                {"columns": {"a": {"skip": True, "bogus": 1}}}, {"columns": {"a": {"as": "text"}}}):
        with pytest.raises(UsageError):
            DriftConfig.from_options({"drift": bad})


def test_rank_auc_is_the_roc_area_ties_counting_half():
    from sklearn.metrics import roc_auc_score

    from tripwire.drift_detection.stats import rank_auc

    rng = np.random.default_rng(1)
    for trial in range(100):
        n = int(rng.integers(5, 400))
        y = rng.integers(0, 2, n)
        if len(set(y)) < 2:
            continue
        scores = rng.integers(0, 9, n) / 7 if trial % 2 else rng.normal(size=n)  # heavy ties, then none
        assert abs(rank_auc(y, scores) - roc_auc_score(y, scores)) < 1e-12
    rows = rng.normal(size=(3, 50))  # several score rows at once: one AUC each
    y = np.arange(50) % 2
    assert np.allclose(rank_auc(y, rows), [roc_auc_score(y, r) for r in rows])
    assert np.isnan(rank_auc(np.ones(4), np.arange(4.0)))  # one class: no AUC
