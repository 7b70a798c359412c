"""Benchmark: feature ablation of 20 columns x 5 folds on 100k rows, in 2 worker processes vs 1;
with --auc, the one-vs-rest AUC on bootstrap resamples against ranking every resample.

Each of the 21 variants (all features, then each column dropped) is trained on the same 5
folds: 105 fits of a scikit-learn logistic regression. The baseline in the same run is the
same ablation in one process (workers=1); the cache is off for both so every fit runs.

--auc: the metric alone (6 classes, 200 resamples, 5k rows), then permutation importance of
a 6-class model over 8 features (its intervals are that metric on 200 resamples per feature);
the same for two classes (class 0 against the rest, one score column).
The baseline in the same run, interleaved, is the former per-resample ranking (`_ranked`).

    PYTHONPATH=src python bench/explain_bench.py [--rows 100000] [--record]
    PYTHONPATH=src python bench/explain_bench.py --auc [--rows 5000] [--record]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

import numpy as np
import pandas as pd
import polars as pl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def fit(train_rows: pd.DataFrame) -> object:
    """Fit a logistic regression on every column but `y`."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=200)
    model.fit(train_rows.drop(columns=["y"]).to_numpy(), train_rows["y"].to_numpy())
    return _Predict(model)


class _Predict:
    def __init__(self, model: object) -> None:
        self.model = model
        self.classes_ = model.classes_

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(rows.to_numpy())


def table(rows: int, columns: int = 20, seed: int = 0) -> pd.DataFrame:
    """Return `columns` features, the first ten carrying signal in decreasing strength, and a binary y."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, columns))
    weights = np.where(np.arange(columns) < 10, 1.0 / (1 + np.arange(columns)), 0.0)
    y = (x @ weights + rng.normal(scale=1.0, size=rows) > 0).astype(int)
    out = pd.DataFrame(x, columns=[f"x{i:02d}" for i in range(columns)])
    out["y"] = y
    return out


def _ranked(y: np.ndarray, p: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The former per-class AUCs on resamples: every class's scores ranked on every resample (the baseline)."""
    from tripwire.drift_detection.stats import rank_auc

    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([rank_auc(y[rows] == c, p[:, c][rows]) for c in range(p.shape[-1])])


