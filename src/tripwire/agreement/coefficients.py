"""Krippendorff's alpha, Cohen's kappa and Fleiss' kappa, each with a seeded item bootstrap.

Bootstraps resample items with replacement (all of an item's ratings go together). Items
with the same label counts are interchangeable, so a resample is drawn as counts per count
pattern (a multinomial over a few hundred patterns, not a draw per item), in blocks: no
Python loop runs per resample or rating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from tripwire.agreement.ratings import Ratings
from tripwire.evaluation.bootstrap import Bootstrap, index_blocks, resample_cells

LEVELS = ("nominal", "ordinal", "interval")
#: per-pattern outer products kept for ordinal bootstraps at most (patterns × classes²)
MAX_OUTER = 1 << 25
#: up to this many distinct count patterns, resamples are drawn as one multinomial each
MULTINOMIAL_PATTERNS = 4096


@dataclass(frozen=True)
class Estimate:
    """A coefficient, its bootstrap interval (None when it cannot be drawn) and the items behind it."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    items: int
    #: the bootstrap draws (kept to compare two estimates, e.g. two time windows)
    draws: np.ndarray | None = field(default=None, compare=False, repr=False)


def pattern_blocks(freq: np.ndarray, boot: Bootstrap, stream: int) -> Iterator[np.ndarray]:
    """Yield (b × patterns) counts of how often each pattern is drawn, `boot.resamples` rows in all.

    `freq` holds how many items share each pattern (items with the same label counts are
    interchangeable for every coefficient here), so drawing items with replacement is
    drawing pattern counts: evaluation's cell multinomial when there are few patterns, else
    its index blocks of items counted per pattern.
    """
    freq = np.asarray(freq, dtype=np.int64)
    if freq.size <= MULTINOMIAL_PATTERNS:
        yield resample_cells(freq, boot, stream).astype(np.float64)
        return
    pattern_of_item = np.repeat(np.arange(freq.size), freq)
    for idx in index_blocks(int(freq.sum()), boot, stream):
        b = idx.shape[0]
        flat = pattern_of_item[idx] + (np.arange(b) * freq.size)[:, None]
        yield np.bincount(flat.ravel(), minlength=b * freq.size).reshape(b, freq.size).astype(np.float64)


def patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of an (items × classes) count matrix and how many items have each."""
    counts = np.asarray(counts)
    base = int(counts.max()) + 1 if counts.size else 1
    if counts.shape[1] * np.log2(base) < 62:  # each row as one integer: far faster than unique rows
        key = (counts.astype(np.int64) * base ** np.arange(counts.shape[1], dtype=np.int64)).sum(axis=1)
        _, first, freq = np.unique(key, return_index=True, return_counts=True)
        return counts[first], freq
    return np.unique(counts, axis=0, return_counts=True)


def distances(level: str, marginals: np.ndarray, values: np.ndarray | None) -> np.ndarray:
    """Return Krippendorff's squared distances between classes, (..., k, k) for (..., k) marginals.

    nominal: 0 or 1; interval: (v_c − v_k)²; ordinal: (Σ_{g=c..k} n_g − (n_c + n_k)/2)², the
    ranks of the classes by their pooled counts (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability").
    """
    k = marginals.shape[-1]
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(k), (*marginals.shape[:-1], k, k))
    if level == "interval":
        if values is None:
            raise ValueError("interval distances need numeric classes")
        span = float(values.max() - values.min()) if values.size else 0.0
        # alpha is a ratio of two sums of these distances: rescaling the values to [0, 1] leaves
        # it unchanged and keeps squares of huge values finite
        scaled = (values - values.min()) / span if np.isfinite(span) and span > 0 else values / np.abs(values).max()
        d = (scaled[:, None] - scaled[None, :]) ** 2
        return np.broadcast_to(d, (*marginals.shape[:-1], k, k))
    if level == "ordinal":
        cum = np.cumsum(marginals, axis=-1)
        lo = np.minimum(np.arange(k)[:, None], np.arange(k)[None, :])
        hi = np.maximum(np.arange(k)[:, None], np.arange(k)[None, :])
        span = cum[..., hi] - cum[..., lo] + marginals[..., lo]  # Σ n_g for g from lo to hi
        return (span - (marginals[..., lo] + marginals[..., hi]) / 2) ** 2
    raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def krippendorff_alpha(ratings: Ratings, level: str = "nominal", boot: Bootstrap | None = None,
                       stream: int = 0) -> Estimate:
    """Return Krippendorff's alpha at a level of measurement, with an item bootstrap interval.

    Items with fewer than two ratings are not pairable and are left out, as Krippendorff does.
    """
    counts = ratings.counts().astype(np.float64)
    return alpha_from_counts(counts, level, ratings.values, boot, stream)


def alpha_from_counts(counts: np.ndarray, level: str, values: np.ndarray | None,
                      boot: Bootstrap | None = None, stream: int = 0) -> Estimate:
    """Return alpha from an (items × classes) count matrix (see `krippendorff_alpha`)."""
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    if counts.shape[0] == 0:
        return Estimate(None, None, None, 0)
    items = counts.shape[0]
    w = 1.0 / (m - 1)
    marg = counts.sum(axis=0)  # n_c: the pairable values of each class
    value = _alpha(counts, w, marg, level, values)
    if boot is None or boot.resamples == 0:
        return Estimate(value, None, None, items)
    counts, freq = patterns(counts)  # items with equal counts resample alike
    w = 1.0 / (counts.sum(axis=1) - 1)
    draws = []
    k = counts.shape[1]
    if level == "ordinal":
        if counts.shape[0] * k * k > MAX_OUTER:
            return Estimate(value, None, None, items)
        outer = (w[:, None, None] * (counts[:, :, None] * counts[:, None, :]
                                     - counts[:, :, None] * np.eye(k))).reshape(counts.shape[0], k * k)
        for wts in pattern_blocks(freq, boot, stream):
            n_c = wts @ counts
            obs = (wts @ outer).reshape(-1, k, k)
            d = distances(level, n_c, values)
            draws.append(_ratio(obs, n_c, d))
    else:
        d = distances(level, marg, values)[...]
        per_item = w * np.einsum("uc,ck,uk->u", counts, d, counts)  # the diagonal of d is zero
        for wts in pattern_blocks(freq, boot, stream):
            n_c = wts @ counts
            n = n_c.sum(axis=1)
            observed = (wts @ per_item) / n
            expected = np.einsum("bc,ck,bk->b", n_c, d, n_c) / (n * (n - 1))
            with np.errstate(divide="ignore", invalid="ignore"):
                draws.append(1 - observed / expected)
    every = np.concatenate(draws)
    low, high = boot.interval(every)
    return Estimate(value, low, high, items, every)


def _alpha(counts: np.ndarray, w: np.ndarray, marg: np.ndarray, level: str, values: np.ndarray | None) -> float | None:
    k = counts.shape[1]
    coincidence = (counts * w[:, None]).T @ counts - np.diag((counts * w[:, None]).sum(axis=0))
    d = distances(level, marg, values)
    out = _ratio(coincidence[None], marg[None], d[None] if d.ndim == 2 else d)
    value = float(out[0])
    return value if np.isfinite(value) and k else None


def _ratio(coincidence: np.ndarray, marg: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Return 1 − D_o/D_e for stacks of coincidence matrices and marginals."""
    n = marg.sum(axis=-1)
    observed = (coincidence * d).sum(axis=(-2, -1)) / n
    expected = np.einsum("bc,bck,bk->b", marg, d, marg) / (n * (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - observed / expected


def cohen_kappa(a: np.ndarray, b: np.ndarray, k: int, boot: Bootstrap | None = None, stream: int = 0) -> Estimate:
    """Return Cohen's kappa of two annotators' labels (class codes) on the same items.

    Resampling items is drawing the (label a, label b) cell counts from one multinomial, so
    the bootstrap is exact and costs one draw per resample.
    """
    n = len(a)
    if n == 0:
        return Estimate(None, None, None, 0)
    cells = np.bincount(a * k + b, minlength=k * k).astype(np.float64)
    value = float(_kappa(cells[None], k)[0])
    value_or_none = value if np.isfinite(value) else None
    if boot is None or boot.resamples == 0 or value_or_none is None:
        return Estimate(value_or_none, None, None, n)
    draws = resample_cells(cells, boot, stream).astype(np.float64)
    low, high = boot.interval(_kappa(draws, k))
    return Estimate(value, low, high, n)


def _kappa(cells: np.ndarray, k: int) -> np.ndarray:
    table = cells.reshape(-1, k, k)
    n = table.sum(axis=(1, 2))
    observed = np.trace(table, axis1=1, axis2=2) / n
    expected = (table.sum(axis=2) * table.sum(axis=1)).sum(axis=1) / n**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (observed - expected) / (1 - expected)


def fleiss_kappa(counts: np.ndarray, boot: Bootstrap | None = None, stream: int = 0) -> Estimate:
    """Return Fleiss' kappa from an (items × classes) count matrix, with an item bootstrap.

    Items rated once are left out. With the same number of ratings per item this is Fleiss
    (1971); with varying numbers, each item's agreement uses its own count and the class
    shares pool all ratings.
    """
    counts = np.asarray(counts, dtype=np.float64)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    if counts.shape[0] == 0:
        return Estimate(None, None, None, 0)
    items = counts.shape[0]
    per_item = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    value = _fleiss(per_item[None], counts.sum(axis=0)[None], items)
    value_f = float(value[0])
    if not np.isfinite(value_f):
        return Estimate(None, None, None, items)
    if boot is None or boot.resamples == 0:
        return Estimate(value_f, None, None, items)
    counts, freq = patterns(counts)  # items with equal counts resample alike
    m = counts.sum(axis=1)
    per_item = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    draws = [_fleiss(wts * per_item, wts @ counts, items) for wts in pattern_blocks(freq, boot, stream)]
    low, high = boot.interval(np.concatenate(draws))
    return Estimate(value_f, low, high, items)


def _fleiss(weighted_agreement: np.ndarray, class_totals: np.ndarray, n_items: int) -> np.ndarray:
    observed = weighted_agreement.sum(axis=1) / n_items
    shares = class_totals / class_totals.sum(axis=1, keepdims=True)
    expected = (shares**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (observed - expected) / (1 - expected)
