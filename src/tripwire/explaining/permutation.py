"""Permutation importance on a held-out table: how much the metric falls when a column is shuffled.

One model call per column (or group): its `repeats` shuffled copies of the table are stacked
and scored together. The interval is a paired row bootstrap: the same resampled rows score the
intact and the shuffled predictions, so it covers the sampling error of the held-out table
and the shuffles' own spread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tripwire.evaluation.bootstrap import Bootstrap, index_blocks
from tripwire.explaining.metrics import Metric
from tripwire.explaining.predict import predict_rows
from tripwire.modeltest.model import ModelCall


@dataclass(frozen=True)
class Importance:
    """One feature's (or group's) importance: the metric's mean cost when shuffled, and its interval."""

    feature: str
    columns: tuple[str, ...]
    value: float
    ci_low: float | None
    ci_high: float | None


def permutation_importance(predict: ModelCall, table: pl.DataFrame, y: np.ndarray, metric: Metric,
                           features: Mapping[str, Sequence[str]], *, repeats: int = 5, boot: Bootstrap | None = None,
                           progress: Callable[[int, int | None], None] | None = None) -> tuple[float, list[Importance]]:
    """Return (the metric on the intact table, each feature's importance), most important first."""
    boot = boot or Bootstrap(resamples=200)
    n = table.height
    base = predict_rows(predict, table)
    base_score = float(metric(y, base)[0])
    out = []
    for j, (name, cols) in enumerate(features.items()):
        rng = np.random.default_rng([boot.seed, j])
        perms = [rng.permutation(n) for _ in range(repeats)]
        # one call for every shuffle of this column: the repeats' tables stacked
        stacked = pl.concat([table.with_columns([table[c].gather(p) for c in cols]) for p in perms])
        shuffled = predict_rows(predict, stacked).reshape(repeats, n, *base.shape[1:])  # (.., classes) if scores
        value = float(metric.cost(base_score, metric(y, shuffled)).mean())
        draws = np.concatenate([_paired_draws(metric, y, base, shuffled, idx) for idx in index_blocks(n, boot, j)])
        low, high = boot.interval(draws)
        out.append(Importance(name, tuple(cols), value, low, high))
        if progress is not None:
            progress(j + 1, len(features))
    out.sort(key=lambda imp: (-imp.value, imp.feature))
    return base_score, out


def _paired_draws(metric: Metric, y: np.ndarray, base: np.ndarray, shuffled: np.ndarray, idx: np.ndarray) -> Any:
    """Return the mean cost over repeats on each resample of rows (the same rows for both)."""
    before = metric(y, base, idx)
    after = np.stack([metric(y, s, idx) for s in shuffled])
    return metric.cost(before, after).mean(axis=0)