def auc_bench(rows: int, record_it: bool) -> None:
    """Time the resampled one-vs-rest AUC and a permutation importance using it, new vs the baseline."""
    from bench.common import best_of, record

    from tripwire.drift_detection.stats import rank_auc
    from tripwire.evaluation.bootstrap import Bootstrap
    from tripwire.explaining import metrics
    from tripwire.explaining.permutation import permutation_importance
    from tripwire.explaining.predict import explain_call

    rng = np.random.default_rng(0)
    k, b, features = 6, 200, 8
    x = rng.normal(size=(rows, features))
    logits = x[:, :k] * np.linspace(2, 0.2, k)
    y = (logits + rng.gumbel(size=(rows, k))).argmax(axis=1)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    idx = rng.integers(0, rows, (b, rows))
    metric = metrics.ALL_CLASSES["auc"]
    fast = metrics._auc_per_class_resampled
    table_ = pl.DataFrame(x, schema=[f"x{i}" for i in range(features)])
    weights = np.linspace(2, 0.2, k)

    def predict(frame: pd.DataFrame) -> np.ndarray:
        z = frame.to_numpy()[:, :k] * weights
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

    call = explain_call(predict, classes=tuple(range(k)))
    blocks = {c: [c] for c in table_.columns}
    boot = Bootstrap(resamples=b, seed=0)
    load = os.getloadavg()[0]
    # two classes: class 0 against the rest, its score column; the baseline gathers and ranks every resample
    binary, score = (y == 0).astype(float), proba[:, 0]
    auc = metrics.METRICS["auc"]
    ranked_auc = dataclasses.replace(auc, compute=rank_auc, resamples_rows=False)
    call_binary = explain_call(lambda frame: predict(frame)[:, 0])
    timings: dict[str, list[float]] = {}
    results = {}
    for _ in range(3):  # interleaved: the machine's load falls on both alike
        for name, impl, two in (("new", fast, auc), ("baseline", _ranked, ranked_auc)):
            metrics._auc_per_class_resampled = impl
            timings.setdefault(name, []).append(best_of(lambda: metric(y, proba, idx), 1))
            results[name] = metric(y, proba, idx)
            start = time.perf_counter()
            results["perm " + name] = permutation_importance(call, table_, y, metric, blocks, repeats=2, boot=boot)
            timings.setdefault("perm " + name, []).append(time.perf_counter() - start)
            timings.setdefault("binary " + name, []).append(best_of(lambda m=two: m(binary, score, idx), 1))
            results["binary " + name] = two(binary, score, idx)
            start = time.perf_counter()
            results["perm binary " + name] = permutation_importance(call_binary, table_, binary, two, blocks,
                                                                    repeats=2, boot=boot)
            timings.setdefault("perm binary " + name, []).append(time.perf_counter() - start)
    metrics._auc_per_class_resampled = fast
    diff = max(float(np.nanmax(np.abs(results[w + "new"] - results[w + "baseline"]))) for w in ("", "binary "))
    same_perm = all(results[f"perm {w}new"] == results[f"perm {w}baseline"] for w in ("", "binary "))
    t = {name: min(v) for name, v in timings.items()}
    lines = [
        f"One-vs-rest AUC on {b} bootstrap resamples of {rows:,} rows × {k} classes; then permutation importance "
        f"of a {k}-class model over {features} features (2 shuffles each, {b} paired resamples per feature). "
        f"Best of 3, interleaved with the baseline in the same process; load average {load:.1f} on 2 cores "
        "(shared by 3 engineers).",
        "",
        "| what | new s | baseline s (rank every resample) | ratio |",
        "|---|---:|---:|---:|",
        f"| resampled one-vs-rest AUC | {t['new']:.3f} | {t['baseline']:.3f} | {t['baseline'] / t['new']:.1f}× |",
        f"| permutation importance, 8 features | {t['perm new']:.2f} | {t['perm baseline']:.2f} | "
        f"{t['perm baseline'] / t['perm new']:.1f}× |",
        f"| resampled AUC, two classes (class 0 vs rest) | {t['binary new']:.3f} | {t['binary baseline']:.3f} | "
        f"{t['binary baseline'] / t['binary new']:.1f}× |",
        f"| permutation importance, two classes | {t['perm binary new']:.2f} | {t['perm binary baseline']:.2f} | "
        f"{t['perm binary baseline'] / t['perm binary new']:.1f}× |",
        "",
        f"Largest difference of the AUCs from the baseline: {diff:.1e}; permutation importances identical: "
        f"{same_perm}.",
    ]
    print("\n".join(lines))
    if record_it:
        record(f"explain: resampled one-vs-rest AUC, {rows:,} rows × {k} classes", lines)


def main() -> None:
    from bench.common import record

    from tripwire.run import explain

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--auc", action="store_true", help="time the resampled one-vs-rest AUC instead")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    if args.auc:
        auc_bench(args.rows or 5_000, args.record)
        return
    args.rows = args.rows or 100_000
    data = table(args.rows)
    load = os.getloadavg()[0]
    timings = {}
    reports = {}
    for workers in (2, 1):
        start = time.perf_counter()
        reports[workers] = explain(None, data, label="y", metric="auc", fit=fit, folds=args.folds, workers=workers,
                                   cache=None)
        timings[workers] = time.perf_counter() - start
    same = reports[1].metrics == reports[2].metrics
    top = [r for r in reports[2].metrics if r["metric"] == "ablation_cost"][:3]
    lines = [
        f"{args.rows:,} rows × 20 columns, {args.folds} folds, 21 variants (all + each column dropped) = "
        f"{21 * args.folds} logistic-regression fits; cache off; load average {load:.1f} on 2 cores "
        f"(shared by 8 engineers).",
        "",
        "| workers | seconds | ratio to 1 worker |",
        "|---:|---:|---:|",
        f"| 2 | {timings[2]:.1f} | {timings[2] / timings[1]:.2f} |",
        f"| 1 (baseline) | {timings[1]:.1f} | 1.00 |",
        "",
        f"Same numbers with 1 and 2 workers: {same}. Top of the ranking: " + "; ".join(
            f"{r['feature']} {r['value'] * 100:.2f} points of AUC [{r['ci_low'] * 100:.2f}, {r['ci_high'] * 100:.2f}]"
            for r in top) + ".",
    ]
    print("\n".join(lines))
    if args.record:
        record(f"explain: ablation of 20 columns × {args.folds} folds on {args.rows:,} rows", lines)


if __name__ == "__main__":
    main()
