"""Classification metrics with bootstrap intervals, all computed from counts of cells.

Label metrics (accuracy, balanced accuracy, per-class precision/recall/F1) are functions of
the confusion matrix, so a resample is a multinomial draw of its K×K cells: exact, and one
call for all resamples. Rank and loss metrics (ROC-AUC, PR-AUC, log-loss) are functions of
(class, score) cells: exact while there are at most 1,024 distinct scores, else the scores
are grouped into 1,024 quantile bins for the intervals (point estimates are always exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_cells, score_cells

EPS = 1e-15


def encode(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Return (classes in sorted order, true codes, predicted codes) over the union of labels."""
    classes, inverse = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    inverse = inverse.reshape(-1)
    return [c.item() if hasattr(c, "item") else c for c in classes], inverse[: len(y_true)], inverse[len(y_true):]


def positive_class(given: Any, labels: np.ndarray, label: str) -> Any:
    """Return the positive class: the given one (as the labels' type), else the larger of two labels.

    `labels` are the label's distinct values, sorted; `given` may be text from the command line.
    """
    if given is None:
        return labels[1] if len(labels) == 2 else None  # the larger label: 1, True, "yes" over "no"
    if labels.dtype == bool:
        value: Any = str(given).lower() in ("true", "1", "yes")
    elif labels.dtype.kind in "iuf":
        try:
            value = float(given)
        except ValueError:
            raise UsageError(f"--positive {given!r}: {label!r} holds numbers") from None
        if labels.dtype.kind == "f" or value.is_integer():  # not 1.5 (int() made it class 1), inf or nan
            value = labels.dtype.type(value)
    else:
        value = str(given)
    if value not in set(labels.tolist()):
        raise UsageError(f"--positive {given!r} is not a class of {label!r}; classes: "
                         f"{', '.join(map(str, labels[:10]))}")
    return value


