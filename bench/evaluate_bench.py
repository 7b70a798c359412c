"""Benchmark evaluate: 1M predictions × 1,000 resamples of every classification metric (≤ 5 s),
and the weak-slice search over 20 features of 1M rows (≤ 10 s).

Run: PYTHONPATH=src python bench/evaluate_bench.py   (figures go to bench/RESULTS.md by hand)
The baseline in the same run is scikit-learn computing each metric once, without intervals.
"""

from __future__ import annotations

import platform
import time

import numpy as np
import polars as pl


def _time(fn, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def classification(n: int = 1_000_000) -> None:
    from sklearn import metrics as skm

    from tripwire.evaluation import Bootstrap, classification_metrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.25, n), 1e-4, 1 - 1e-4)
    pred = (score > 0.5).astype(int)
    boot = Bootstrap(resamples=1000)
    ours = _time(lambda: classification_metrics(y, pred, boot, proba=score, positive=1))

    def sklearn_once() -> None:
        skm.accuracy_score(y, pred), skm.balanced_accuracy_score(y, pred)
        skm.precision_recall_fscore_support(y, pred), skm.roc_auc_score(y, score)
        skm.average_precision_score(y, score), skm.log_loss(y, score), skm.confusion_matrix(y, pred)

    base = _time(sklearn_once)
    print(f"classification: {n:,} rows × 1,000 resamples, every metric: {ours:.2f} s "
          f"(scikit-learn, each metric once, no interval: {base:.2f} s; ratio {ours / base:.1f}×)")


def slices(n: int = 1_000_000, features: int = 20) -> None:
    try:
        from tripwire.evaluation.slices import weak_slices
    except ImportError:
        return
    rng = np.random.default_rng(0)
    cols = {f"x{j}": rng.normal(0, 1, n) for j in range(features // 2)}
    cols |= {f"c{j}": rng.choice(list("abcdefgh"), n) for j in range(features - features // 2)}
    df = pl.DataFrame(cols)
    err = (rng.random(n) < 0.1 + 0.2 * ((df["c0"] == "a") & (df["x0"] < -0.5)).to_numpy()).astype(float)
    took = _time(lambda: weak_slices(df, err, "error rate", proportion=True), repeat=1)
    print(f"slices: {features} features × {n:,} rows (singles and pairs): {took:.2f} s")


if __name__ == "__main__":
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    classification()
    slices()
