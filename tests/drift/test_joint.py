"""drift.multivariate, drift.text, drift.label and drift.prediction on injected changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

import tripwire
from tripwire.profiling import profile


def _correlated(n, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(0, 1, n)
    return pd.DataFrame({"x": x, "y": y, "z": rng.normal(0, 1, n)})


def test_a_changed_relation_is_multivariate_drift_only():
    report = tripwire.drift(_correlated(4000, -0.9, 1), _correlated(4000, 0.9, 0))
    assert not [f for f in report.by_code("drift.feature") if f.severity != "info"]
    [mv] = report.by_code("drift.multivariate")
    assert mv.severity == "error" and set(mv.columns[:2]) == {"x", "y"}
    lo, hi = mv.evidence["auc_95ci"]
    assert 0.85 < lo <= mv.evidence["auc"] <= hi


def test_a_plainly_separable_batch_is_judged_on_the_first_fold_and_a_close_one_on_every_row():
    from tripwire.drift_detection.classifier import separability
    from tripwire.drift_detection.multivariate import _model

    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(0, 1, 3000), rng.normal(0, 1, 3000)])
    y = np.repeat([0, 1], 1500)
    x[y == 1, 0] += 3  # plainly separable: the first fold's interval lies above 0.85
    plain = separability(lambda: _model([False, False]), x, y, ["a", "b"], screen_above=0.85)
    full = separability(lambda: _model([False, False]), x, y, ["a", "b"])
    assert plain.scored_rows == 1000 and full.scored_rows == 3000
    assert 0.85 < plain.low <= plain.auc <= plain.high and plain.high - plain.low > full.high - full.low
    assert abs(plain.auc - full.auc) < 0.02 and next(iter(plain.importance)) == "a" == next(iter(full.importance))
    assert plain.evidence()["auc_scored_rows"] == 1000
    x[y == 1, 0] -= 2.5  # a close call (AUC ~0.64): every fold is fitted, every row scored
    close = separability(lambda: _model([False, False]), x, y, ["a", "b"], screen_above=0.85)
    assert close.scored_rows == 3000 and 0.55 < close.auc < 0.75


def test_feature_importance_rerunning_only_the_trees_that_split_on_a_feature_equals_predicting_whole_copies():
    import tripwire.drift_detection.classifier as classifier
    from tripwire.drift_detection.multivariate import _model

    rng = np.random.default_rng(2)
    n = 3000
    x = np.column_stack([rng.normal(0, 1, n), rng.normal(0, 1, n), rng.integers(0, 5, n).astype(float),
                         rng.normal(0, 1, n), rng.integers(0, 3, n).astype(float)])
    x[rng.random(n) < 0.05, 1] = np.nan  # missing values take their own branch
    y = np.repeat([0, 1], n // 2)
    x[y == 1, 0] += 0.8
    x[(y == 1) & (x[:, 2] == 4), 3] += 2  # a category and a number together separate the batches
    categorical = [False, False, True, False, True]  # the model's encoding puts categories first
    model = _model(categorical).fit(x[::2], y[::2])
    held = x[1::2]
    trees = classifier.tree_scorer(model, held)
    assert trees is not None, "scikit-learn's HistGradientBoosting internals changed: importance is predicted whole"
    order = np.random.default_rng(0).permutation(len(held))
    for j in range(x.shape[1]):
        moved = held.copy()
        moved[:, j] = held[order, j]
        assert np.array_equal(trees.shuffled(j, order), model.predict_proba(moved)[:, 1])
    names = ["a", "b", "c", "d", "e"]
    fast = classifier.separability(lambda: _model(categorical), x, y, names)
    scorer, classifier.tree_scorer = classifier.tree_scorer, lambda model, rows: None
    try:
        whole = classifier.separability(lambda: _model(categorical), x, y, names)
    finally:
        classifier.tree_scorer = scorer
    assert fast.importance == whole.importance and list(fast.importance)[:2] == ["a", "d"]


def test_multivariate_quiet_on_same_distribution_and_skipped_without_samples():
    report = tripwire.drift(_correlated(3000, 0.5, 1), _correlated(3000, 0.5, 0))
    assert not report.by_code("drift.multivariate")
    ref = profile(_correlated(500, 0.5, 0), sample_rows=0)
    cur = profile(_correlated(500, 0.5, 1), sample_rows=0)
    checks = {c.name: c for c in tripwire.drift(cur, ref).checks}
    assert checks["drift.multivariate"].status == "skipped"
    assert "sample" in checks["drift.multivariate"].reason


def _texts(words, n, seed):
    rng = np.random.default_rng(seed)
    base = ["the", "service", "was", "good", "and", "the", "staff", "were", "kind", "today"]
    return [" ".join(rng.choice(base + words, 12)) for _ in range(n)]


def test_text_vocabulary_change_is_found_with_tokens_and_examples():
    ref = pd.DataFrame({"review": _texts(["delivery", "parcel"], 600, 0)})
    cur = pd.DataFrame({"review": _texts(["refund", "broken"], 600, 1)})
    [f] = tripwire.drift(cur, ref).by_code("drift.text")
    assert f.severity == "error" and f.columns == ("review",)
    assert {"refund", "broken"} <= set(f.evidence["tokens_appeared"])
    assert {"delivery", "parcel"} <= set(f.evidence["tokens_vanished"])
    assert any("refund" in e or "broken" in e for e in f.evidence["examples_new"])


def test_text_quiet_on_same_source():
    ref = pd.DataFrame({"review": _texts(["delivery"], 600, 0)})
    cur = pd.DataFrame({"review": _texts(["delivery"], 600, 1)})
    assert not tripwire.drift(cur, ref).by_code("drift.text")


def test_label_and_prediction_composition_change():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"f": rng.normal(0, 1, 3000), "label": rng.choice([0, 1], 3000, p=[0.9, 0.1]),
                        "topic": rng.choice(["sport", "politics", "tech"], 3000, p=[0.5, 0.3, 0.2])})
    cur = pd.DataFrame({"f": rng.normal(0, 1, 3000), "label": rng.choice([0, 1], 3000, p=[0.6, 0.4]),
                        "topic": rng.choice(["sport", "politics", "tech"], 3000, p=[0.2, 0.6, 0.2])})
    report = tripwire.drift(cur, ref, label="label", prediction="topic")
    [lab] = report.by_code("drift.label")
    [pred] = report.by_code("drift.prediction")
    assert lab.severity in ("warning", "error") and lab.evidence["treatment"] == "categorical"
    assert "'politics'" in pred.title and pred.severity in ("warning", "error")
    assert not report.by_code("drift.feature")  # label and prediction are not features
    same = tripwire.drift(ref.sample(frac=0.5, random_state=1), ref, label="label", prediction="topic")
    assert not [f for f in same.findings if f.severity != "info"]