def confusion(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Return the K×K confusion matrix (rows: truth, columns: prediction)."""
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def confusion_scores(conf: np.ndarray, truth_classes: np.ndarray) -> dict[str, np.ndarray]:
    """Return label metrics of confusion matrices (..., K, K), vectorised over leading axes.

    `truth_classes` marks the classes present in the truth (balanced accuracy averages
    their recalls, as scikit-learn does).
    """
    conf = conf.astype(float)
    diag = np.diagonal(conf, axis1=-2, axis2=-1)
    truth = conf.sum(axis=-1)
    said = conf.sum(axis=-2)
    total = conf.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(truth > 0, diag / truth, np.nan)
        precision = np.where(said > 0, diag / said, np.nan)
        f1 = np.where(truth + said > 0, 2 * diag / (truth + said), np.nan)
        accuracy = diag.sum(axis=-1) / total
    return {"accuracy": accuracy, "balanced_accuracy": np.nanmean(recall[..., truth_classes], axis=-1),
            "macro_f1": np.nanmean(f1[..., truth_classes], axis=-1),
            "precision": precision, "recall": recall, "f1": f1}


def roc_auc_cells(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Return ROC-AUC from counts of positives and negatives per score cell (cells ascending)."""
    pos, neg = pos.astype(float), neg.astype(float)
    below = np.cumsum(neg, axis=-1) - neg
    with np.errstate(divide="ignore", invalid="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=-1) / (pos.sum(axis=-1) * neg.sum(axis=-1))


def average_precision_cells(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Return average precision (scikit-learn's PR-AUC) from per-cell counts (cells ascending)."""
    pos, neg = pos[..., ::-1].astype(float), neg[..., ::-1].astype(float)
    tp, fp = np.cumsum(pos, axis=-1), np.cumsum(neg, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        return (pos * precision).sum(axis=-1) / pos.sum(axis=-1)


def _one_vs_rest(is_pos: np.ndarray, score: np.ndarray, boot: Bootstrap,
                 stream: int) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
    """Return exact AUC and AP of one class, their resampled draws, and the (pos, neg) cell draws.

    The cell draws are (B, 2 × cells): positives' cells then negatives' cells, so the binary
    log-loss can reuse the same resamples.
    """
    _, exact_inverse = np.unique(score, return_inverse=True)
    exact_inverse = exact_inverse.reshape(-1)
    g = int(exact_inverse.max()) + 1 if score.size else 0
    pos = np.bincount(exact_inverse, weights=is_pos, minlength=g)
    neg = np.bincount(exact_inverse, minlength=g) - pos
    auc, ap = float(roc_auc_cells(pos, neg)), float(average_precision_cells(pos, neg))
    cell, _ = score_cells(score)
    cells = int(cell.max()) + 1 if score.size else 0
    joint = np.where(is_pos, cell, cell + cells)
    draws = resample_cells(np.bincount(joint, minlength=2 * cells), boot, stream)
    dp, dn = draws[:, :cells], draws[:, cells:]
    return auc, ap, roc_auc_cells(dp, dn), average_precision_cells(dp, dn), draws


def _log_loss(p_true: np.ndarray, boot: Bootstrap, stream: int, cell: np.ndarray | None = None,
              draws: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Return the exact log-loss and its draws (over the given cells and draws, or cells of p_true)."""
    loss = -np.log(np.clip(p_true, EPS, 1.0))
    if cell is None or draws is None:
        cell, _ = score_cells(p_true)
        draws = resample_cells(np.bincount(cell), boot, stream)
    sizes = np.bincount(cell, minlength=draws.shape[1])
    mean_loss = np.bincount(cell, weights=loss, minlength=draws.shape[1]) / np.maximum(sizes, 1)
    return float(loss.mean()), draws @ mean_loss / max(len(p_true), 1)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, boot: Bootstrap, *,
                           proba: np.ndarray | None = None, proba_classes: Sequence[Any] | None = None,
                           positive: Any = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the metrics table rows and the confusion matrix ({"classes", "matrix"}).

    `proba` is one column (the positive class's probability, binary) or one column per class
    of `proba_classes`. `positive` names the positive class of a binary problem.
    """
    n = len(y_true)
    classes, t, p = encode(y_true, y_pred)
    k = len(classes)
    conf = confusion(t, p, k)
    in_truth = np.flatnonzero(conf.sum(axis=1) > 0)
    point = confusion_scores(conf, in_truth)
    draws = confusion_scores(resample_cells(conf.reshape(-1), boot, 0).reshape(-1, k, k), in_truth)
    rows = [metric_row(m, point[m], boot.interval(draws[m]), n)
            for m in ("accuracy", "balanced_accuracy", "macro_f1")]
    for i, cls in enumerate(classes):
        support = int(conf[i].sum())
        for m in ("precision", "recall", "f1"):
            rows.append(metric_row(m, point[m][i], boot.interval(draws[m][:, i]), support, **{"class": cls}))
    if proba is not None:
        rows += _probability_metrics(y_true, proba, proba_classes, positive, boot)
    return rows, {"classes": classes, "matrix": conf.tolist()}


def _probability_metrics(y_true: np.ndarray, proba: np.ndarray, proba_classes: Sequence[Any] | None,
                         positive: Any, boot: Bootstrap) -> list[dict[str, Any]]:
    n = len(y_true)
    rows = []
    if proba.ndim == 1:
        is_pos = y_true == positive
        auc, ap, auc_d, ap_d, draws = _one_vs_rest(is_pos, proba, boot, 1)
        rows += [metric_row("roc_auc", auc, boot.interval(auc_d), n, **{"class": positive}),
                 metric_row("pr_auc", ap, boot.interval(ap_d), n, **{"class": positive})]
        cell, _ = score_cells(proba)
        cells = draws.shape[1] // 2
        loss, loss_d = _log_loss(np.where(is_pos, proba, 1 - proba), boot, 2,
                                 np.where(is_pos, cell, cell + cells), draws)
        rows.append(metric_row("log_loss", loss, boot.interval(loss_d), n))
        return rows
    else:
        assert proba_classes is not None
        aucs, auc_draws = [], []
        for j, cls in enumerate(proba_classes):
            is_pos = y_true == cls
            if not is_pos.any() or is_pos.all():
                continue
            auc, ap, auc_d, ap_d, _ = _one_vs_rest(is_pos, proba[:, j], boot, 10 + j)
            aucs.append(auc)
            auc_draws.append(auc_d)
            rows += [metric_row("roc_auc", auc, boot.interval(auc_d), int(is_pos.sum()), **{"class": cls}),
                     metric_row("pr_auc", ap, boot.interval(ap_d), int(is_pos.sum()), **{"class": cls})]
        if aucs:
            # per-class draws are independent streams: the macro interval is approximate
            rows.append(metric_row("roc_auc_macro", float(np.mean(aucs)),
                                   boot.interval(np.mean(auc_draws, axis=0)), n))
        index = {c: j for j, c in enumerate(proba_classes)}
        col = np.array([index[v] for v in np.unique(y_true)])
        codes = np.searchsorted(np.unique(y_true), y_true)
        p_true = proba[np.arange(n), col[codes]]
    loss, loss_d = _log_loss(p_true, boot, 2)
    rows.append(metric_row("log_loss", loss, boot.interval(loss_d), n))
    return rows
