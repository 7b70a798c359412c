"""Does the model beat a baseline? Paired differences on the same rows, with bootstrap intervals.

Classification compares accuracy: a row is one of four cells (model right or wrong × baseline
right or wrong), so the paired difference resamples exactly from one multinomial. Regression
compares the mean absolute error through row resamples of the per-row difference.
Baselines come from the user's own prediction columns, or are fit on a training table
(`fit_baselines`): the majority class or the mean, and a simple linear model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_cells, resample_rows
from tripwire.report import Finding
from tripwire.report.codes import code_info


def paired_gain(task: str, y: np.ndarray, model: np.ndarray, baseline: np.ndarray,
                boot: Bootstrap, stream: int) -> tuple[str, float, tuple[float | None, float | None]]:
    """Return (metric, model's gain over the baseline, its interval); positive means the model is better."""
    if task == "classification":
        right_m, right_b = (model == y), (baseline == y)
        counts = np.bincount(right_m.astype(int) * 2 + right_b.astype(int), minlength=4)
        draws = resample_cells(counts, boot, stream)
        n = max(len(y), 1)
        gain = (counts[2] - counts[1]) / n  # model right & baseline wrong, minus the reverse
        return "accuracy", float(gain), boot.interval((draws[:, 2] - draws[:, 1]) / n)
    d = np.abs(baseline.astype(float) - y) - np.abs(model.astype(float) - y)
    draws = resample_rows(len(d), boot, lambda idx: d[idx].mean(axis=1), stream)
    return "mae", float(d.mean()), boot.interval(draws)


def compare(task: str, y: np.ndarray, model: np.ndarray, baselines: dict[str, np.ndarray], prediction: str,
            boot: Bootstrap) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Return metrics rows of the gain over each baseline and a finding for each one not beaten."""
    rows, findings = [], []
    for j, (name, base) in enumerate(sorted(baselines.items())):
        metric, gain, (low, high) = paired_gain(task, y, model, base, boot, 100 + j)
        rows.append(metric_row(f"{metric}_gain_over_baseline", gain, (low, high), len(y), baseline=name))
        if low is not None and low > 0:
            continue
        worse = high is not None and high < 0
        what = "accuracy" if metric == "accuracy" else "mean absolute error"
        sign = "points of accuracy" if metric == "accuracy" else "lower MAE"
        scale = 100 if metric == "accuracy" else 1
        ci = "" if low is None else f" [{low * scale:.3g}, {high * scale:.3g}]"
        title = (f"{prediction}: {'worse than' if worse else 'does not beat'} the {name} baseline "
                 f"({gain * scale:+.3g} {sign}{ci}, {boot.level:.0%} interval of the paired difference)")
        findings.append(Finding("model.below_baseline", "error" if worse else "warning", (prediction,), title,
                                {"baseline": name, "metric": what, "gain": gain, "ci_low": low, "ci_high": high,
                                 "rows": len(y)}, fix=code_info("model.below_baseline").fix, detector="evaluate"))
    return rows, findings


def fit_baselines(train: pl.DataFrame, data: pl.DataFrame, label: str, task: str) -> dict[str, np.ndarray]:
    """Fit the majority-class (or mean) baseline and a linear model on `train`; predict `data`'s rows.

    The linear model uses the features both tables share: numbers (missing values get the
    training median) and text columns of at most 20 values (one-hot).
    """
    from tripwire.extras import require

    if label not in train.columns:
        raise UsageError(f"--train has no column {label!r} (the label); columns: {', '.join(train.columns[:20])}")
    y = train[label].drop_nulls()
    if y.len() == 0:
        raise UsageError(f"--train: the label {label!r} is empty")
    out: dict[str, np.ndarray] = {}
    if task == "classification":
        counts = y.value_counts(sort=True)
        top = counts.sort(["count", label], descending=[True, False])[label][0]
        out["majority"] = np.full(data.height, top, dtype=object if isinstance(top, str) else None)
    else:
        out["mean"] = np.full(data.height, float(y.cast(pl.Float64).mean()))  # type: ignore[arg-type]
    x_train, x_data = _design(train, data, label)
    if x_train.shape[1]:
        linear = require("sklearn.linear_model", "the linear baseline of --train")
        keep = train[label].is_not_null().to_numpy()
        model = (linear.LogisticRegression(max_iter=500) if task == "classification" else linear.Ridge(alpha=1.0))
        model.fit(x_train[keep], train[label].to_numpy()[keep])
        out["linear"] = model.predict(x_data)
    return out


def _design(train: pl.DataFrame, data: pl.DataFrame, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Return standardised feature matrices of the training rows and the evaluated rows."""
    parts_t, parts_d = [], []
    for col in train.columns:
        if col == label or col not in data.columns:
            continue
        t, d = train[col], data[col]
        if t.dtype.is_numeric() or t.dtype == pl.Boolean:
            t, d = t.cast(pl.Float64), d.cast(pl.Float64, strict=False)
            fill = t.median() if t.null_count() < t.len() else 0.0
            tv, dv = t.fill_nan(None).fill_null(fill).to_numpy(), d.fill_nan(None).fill_null(fill).to_numpy()
            sd = tv.std() or 1.0
            parts_t.append(((tv - tv.mean()) / sd)[:, None])
            parts_d.append(((dv - tv.mean()) / sd)[:, None])
        elif t.dtype in (pl.String, pl.Categorical) and 1 < t.n_unique() <= 20:
            values = t.cast(pl.String).drop_nulls().unique().sort().to_list()
            parts_t.append(np.stack([(t.cast(pl.String) == v).fill_null(False).to_numpy() for v in values], 1))
            parts_d.append(np.stack([(d.cast(pl.String) == v).fill_null(False).to_numpy() for v in values], 1))
    if not parts_t:
        return np.empty((train.height, 0)), np.empty((data.height, 0))
    return np.hstack(parts_t).astype(float), np.hstack(parts_d).astype(float)
