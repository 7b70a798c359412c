"""Metrics of a model's scores, vectorised over rows of a matrix (resamples, permutations).

Each metric takes truth `y` and predictions `p` of shape (m, n) (or (n,)) and returns m values;
a metric with a class axis takes class codes and scores of shape (m, n, classes) (or (n, classes)).
ROC-AUC is the Mann-Whitney statistic on ranks (ties count half), as evaluation's cell
formula computes it; RMSE, MAE and R² are evaluate's regression statistics; accuracy
compares predicted labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tripwire.drift_detection.stats import rank_auc as _auc
from tripwire.errors import UsageError
from tripwire.evaluation.classification import EPS, positive_class
from tripwire.evaluation.regression import error_stats as regression_stats
from tripwire.evaluation.task import as_series, holds_numbers, label_task, why_numbers


@dataclass(frozen=True)
class Metric:
    """A named metric: how to compute it, which way is better, and how a change is told."""

    name: str
    #: (y, p) -> one value per row of p; a class-axis one also takes `rows` (see __call__)
    compute: Callable[..., np.ndarray]
    higher_is_better: bool
    #: metrics on a 0-1 scale tell changes in points (x100)
    in_points: bool
    label: str
    #: reads one score column per class (the last axis of p), the truth as class codes
    class_axis: bool = False
    #: computes its resamples from `rows` itself (counts per row, no gathered copies of y and p)
    resamples_rows: bool = False

    def __call__(self, y: np.ndarray, p: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Return the metric per row of `p`; with `rows` ((b, n) row indices), on each of b resamples of y and p.

        A class-axis metric resamples one class's column at a time: a (b, n) gather, not (b, n, classes).
        """
        if rows is not None:
            if self.class_axis or self.resamples_rows:
                return np.asarray(self.compute(np.asarray(y), np.asarray(p), rows), dtype=float)
            y, p = y[rows], p[rows]
        p = np.asarray(p)
        p = (p[None] if p.ndim == 2 else p) if self.class_axis else np.atleast_2d(p)
        return np.asarray(self.compute(np.atleast_2d(y), p), dtype=float)

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


def _log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(float), EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=-1)


