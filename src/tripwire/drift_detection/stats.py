"""Two-sample statistics computed from profiles alone: distributions, effect sizes, tests.

A numeric column is read either exactly (its frequent-value counts, when every value was
counted) or from its quantile sketch (profiling/stats/quantiles.py); tests on sketches subtract the sketches' rank-error
bound from the KS distance so sketch noise is never taken for drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

if TYPE_CHECKING:
    from tripwire.profiling import ColumnProfile

#: ranks at which quantile functions are compared: the central 99% (extreme tails are noise)
GRID = np.linspace(0.005, 0.995, 199)
#: finer ranks where the KS distance is looked for
KS_GRID = np.linspace(0.0, 1.0, 1001)
#: PSI bins of a numeric column: the reference's deciles
PSI_EDGES = np.linspace(0.1, 0.9, 9)
#: a category gets its own bucket when both sides together hold at least this many rows
MIN_BUCKET_COUNT = 10


@dataclass(frozen=True)
class NumericDist:
    """A column's finite numbers as an exact value table or a quantile sketch."""

    n: int
    rank_error: float  # 0 when exact
    values: np.ndarray | None = None  # sorted distinct values (exact only)
    cum: np.ndarray | None = None  # cumulative shares at `values`
    sketch: object = None

    @property
    def exact(self) -> bool:
        """Tell whether the distribution is known exactly."""
        return self.values is not None

    def quantiles(self, qs: np.ndarray) -> np.ndarray:
        """Return the values at ranks qs (the smallest x with F(x) >= q)."""
        if self.values is not None:
            idx = np.searchsorted(self.cum, np.asarray(qs) - 1e-12, side="left")
            return self.values[np.clip(idx, 0, len(self.values) - 1)]
        return self.sketch.quantiles(qs)  # type: ignore[attr-defined]

    def cdf(self, points: np.ndarray) -> np.ndarray:
        """Return F(x) = share of values <= x at each point."""
        if self.values is not None:
            idx = np.searchsorted(self.values, np.asarray(points, dtype=np.float64), side="right")
            return np.where(idx > 0, self.cum[np.maximum(idx - 1, 0)], 0.0)
        return self.sketch.cdf(points)  # type: ignore[attr-defined]


def numeric_dist(col: ColumnProfile) -> NumericDist | None:
    """Return the column's numbers as a distribution (None when it holds none)."""
    nums = col.numbers
    if nums.n == 0:
        return None
    freq = col.frequent
    if col.kind == "numeric" and freq.exact and freq.counts:
        vals = np.fromiter((float(v) for v in freq.counts), dtype=np.float64, count=len(freq.counts))
        cnts = np.fromiter(freq.counts.values(), dtype=np.float64, count=len(freq.counts))
        finite = np.isfinite(vals)
        vals, cnts = vals[finite], cnts[finite]
        if cnts.sum() == nums.n:
            order = np.argsort(vals)
            vals, cnts = vals[order], cnts[order]
            return NumericDist(nums.n, 0.0, vals, np.cumsum(cnts) / cnts.sum())
    sketch = nums.quantiles
    # rank_error is 0 while the sketch still holds every value (its exact state)
    return NumericDist(nums.n, sketch.rank_error, sketch=sketch)


def spread(dist: NumericDist, std: float) -> float:
    """Return a robust standard deviation: IQR/1.349, else the SD when the IQR is zero."""
    q1, q3 = dist.quantiles(np.array([0.25, 0.75]))
    iqr = float(q3 - q1) / 1.349
    return iqr if iqr > 0 else float(std or 0.0)


def wasserstein(ref: NumericDist, cur: NumericDist) -> float:
    """Return the Wasserstein-1 distance over the central 99% of ranks (in the data's units)."""
    return float(np.mean(np.abs(cur.quantiles(GRID) - ref.quantiles(GRID))))


def ks_distance(ref: NumericDist, cur: NumericDist) -> float:
    """Return the largest gap between the two CDFs."""
    if ref.exact and cur.exact:
        points = np.union1d(ref.values, cur.values)  # type: ignore[arg-type]
    else:
        points = np.unique(np.concatenate([ref.quantiles(KS_GRID), cur.quantiles(KS_GRID)]))
    points = points[np.isfinite(points)]
    return float(np.max(np.abs(ref.cdf(points) - cur.cdf(points)))) if points.size else 0.0


