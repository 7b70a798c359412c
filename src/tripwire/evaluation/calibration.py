"""Calibration of a binary classifier's probabilities: the reliability curve and the ECE.

Ten equal-width bins of the predicted probability (as scikit-learn's `calibration_curve`
with strategy="uniform"). The expected calibration error is the row-weighted mean gap
between each bin's observed positive rate and its mean predicted probability. Its interval
resamples (bin × truth) cells, each keeping its mean predicted probability.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_cells

BINS = 10


def _ece(pos: np.ndarray, neg: np.ndarray, prob_sum_pos: np.ndarray, prob_sum_neg: np.ndarray) -> np.ndarray:
    n_bin = pos + neg
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(pos - (prob_sum_pos + prob_sum_neg)) / n_bin  # |observed - predicted| × n_bin / n_bin
        return np.nansum(gap * n_bin, axis=-1) / n_bin.sum(axis=-1)


def calibration(is_pos: np.ndarray, proba: np.ndarray, boot: Bootstrap) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the reliability curve ({"bins": [...]}) and the ECE metrics row."""
    edges = np.linspace(0, 1, BINS + 1)
    b = np.searchsorted(edges[1:-1], proba)
    pos = np.bincount(b[is_pos], minlength=BINS).astype(float)
    neg = np.bincount(b[~is_pos], minlength=BINS).astype(float)
    sp = np.bincount(b[is_pos], weights=proba[is_pos], minlength=BINS)
    sn = np.bincount(b[~is_pos], weights=proba[~is_pos], minlength=BINS)
    ece = float(_ece(pos, neg, sp, sn))
    draws = resample_cells(np.concatenate([pos, neg]).astype(np.int64), boot, 400).astype(float)
    dp, dn = draws[:, :BINS], draws[:, BINS:]
    mean_p = np.divide(sp, pos, out=np.zeros(BINS), where=pos > 0)
    mean_n = np.divide(sn, neg, out=np.zeros(BINS), where=neg > 0)
    ece_d = _ece(dp, dn, dp * mean_p, dn * mean_n)
    curve = [{"low": float(edges[i]), "high": float(edges[i + 1]), "rows": int(pos[i] + neg[i]),
              "mean_predicted": float((sp[i] + sn[i]) / (pos[i] + neg[i])),
              "observed_rate": float(pos[i] / (pos[i] + neg[i]))}
             for i in range(BINS) if pos[i] + neg[i] > 0]
    return {"bins": curve}, [metric_row("expected_calibration_error", ece, boot.interval(ece_d), len(proba))]
