"""Every metric against scikit-learn or the textbook formula; intervals seeded and sensible."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn import metrics as skm

from tripwire.evaluation import Bootstrap, classification_metrics, ranking_metrics, regression_metrics
from tripwire.evaluation.bootstrap import MAX_CELLS, resample_cells, score_cells

BOOT = Bootstrap(resamples=400, seed=3)


def _row(rows, metric, **kw):
    return next(r for r in rows if r["metric"] == metric and all(r.get(k) == v for k, v in kw.items()))


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(1)
    n = 3000
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.25, n), 0.001, 0.999)
    return y, (score > 0.5).astype(int), score


def test_label_metrics_match_sklearn(binary):
    y, pred, _ = binary
    rows, conf = classification_metrics(y, pred, BOOT)
    assert _row(rows, "accuracy")["value"] == pytest.approx(skm.accuracy_score(y, pred))
    assert _row(rows, "balanced_accuracy")["value"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert _row(rows, "macro_f1")["value"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    p, r, f, s = skm.precision_recall_fscore_support(y, pred)
    for cls in (0, 1):
        assert _row(rows, "precision", **{"class": cls})["value"] == pytest.approx(p[cls])
        assert _row(rows, "recall", **{"class": cls})["value"] == pytest.approx(r[cls])
        assert _row(rows, "f1", **{"class": cls})["value"] == pytest.approx(f[cls])
        assert _row(rows, "f1", **{"class": cls})["n"] == s[cls]
    assert conf["matrix"] == skm.confusion_matrix(y, pred).tolist()


def test_probability_metrics_match_sklearn(binary):
    y, pred, score = binary
    rows, _ = classification_metrics(y, pred, BOOT, proba=score, positive=1)
    assert _row(rows, "roc_auc")["value"] == pytest.approx(skm.roc_auc_score(y, score))
    assert _row(rows, "pr_auc")["value"] == pytest.approx(skm.average_precision_score(y, score))
    assert _row(rows, "log_loss")["value"] == pytest.approx(skm.log_loss(y, score))


def test_ties_in_scores_match_sklearn():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.random(500) * 0.5 + y * 0.3, 1)  # few distinct values: many ties
    rows, _ = classification_metrics(y, (score > 0.5).astype(int), BOOT, proba=score, positive=1)
    assert _row(rows, "roc_auc")["value"] == pytest.approx(skm.roc_auc_score(y, score))
    assert _row(rows, "pr_auc")["value"] == pytest.approx(skm.average_precision_score(y, score))


def test_multiclass_matches_sklearn():
    rng = np.random.default_rng(4)
    n, labels = 2000, np.array(["a", "b", "c"])
    y = labels[rng.integers(0, 3, n)]
    logits = rng.normal(0, 1, (n, 3)) + 1.5 * (y[:, None] == labels[None, :])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = labels[proba.argmax(axis=1)]
    rows, _ = classification_metrics(y, pred, BOOT, proba=proba, proba_classes=list(labels))
    assert _row(rows, "accuracy")["value"] == pytest.approx(skm.accuracy_score(y, pred))
    assert _row(rows, "roc_auc_macro")["value"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr"))
    assert _row(rows, "log_loss")["value"] == pytest.approx(skm.log_loss(y, proba, labels=labels))
    for j, cls in enumerate(labels):
        assert _row(rows, "pr_auc", **{"class": cls})["value"] == pytest.approx(
            skm.average_precision_score(y == cls, proba[:, j]))


def test_intervals_are_seeded_and_cover_the_value(binary):
    y, pred, score = binary
    a, _ = classification_metrics(y, pred, BOOT, proba=score, positive=1)
    b, _ = classification_metrics(y, pred, BOOT, proba=score, positive=1)
    assert a == b
    for r in a:
        if r["ci_low"] is not None:
            assert r["ci_low"] <= r["value"] <= r["ci_high"], r
    acc = _row(a, "accuracy")
    se = np.sqrt(acc["value"] * (1 - acc["value"]) / len(y))  # textbook binomial standard error
    assert acc["ci_high"] - acc["ci_low"] == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_cell_resampling_is_a_row_bootstrap():
    counts = np.array([30, 50, 20])
    draws = resample_cells(counts, Bootstrap(resamples=5000, seed=1))
    assert (draws.sum(axis=1) == 100).all()
    assert draws.mean(axis=0) == pytest.approx(counts, rel=0.02)
    assert draws[:, 0].var() == pytest.approx(100 * 0.3 * 0.7, rel=0.1)  # multinomial variance


def test_many_distinct_scores_are_binned_in_order():
    scores = np.random.default_rng(0).random(MAX_CELLS * 3)
    cell, reps = score_cells(scores)
    assert cell.max() < MAX_CELLS and np.all(np.diff(reps) > 0)
    order = np.argsort(scores)
    assert np.all(np.diff(cell[order]) >= 0)


def test_regression_matches_sklearn():
    rng = np.random.default_rng(5)
    y = rng.normal(100, 20, 4000)
    y[:10] = 0.0  # MAPE and bands skip a zero truth
    pred = y + rng.normal(0, 8, 4000)
    rows = regression_metrics(y, pred, BOOT)
    assert _row(rows, "mae")["value"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert _row(rows, "rmse")["value"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert _row(rows, "r2")["value"] == pytest.approx(skm.r2_score(y, pred))
    nz = y != 0
    assert _row(rows, "mape")["value"] == pytest.approx(skm.mean_absolute_percentage_error(y[nz], pred[nz]))
    assert _row(rows, "mape")["n"] == 3990
    within5 = np.mean(np.abs(pred[nz] - y[nz]) <= 0.05 * np.abs(y[nz]))
    assert _row(rows, "within_5pct")["value"] == pytest.approx(within5)
    mae = _row(rows, "mae")
    assert mae["ci_low"] < mae["value"] < mae["ci_high"]
    assert regression_metrics(y, pred, BOOT) == rows


def _textbook_ranking(df: pl.DataFrame, k: int) -> dict[str, float]:
    out: dict[str, list[float]] = {m: [] for m in ("p", "r", "ndcg", "ap", "hit")}
    for _, g in df.group_by("u", maintain_order=True):
        g = g.sort(["s", "i"], descending=[True, False])
        rel = g["rel"].to_numpy()
        if rel.sum() == 0:
            continue
        top = rel[:k]
        out["p"].append(top.sum() / k)
        out["r"].append(top.sum() / rel.sum())
        out["hit"].append(float(top.sum() > 0))
        prec = np.cumsum(top) / np.arange(1, len(top) + 1)
        out["ap"].append((prec * top).sum() / min(rel.sum(), k))
        ideal = np.sort(rel)[::-1][:k]
        disc = 1 / np.log2(np.arange(2, k + 2))
        out["ndcg"].append((top * disc[: len(top)]).sum() / (ideal * disc[: len(ideal)]).sum())
    return {m: float(np.mean(v)) for m, v in out.items()}


def test_ranking_matches_the_textbook_and_sklearn_ndcg():
    rng = np.random.default_rng(6)
    users, items = 60, 40
    u = np.repeat(np.arange(users), items)
    i = np.tile(np.arange(items), users)
    rel = (rng.random(users * items) < 0.1 + 0.01 * (i % 10)).astype(int)
    s = rng.random(users * items) + 0.5 * rel
    df = pl.DataFrame({"u": u, "i": i, "s": s, "rel": rel})
    rows = ranking_metrics(df, "u", "i", "s", "rel", 5, BOOT)
    book = _textbook_ranking(df, 5)
    for metric, key in (("precision_at_k", "p"), ("recall_at_k", "r"), ("ndcg_at_k", "ndcg"),
                        ("map_at_k", "ap"), ("hit_rate_at_k", "hit")):
        assert _row(rows, metric)["value"] == pytest.approx(book[key]), metric
    has_rel = [g for _, g in df.group_by("u", maintain_order=True) if g["rel"].sum() > 0]
    sk = np.mean([skm.ndcg_score(g["rel"].to_numpy()[None], g["s"].to_numpy()[None], k=5) for g in has_rel])
    assert _row(rows, "ndcg_at_k")["value"] == pytest.approx(sk)
    top = df.sort(["u", "s"], descending=[False, True]).group_by("u", maintain_order=True).head(5)
    assert _row(rows, "catalogue_coverage")["value"] == pytest.approx(top["i"].n_unique() / items)
    pop = df.group_by("i").agg((pl.col("rel").sum() / users).alias("pop"))
    shown = top.join(pop, on="i")
    assert _row(rows, "popularity_bias")["value"] == pytest.approx(shown["pop"].mean() / pop["pop"].mean())
    assert _row(rows, "novelty")["value"] == pytest.approx(
        float((-np.log2(shown.filter(pl.col("pop") > 0)["pop"].to_numpy())).mean()))


@pytest.mark.parametrize("given", ["1.5", "inf"])
def test_positive_that_is_no_whole_number_is_no_class_of_whole_labels(given):
    # int(1.5) silently made class 1 the positive one, and int(inf) raised an OverflowError
    from tripwire.errors import UsageError
    from tripwire.evaluation.classification import positive_class

    with pytest.raises(UsageError, match="is not a class of 'y'"):
        positive_class(given, np.array([0, 1]), "y")
    assert positive_class("1", np.array([0, 1]), "y") == 1
