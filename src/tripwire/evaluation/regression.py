"""Regression metrics with bootstrap intervals, and the error-band distribution.

Resamples are rows drawn with replacement (blocks of index matrices, see bootstrap.py).
MAPE and the error bands are relative to the truth, so they are computed on the rows whose
truth is not zero, and their `n` says how many that was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_rows

#: the relative error bands reported: share of predictions within ±band of the truth
BANDS = (0.01, 0.05, 0.10, 0.20)


def error_stats(y: np.ndarray, e: np.ndarray) -> dict[str, np.ndarray]:
    """Return MAE, RMSE and R² of rows of (y, error) matrices (resamples along axis 0)."""
    mae = np.abs(e).mean(axis=-1)
    mse = (e * e).mean(axis=-1)
    var = y.var(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(var > 0, 1 - mse / var, np.nan)
    return {"mae": mae, "rmse": np.sqrt(mse), "r2": r2}


def _relative(y: np.ndarray, e: np.ndarray) -> dict[str, np.ndarray]:
    rel = np.abs(e) / np.abs(y)
    out = {"mape": rel.mean(axis=-1)}
    for band in BANDS:
        out[f"within_{round(band * 100)}pct"] = (rel <= band + 1e-12).mean(axis=-1)
    return out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, boot: Bootstrap) -> list[dict[str, Any]]:
    """Return the metrics table rows: MAE, RMSE, R², MAPE and the share within each error band."""
    y = y_true.astype(float)
    e = y_pred.astype(float) - y
    n = len(y)
    point = error_stats(y, e)
    draws = resample_rows(n, boot, lambda idx: np.stack(list(error_stats(y[idx], e[idx]).values()), axis=-1), 0)
    draws = draws.reshape(-1, 3) if n else np.full((boot.resamples, 3), np.nan)
    rows = [metric_row(m, point[m], boot.interval(draws[:, j]), n) for j, m in enumerate(point)]
    nonzero = y != 0
    m = int(nonzero.sum())
    if m:
        yz, ez = y[nonzero], e[nonzero]
        rel_point = _relative(yz, ez)
        rel_draws = resample_rows(m, boot, lambda idx: np.stack(list(_relative(yz[idx], ez[idx]).values()),
                                                                axis=-1), 1).reshape(-1, len(rel_point))
        rows += [metric_row(name, rel_point[name], boot.interval(rel_draws[:, j]), m)
                 for j, name in enumerate(rel_point)]
    return rows


def band_share(rows: list[dict[str, Any]], band: float) -> dict[str, Any] | None:
    """Return the metrics row of one error band (e.g. 0.05), if it was computed."""
    name = f"within_{round(band * 100)}pct"
    return next((r for r in rows if r["metric"] == name), None)
