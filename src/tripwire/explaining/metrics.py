"""Metrics of a model's scores, vectorised over rows of a matrix (resamples, permutations).

Each metric takes truth `y` and predictions `p` of shape (m, n) (or (n,)) and returns m values.
ROC-AUC is the Mann-Whitney statistic on ranks (ties count half), as evaluation's cell
formula computes it; RMSE, MAE and R² are evaluate's regression statistics; accuracy
compares predicted labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from tripwire.errors import UsageError
from tripwire.evaluation.classification import EPS, positive_class
from tripwire.evaluation.regression import error_stats as regression_stats


@dataclass(frozen=True)
class Metric:
    """A named metric: how to compute it, which way is better, and how a change is told."""

    name: str
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]
    higher_is_better: bool
    #: metrics on a 0-1 scale tell changes in points (x100)
    in_points: bool
    label: str

    def __call__(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.asarray(self.compute(np.atleast_2d(y), np.atleast_2d(p)), dtype=float)

    def cost(self, before: Any, after: Any) -> Any:
        """Return how much worse `after` is than `before` (positive: worse), in the metric's own unit."""
        return (before - after) if self.higher_is_better else (after - before)

    def amount(self, value: float) -> str:
        """Return a change's number as every note shows it: points (4.1) on a 0-1 scale, else 4 digits."""
        # + 0.0: a cost that rounds to zero from below reads 0.0, not -0.0
        return f"{round(value * 100, 1) + 0.0:.1f}" if self.in_points else f"{value + 0.0:.4g}"

    def told(self, value: float) -> str:
        """Return a change as a sentence shows it ("4.1 points of AUC", "0.31 of RMSE")."""
        return f"{self.amount(value)} points of {self.label}" if self.in_points else f"{self.amount(value)} of {self.label}"


def _auc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    y = np.broadcast_to(y, p.shape).astype(bool)
    ranks = rankdata(p, axis=-1)
    pos = y.sum(axis=-1)
    neg = y.shape[-1] - pos
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * y).sum(axis=-1) - pos * (pos + 1) / 2) / (pos * neg)


def _log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(float), EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=-1)


def _accuracy(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (np.broadcast_to(y, p.shape) == p).mean(axis=-1)


def _errors(y: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
    y = np.broadcast_to(y, p.shape).astype(float)
    return regression_stats(y, p - y)


# evaluate's regression statistics, so `explain` and `evaluate` give the same RMSE, MAE and R²
def _r2(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return _errors(y, p)["r2"]


def _rmse(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return _errors(y, p)["rmse"]


def _mae(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return _errors(y, p)["mae"]


# named functions, not lambdas: the metric travels to the ablation's worker processes
METRICS = {
    "auc": Metric("auc", _auc, True, True, "AUC"),
    "accuracy": Metric("accuracy", _accuracy, True, True, "accuracy"),
    "log_loss": Metric("log_loss", _log_loss, False, False, "log-loss"),
    "rmse": Metric("rmse", _rmse, False, False, "RMSE"),
    "mae": Metric("mae", _mae, False, False, "MAE"),
    "r2": Metric("r2", _r2, True, True, "R²"),
}
#: metrics that read a score of the positive class (the label is turned into 0/1)
BINARY = ("auc", "log_loss")


def get_metric(name: str) -> Metric:
    """Return the metric called `name`; one line listing the known ones otherwise."""
    if name not in METRICS:
        raise UsageError(f"--metric {name!r}: choose one of {', '.join(METRICS)}")
    return METRICS[name]


def truth(metric: Metric, y: np.ndarray, positive: Any = None, label: str = "label") -> tuple[np.ndarray, Any]:
    """Return the label as the metric reads it, and the class whose scores to read (None: the model's second of two).

    AUC and log-loss read 0/1: the larger of two labels is positive, or `positive` against
    the rest (one-vs-rest, for a label of several classes). Accuracy takes any number of
    classes as they are.
    """
    if metric.name not in BINARY:
        return y, None
    classes = np.unique(y)
    if classes.size < 2 or (classes.size > 2 and positive is None):
        raise UsageError(f"{metric.name} needs a binary label; {label!r} has {classes.size} values: score one class "
                         "against the rest with --positive CLASS, or use --metric accuracy for several classes")
    pos = positive_class(positive, classes, label)
    # unnamed, the larger label is the second of two score columns: None keeps old ablation cache keys
    return (y == pos).astype(float), None if positive is None else pos
