"""Benchmark: feature ablation of 20 columns x 5 folds on 100k rows, in 2 worker processes vs 1.

Each of the 21 variants (all features, then each column dropped) is trained on the same 5
folds: 105 fits of a scikit-learn logistic regression. The baseline in the same run is the
same ablation in one process (workers=1); the cache is off for both so every fit runs.

    PYTHONPATH=src python bench/explain_bench.py [--rows 100000] [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

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


def main() -> None:
    from bench.common import record

    from tripwire.run import explain

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
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