def _auc_one_vs_rest(y: np.ndarray, p: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Return the macro one-vs-rest AUC: each class's scores against the rest, averaged over the classes present.

    `rows`: (b, n) resamples of the rows of y (n,) and p (n, classes).
    """
    if rows is not None:
        return _macro(_auc_per_class_resampled(np.asarray(y), p, rows))
    y = np.broadcast_to(y, p.shape[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return _macro(np.stack([_auc(y == c, p[..., c]) for c in range(p.shape[-1])]))


def _macro(per_class: np.ndarray) -> np.ndarray:
    """Return the mean over classes (axis 0) of the finite AUCs: a class absent from a resample has none."""
    present = np.isfinite(per_class)
    return np.where(present.any(axis=0), np.where(present, per_class, 0.0).sum(axis=0) / present.sum(axis=0).clip(1),
                    np.nan)


def _auc_per_class_resampled(y: np.ndarray, p: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return each class's AUC (classes, b) on b resamples of rows (y: class codes, p: one column per class)."""
    drawn = _drawn(rows)
    return np.stack([_resampled_auc(y == c, p[:, c], drawn) for c in range(p.shape[-1])])  # a loop over classes


def _auc_binary(y: np.ndarray, p: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Return the AUC of scores p for 0/1 labels y; with `rows` ((b, n) resamples), on each resample."""
    if rows is None:
        return _auc(y, p)
    return _resampled_auc(np.asarray(y).astype(bool), np.asarray(p), _drawn(rows))


def _drawn(rows: np.ndarray) -> np.ndarray:
    """Return how often each row was drawn in each resample: (b, n) counts of (b, n) row indices."""
    b, n = rows.shape
    return np.bincount((rows + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n)


def _resampled_auc(is_pos: np.ndarray, score: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Return the AUC on each resample given as counts per row (`drawn`, (b, n)), sorting the scores once.

    The Mann-Whitney statistic is the sum over positive rows of (count) x (negatives drawn with a
    lower score + half of those with an equal one). Sorted once, the negatives' running counts of
    all b resamples are one cumsum, and each positive's lower/equal counts two gathers at its
    searchsorted bounds: O(b·n), not a ranking of every resample. Counts are integers, so the
    statistic is exact (equal to ranking the gathered rows, ties counting half).
    """
    unscored = np.isnan(score)  # ranking a resample that drew a NaN score gives NaN: so does this
    neg = np.flatnonzero(~is_pos & ~unscored)
    neg = neg[np.argsort(score[neg], kind="stable")]
    pos = np.flatnonzero(is_pos & ~unscored)
    # running count of negatives drawn, in score order: cum[:, j] = negatives among the j lowest
    cum = np.zeros((drawn.shape[0], neg.size + 1), dtype=np.int64)
    np.cumsum(drawn[:, neg], axis=1, out=cum[:, 1:])
    lower = cum[:, np.searchsorted(score[neg], score[pos], "left")]
    lower_or_equal = cum[:, np.searchsorted(score[neg], score[pos], "right")]
    drawn_pos = drawn[:, pos]
    twice_u = (drawn_pos * (lower + lower_or_equal)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # a class absent from (or alone in) a resample: NaN
        auc = twice_u / (2 * drawn_pos.sum(axis=1) * cum[:, -1])
    return np.where(drawn[:, unscored].any(axis=1), np.nan, auc) if unscored.any() else auc


def _log_loss_classes(y: np.ndarray, p: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Return the multiclass log-loss: the mean of -log(score of the true class).

    `rows`: (b, n) resamples of the rows of y (n,) and p (n, classes): only the true class's score is resampled.
    """
    codes = np.broadcast_to(y, p.shape[:-1]).astype(np.intp)
    p_true = np.take_along_axis(p, codes[..., None], axis=-1)[..., 0].astype(float)
    if rows is not None:
        p_true = p_true[rows]
    return -np.log(np.clip(p_true, EPS, 1.0)).mean(axis=-1)


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
    "auc": Metric("auc", _auc_binary, True, True, "AUC", resamples_rows=True),
    "accuracy": Metric("accuracy", _accuracy, True, True, "accuracy"),
    "log_loss": Metric("log_loss", _log_loss, False, False, "log-loss"),
    "rmse": Metric("rmse", _rmse, False, False, "RMSE"),
    "mae": Metric("mae", _mae, False, False, "MAE"),
    "r2": Metric("r2", _r2, True, True, "R²"),
}
#: metrics that read a score of the positive class (the label is turned into 0/1)
BINARY = ("auc", "log_loss")
#: what AUC and log-loss become on a label of three classes or more when no class is named
ALL_CLASSES = {
    "auc": Metric("auc_ovr", _auc_one_vs_rest, True, True, "one-vs-rest AUC", class_axis=True),
    "log_loss": Metric("log_loss_classes", _log_loss_classes, False, False, "log-loss", class_axis=True),
}
#: metrics that compare classes: the label must hold classes (`label_task`, evaluate's rule)
CLASS_METRICS = ("auc", "log_loss", "accuracy")


@dataclass(frozen=True)
class Target:
    """The label as a metric reads it, and which of the model's score columns to read for it."""

    y: np.ndarray
    #: the class whose scores a binary metric reads (None: the second of two columns)
    class_: Any = None
    #: every class, in the order a class-axis metric reads the score columns
    classes: tuple[Any, ...] | None = None


def get_metric(name: str) -> Metric:
    """Return the metric called `name`; one line listing the known ones otherwise."""
    if name not in METRICS:
        raise UsageError(f"--metric {name!r}: choose one of {', '.join(METRICS)}")
    return METRICS[name]


def for_label(metric: Metric, y: Any, positive: Any = None, label: str = "label") -> Metric:
    """Return the metric a label is scored with: AUC and log-loss over every class when it has three or more
    and none is named (macro one-vs-rest AUC, multiclass log-loss); the metric itself otherwise.

    Classes or numbers is decided as `evaluate` decides it (`tripwire.evaluation.task`); a metric
    that does not fit the label is one line saying which ones do.
    """
    y = as_series(y).drop_nulls()
    if metric.name in CLASS_METRICS and label_task(y) != "classification":
        raise UsageError(f"{metric.name} scores classes, but {label!r} holds numbers ({why_numbers(y)}): use "
                         "--metric rmse, mae or r2 (or store the label as text if its values are classes)")
    if metric.name not in CLASS_METRICS and not holds_numbers(y):
        raise UsageError(f"{metric.name} scores numbers, but {label!r} holds classes ({y.dtype}): use --metric "
                         "auc, log_loss or accuracy")
    if metric.name in ALL_CLASSES and positive is None and y.n_unique() > 2:
        return ALL_CLASSES[metric.name]
    return metric


def truth(metric: Metric, y: np.ndarray, positive: Any = None, label: str = "label") -> Target:
    """Return the label as the metric reads it, and which score columns the model's output gives it.

    `metric` is the one `for_label` chose, which checked that it fits the label.

    AUC and log-loss read 0/1: the larger of two labels is positive, or `positive` against
    the rest; their class-axis forms (`for_label`) read class codes and every class's column.
    Accuracy and the regression metrics take the label as it is.
    """
    if metric.name not in BINARY and not metric.class_axis:
        return Target(y)
    classes = np.unique(y)
    if classes.size < 2:
        raise UsageError(f"{metric.name} needs two classes or more; {label!r} has {classes.size} distinct value(s)")
    if metric.class_axis:
        return Target(np.searchsorted(classes, y), classes=tuple(classes.tolist()))
    if classes.size > 2 and positive is None:
        raise UsageError(f"{metric.name} scores two classes; {label!r} has {classes.size}: name one with --positive "
                         "CLASS, or score them all (explain does when no class is named)")
    pos = positive_class(positive, classes, label)
    # unnamed, the larger label is the second of two score columns: None keeps old ablation cache keys
    return Target((y == pos).astype(float), None if positive is None else pos)
