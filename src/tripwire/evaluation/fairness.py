"""Fairness: per-group metrics and the gaps between groups, with bootstrap intervals.

Classification (binary): selection rate (demographic parity), true-positive rate (equal
opportunity) and false-positive rate; the equalised-odds gap is the larger of the TPR and FPR
gaps (as fairlearn defines it). A row is one of 4 × groups cells (group × truth × prediction),
so resamples are one multinomial draw. Regression: mean absolute error per group, resampled
by rows. Groups with fewer than `min_count` rows are left out, and their sizes are not shown.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_cells, resample_rows

GAPS = {"demographic_parity": "selection_rate", "equal_opportunity": "true_positive_rate"}


@dataclass(frozen=True)
class Fairness:
    """Per-group rows, gap rows, and how many small groups were left out."""

    rows: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    hidden_groups: int
    groups: list[Any]


def _rates(cells: np.ndarray) -> dict[str, np.ndarray]:
    """Return per-group rates from (..., G, 4) counts ordered (t0p0, t0p1, t1p0, t1p1)."""
    c = cells.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"selection_rate": (c[..., 1] + c[..., 3]) / c.sum(axis=-1),
                "true_positive_rate": c[..., 3] / (c[..., 2] + c[..., 3]),
                "false_positive_rate": c[..., 1] / (c[..., 0] + c[..., 1]),
                "accuracy": (c[..., 0] + c[..., 3]) / c.sum(axis=-1)}


def _spread(x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # an all-NaN resample (a group with no positives) gives NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(x, axis=-1) - np.nanmin(x, axis=-1)


def _groups(group: np.ndarray, min_count: int) -> tuple[list[Any], np.ndarray, np.ndarray, int]:
    """Return (shown groups, code per row (-1: left out), sizes of shown groups, number left out)."""
    values, codes, sizes = np.unique(group, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    shown = sizes >= min_count
    remap = np.full(values.size, -1)
    remap[shown] = np.arange(shown.sum())
    return ([v.item() if hasattr(v, "item") else v for v in values[shown]], remap[codes], sizes[shown],
            int((~shown).sum()))


def classification_fairness(group: np.ndarray, is_pos: np.ndarray, said_pos: np.ndarray, boot: Bootstrap,
                            min_count: int = 30) -> Fairness:
    """Return per-group rates and the parity, opportunity and odds gaps of a binary classifier."""
    names, code, sizes, hidden = _groups(group, min_count)
    keep = code >= 0
    g = len(names)
    cell = code[keep] * 4 + is_pos[keep].astype(int) * 2 + said_pos[keep].astype(int)
    counts = np.bincount(cell, minlength=4 * g)
    point = _rates(counts.reshape(g, 4))
    draws = _rates(resample_cells(counts, boot, 300).reshape(-1, g, 4))
    rows = [metric_row(m, point[m][i], boot.interval(draws[m][:, i]), int(sizes[i]), group=names[i])
            for i in range(g) for m in point]
    gaps = [metric_row(f"{gap}_gap", _spread(point[m]), boot.interval(_spread(draws[m])), int(sizes.sum()))
            for gap, m in GAPS.items()]
    odds = np.maximum(_spread(point["true_positive_rate"]), _spread(point["false_positive_rate"]))
    odds_d = np.maximum(_spread(draws["true_positive_rate"]), _spread(draws["false_positive_rate"]))
    gaps.append(metric_row("equalised_odds_gap", odds, boot.interval(odds_d), int(sizes.sum())))
    return Fairness(rows, gaps, hidden, names)


def regression_fairness(group: np.ndarray, abs_error: np.ndarray, boot: Bootstrap, min_count: int = 30) -> Fairness:
    """Return per-group mean absolute error and the gap between the best and worst group."""
    names, code, sizes, hidden = _groups(group, min_count)
    keep = code >= 0
    code, err = code[keep], abs_error[keep].astype(float)
    g = len(names)
    point = np.bincount(code, weights=err, minlength=g) / np.maximum(sizes, 1)

    def per_group(idx: np.ndarray) -> np.ndarray:
        b = idx.shape[0]
        flat = (np.arange(b)[:, None] * g + code[idx]).ravel()
        sums = np.bincount(flat, weights=err[idx].ravel(), minlength=b * g).reshape(b, g)
        cnt = np.bincount(flat, minlength=b * g).reshape(b, g)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / cnt

    draws = resample_rows(len(err), boot, per_group, 301).reshape(-1, g) if g else np.empty((0, 0))
    rows = [metric_row("mae", point[i], boot.interval(draws[:, i]), int(sizes[i]), group=names[i]) for i in range(g)]
    gaps = [metric_row("error_gap", _spread(point) if g else None,
                       boot.interval(_spread(draws)) if g else (None, None), int(sizes.sum()))]
    return Fairness(rows, gaps, hidden, names)