def ks_pvalue(d: float, n_ref: int, n_cur: int, slack: float = 0.0) -> float:
    """Return the asymptotic two-sample KS p-value of distance d less the sketches' error."""
    if n_ref == 0 or n_cur == 0:
        return 1.0
    d = max(0.0, d - slack)
    n_eff = n_ref * n_cur / (n_ref + n_cur)
    return float(special.kolmogorov(math.sqrt(n_eff) * d)) if d > 0 else 1.0


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Return the population stability index of two count vectors over the same buckets.

    Half a row is added to every bucket (so an empty bucket does not make PSI infinite),
    and the value expected from sampling noise alone, (k-1)(1/n_ref + 1/n_cur), is taken
    off: two random halves of one data set score about 0 whatever their size.
    """
    r = np.asarray(ref_counts, dtype=np.float64) + 0.5
    c = np.asarray(cur_counts, dtype=np.float64) + 0.5
    n_r, n_c = r.sum(), c.sum()
    p, q = r / n_r, c / n_c
    raw = float(np.sum((q - p) * np.log(q / p)))
    noise = (len(r) - 1) * (1.0 / n_r + 1.0 / n_c)
    return max(0.0, raw - noise)


def numeric_bins(ref: NumericDist, cur: NumericDist) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the reference's decile edges and both sides' counts in those bins."""
    edges = np.unique(ref.quantiles(PSI_EDGES))
    edges = edges[np.isfinite(edges)]

    def counts(d: NumericDist) -> np.ndarray:
        f = np.concatenate([[0.0], d.cdf(edges), [1.0]]) if edges.size else np.array([0.0, 1.0])
        return np.clip(np.diff(f), 0.0, None) * d.n

    return edges, counts(ref), counts(cur)


def chi2_pvalue(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Return the chi-square test of homogeneity's p-value for two count vectors."""
    table = np.vstack([ref_counts, cur_counts]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table, correction=False)[1])


def category_table(ref: ColumnProfile, cur: ColumnProfile) -> tuple[list[object], np.ndarray, np.ndarray]:
    """Return the buckets (values, then None for 'everything else') and both sides' counts.

    A value gets its own bucket when both sides together count at least MIN_BUCKET_COUNT
    rows of it and its share is well above what either side's frequent-items summary could
    have cut (5x its error): the 100,000 ids each seen ten times all fall in the tail, so
    sampling noise among rare values is never read as drift.
    """
    fr, fc = ref.frequent, cur.frequent
    floor = max(5 * fr.error / fr.total if fr.total else 0.0, 5 * fc.error / fc.total if fc.total else 0.0)
    values = list(dict.fromkeys([*fr.counts, *fc.counts]))
    r = np.fromiter((fr.counts.get(v, 0) for v in values), dtype=np.float64, count=len(values))
    c = np.fromiter((fc.counts.get(v, 0) for v in values), dtype=np.float64, count=len(values))
    pooled_share = (r + c) / max(fr.total + fc.total, 1)
    keep = ((r + c) >= MIN_BUCKET_COUNT) & (pooled_share > floor)
    kept = [v for v, k in zip(values, keep, strict=True) if k]
    r_tail, c_tail = fr.total - r[keep].sum(), fc.total - c[keep].sum()
    r_out = np.append(r[keep], max(r_tail, 0.0))
    c_out = np.append(c[keep], max(c_tail, 0.0))
    return [*kept, None], r_out, c_out


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """Return BH-adjusted p-values (each compared with the false-discovery rate alpha)."""
    if not pvalues:
        return []
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


def rank_auc(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Return the AUC of scores (last axis) for labels y (1 = positive): the Mann-Whitney U over n_pos·n_neg.

    Tied scores share their mid-rank, so a tie counts half, as the ROC curve's area does
    (equal to scikit-learn's `roc_auc_score`, without its per-call checks). NaN without both
    classes.
    """
    y = np.broadcast_to(y, scores.shape).astype(bool)
    ranks = stats.rankdata(scores, axis=-1)
    pos = y.sum(axis=-1)
    neg = y.shape[-1] - pos
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * y).sum(axis=-1) - pos * (pos + 1) / 2) / (pos * neg)


def auc_interval(auc: float, n_pos: int, n_neg: int, z: float = 1.96) -> tuple[float, float]:
    """Return a 95% confidence interval of an AUC (Hanley & McNeil 1982)."""
    if n_pos == 0 or n_neg == 0:
        return 0.0, 1.0
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    half = z * math.sqrt(max(var, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)
