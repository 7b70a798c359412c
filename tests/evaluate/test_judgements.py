"""Baselines, weak slices, fairness and calibration: right figures, fire on an injected issue, quiet otherwise."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.calibration import calibration_curve

from tests import realdata
from tripwire.evaluation import Bootstrap
from tripwire.evaluation.baselines import compare, fit_baselines, paired_gain
from tripwire.evaluation.calibration import calibration
from tripwire.evaluation.fairness import classification_fairness, regression_fairness
from tripwire.evaluation.findings import calibration_finding, fairness_findings, slice_findings
from tripwire.evaluation.slices import benjamini_hochberg, weak_slices

BOOT = Bootstrap(resamples=500, seed=7)


# baselines -----------------------------------------------------------------------------------

def test_paired_gain_is_the_accuracy_difference_with_a_paired_interval():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    model = np.where(rng.random(2000) < 0.85, y, 1 - y)
    base = np.where(rng.random(2000) < 0.80, y, 1 - y)
    metric, gain, (low, high) = paired_gain("classification", y, model, base, BOOT, 0)
    assert metric == "accuracy"
    assert gain == pytest.approx((model == y).mean() - (base == y).mean())
    # textbook standard error of a paired difference of proportions
    d = (model == y).astype(float) - (base == y).astype(float)
    se = d.std() / np.sqrt(len(d))
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_below_baseline_fires_when_the_baseline_is_as_good_and_errors_when_better():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 3000)
    model = np.where(rng.random(3000) < 0.7, y, 1 - y)
    rows, findings = compare("classification", y, model,
                             {"same": model.copy(),
                              "better": np.where(rng.random(3000) < 0.9, y, 1 - y),
                              "worse": np.where(rng.random(3000) < 0.5, y, 1 - y)}, "pred", BOOT)
    by = {f.evidence["baseline"]: f for f in findings}
    assert set(by) == {"same", "better"}
    assert by["better"].severity == "error" and by["same"].severity == "warning"
    assert by["better"].code == "model.below_baseline" and "worse than the better baseline" in by["better"].title
    assert [r["baseline"] for r in rows] == ["better", "same", "worse"]


def test_regression_gain_is_the_mae_difference():
    rng = np.random.default_rng(2)
    y = rng.normal(0, 1, 1000)
    model, base = y + rng.normal(0, 0.5, 1000), np.zeros(1000)
    metric, gain, (low, _) = paired_gain("regression", y, model, base, BOOT, 0)
    assert metric == "mae"
    assert gain == pytest.approx(np.abs(y).mean() - np.abs(model - y).mean())
    assert low > 0


def test_fit_baselines_on_a_real_training_table():
    df = pl.from_pandas(realdata.penguins()).drop_nulls()
    train, test = df[::2], df[1::2]
    base = fit_baselines(train, test, "species", "classification")
    top = train["species"].value_counts().sort("count", descending=True)["species"][0]
    assert (base["majority"] == top).all()
    assert (base["linear"] == test["species"].to_numpy()).mean() > 0.9  # a linear model separates penguins
    reg = fit_baselines(train.drop("species"), test, "body_mass_g", "regression")
    assert reg["mean"][0] == pytest.approx(train["body_mass_g"].mean())


# weak slices ---------------------------------------------------------------------------------

def _flights(n: int = 60_000) -> pl.DataFrame:
    return (pl.from_pandas(realdata.flights()).select("carrier", "origin", "distance", "dep_time", "month")
            .sample(n, seed=0))


def test_weak_slice_found_where_errors_were_injected():
    df = _flights()
    rng = np.random.default_rng(3)
    edge = np.quantile(df["distance"].to_numpy(), 0.2)  # a bin edge: the slice is expressible exactly
    bad = ((df["carrier"] == "EV") & (df["distance"] < edge)).to_numpy()
    err = (rng.random(df.height) < np.where(bad, 0.30, 0.10)).astype(float)
    found, overall = weak_slices(df, err, "error rate", proportion=True)
    top = found[0]
    assert set(top.columns) == {"carrier", "distance"}
    assert "carrier = 'EV'" in top.where and "distance <" in top.where
    mask = (df["carrier"] == "EV").to_numpy() & (df["distance"] < float(top.where.split("distance < ")[1].split(" ")[0]
                                                                     .replace(",", ""))).to_numpy()
    assert top.rows == mask.sum()
    assert top.value == pytest.approx(err[mask].mean())
    assert list(top.first_rows) == list(np.flatnonzero(mask)[:100])
    assert top.ci[0] < top.value < top.ci[1]
    f = slice_findings(found, overall, "error rate", True, df.height, "pred")[0]
    assert f.code == "model.weak_slice" and f.evidence["count"] == top.rows
    assert f.title == (f"error rate {round(top.value * 100)}% [{round(top.ci[0] * 100)}, {round(top.ci[1] * 100)}] "
                       f"where {top.where}, vs {round(overall * 100)}% overall ({top.rows:,} rows)")
    assert not any(s.columns == ("carrier",) and s.where == "carrier = 'EV'" for s in found)  # the pair explains it


def test_no_weak_slice_when_errors_are_random_on_real_data():
    df = _flights()
    for seed in range(3):
        err = (np.random.default_rng(seed).random(df.height) < 0.15).astype(float)
        found, _ = weak_slices(df, err, "error rate", proportion=True)
        assert found == [], [s.where for s in found]
        abs_err = np.abs(np.random.default_rng(seed).normal(0, 1, df.height))
        assert weak_slices(df, abs_err, "mean absolute error", proportion=False)[0] == []


def test_benjamini_hochberg_matches_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    p = np.random.default_rng(4).random(200) ** 3
    assert (benjamini_hochberg(p, 0.05) == multipletests(p, 0.05, method="fdr_bh")[0]).all()


# fairness -----------------------------------------------------------------------------------

def test_fairness_gaps_match_fairlearn():
    fm = pytest.importorskip("fairlearn.metrics")
    rng = np.random.default_rng(5)
    n = 4000
    group = rng.choice(["a", "b", "c"], n)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < np.where(group == "a", 0.9, 0.7), y, 1 - y)
    fair = classification_fairness(group, y == 1, pred == 1, BOOT)
    gaps = {g["metric"]: g["value"] for g in fair.gaps}
    assert gaps["demographic_parity_gap"] == pytest.approx(
        fm.demographic_parity_difference(y, pred, sensitive_features=group))
    assert gaps["equalised_odds_gap"] == pytest.approx(fm.equalized_odds_difference(y, pred, sensitive_features=group))
    tpr = fm.MetricFrame(metrics=fm.true_positive_rate, y_true=y, y_pred=pred, sensitive_features=group)
    assert gaps["equal_opportunity_gap"] == pytest.approx(tpr.difference())
    for r in fair.rows:
        if r["metric"] == "true_positive_rate":
            assert r["value"] == pytest.approx(tpr.by_group[r["group"]])
    found = fairness_findings(fair, "group", "pred", 0.05, "points")
    assert {f.evidence["gap"] for f in found} >= {"equal_opportunity_gap", "equalised_odds_gap"}
    assert all(f.code == "model.fairness_gap" for f in found)


def test_fairness_quiet_when_predictions_ignore_the_group_and_small_groups_hidden():
    rng = np.random.default_rng(6)
    n = 4000
    group = np.where(rng.random(n) < 0.004, "tiny", rng.choice(["a", "b"], n))
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.8, y, 1 - y)
    fair = classification_fairness(group, y == 1, pred == 1, BOOT, min_count=30)
    assert fair.groups == ["a", "b"] and fair.hidden_groups == 1
    assert "tiny" not in {r["group"] for r in fair.rows}
    assert fairness_findings(fair, "group", "pred", 0.05, "points") == []


def test_regression_error_gap():
    rng = np.random.default_rng(7)
    group = rng.choice(["a", "b"], 2000)
    err = np.abs(rng.normal(0, np.where(group == "a", 1.0, 2.0)))
    fair = regression_fairness(group, err, BOOT)
    mae = {r["group"]: r["value"] for r in fair.rows}
    assert mae["a"] == pytest.approx(err[group == "a"].mean())
    assert fair.gaps[0]["value"] == pytest.approx(abs(mae["a"] - mae["b"]))
    assert fair.gaps[0]["ci_low"] > 0.5


# calibration --------------------------------------------------------------------------------

def test_reliability_curve_matches_sklearn_and_ece_the_textbook():
    rng = np.random.default_rng(8)
    p = rng.random(5000)
    y = rng.random(5000) < p**2  # overconfident
    curve, rows = calibration(y, p, BOOT)
    true, pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    assert [b["observed_rate"] for b in curve["bins"]] == pytest.approx(list(true))
    assert [b["mean_predicted"] for b in curve["bins"]] == pytest.approx(list(pred))
    sizes = np.array([b["rows"] for b in curve["bins"]])
    assert rows[0]["value"] == pytest.approx((np.abs(true - pred) * sizes).sum() / sizes.sum())
    found = calibration_finding(rows[0], curve, "p")
    assert found and found[0].code == "model.calibration"


def test_calibrated_probabilities_raise_nothing():
    rng = np.random.default_rng(9)
    p = rng.random(5000)
    y = rng.random(5000) < p
    curve, rows = calibration(y, p, BOOT)
    assert rows[0]["value"] < 0.05 and calibration_finding(rows[0], curve, "p") == []
