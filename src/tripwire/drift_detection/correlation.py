"""drift.correlation: a relation between two numeric columns weakened or changed.

A column whose values were shuffled across rows, noised or shifted on part of its rows keeps
(or barely changes) its own distribution, but it no longer goes with the columns it went with.
Rank (Spearman) correlations of every pair of numeric columns are compared between the two
profiles' row samples with a Fisher z test (Bonett-Wright variance), so nothing reads the rows
again. A pair counts when the change is at least a small effect (Cohen's q >= 0.1) and the
evidence is strong (|z| >= 5, and at least Bonferroni's bound at 0.1% over all pairs): random
halves of one data set never reach that. Changed pairs are grouped by the column most of
them share: one finding per column, naming its partners.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy import special

from tripwire.detectors.common import pct, proportion_z
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.features import not_features
from tripwire.drift_detection.multivariate import comparable_columns
from tripwire.drift_detection.spread import FAMILY_ALPHA
from tripwire.drift_detection.spread import bound as family_bound

if TYPE_CHECKING:
    from tripwire.report import Finding

#: the smallest change that counts: Cohen's q (difference of Fisher z) of a small effect
MIN_Q = 0.1
MIN_ROWS = 100
#: pairs related at least this much (normal-score correlation) are checked for rows off their relation
MIN_RELATED = 0.5
#: rows beyond this quantile of the reference's distances are 'off the relation'
TAIL_QUANTILE = 0.99
#: the batch must hold at least this many times the reference's share of them
TAIL_RATIO = 2.0
#: values off a column's most common one needed before its correlations are estimated
MIN_VARIED = 50
#: columns compared at most (the most complete numeric ones): pairs grow with its square
MAX_COLUMNS = 60
MAX_FINDINGS = 10


def _numbers(frame: pl.DataFrame, name: str) -> np.ndarray:
    """Return a column as float64 (NaN where missing or not a number)."""
    return frame[name].cast(pl.Float64, strict=False).to_numpy().astype(np.float64)


def rank_matrix(frame: pl.DataFrame, names: list[str]) -> np.ndarray:
    """Return each column's average ranks, standardised (NaN where missing or too few varied values).

    A column whose values differ from its most common one in fewer than MIN_VARIED rows is
    left out (all NaN): a correlation carried by a handful of rows is not estimated.
    """
    out = np.full((frame.height, len(names)), np.nan)
    for j, name in enumerate(names):
        x = _numbers(frame, name)
        ok = np.isfinite(x)
        if ok.sum() < MIN_ROWS:
            continue
        r, most_tied = _average_ranks(x[ok])
        if ok.sum() - most_tied < MIN_VARIED:
            continue
        out[ok, j] = (r - r.mean()) / r.std()
    return out


def _average_ranks(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Return `scipy.stats.rankdata(x)` (ties share their average rank) and the largest number of equal values.

    One sort gives both (rankdata sorts once more for its own bookkeeping, and counting the
    ties of its ranks a third time).
    """
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    start = np.flatnonzero(np.concatenate([[True], xs[1:] != xs[:-1]]))
    count = np.diff(start, append=x.size)
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(start + (count + 1) / 2.0, count)
    return ranks, int(count.max())


def pairwise_correlation(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return every pair's correlation on its complete rows, those rows' counts, and n·Var(r).

    The variance is the asymptotic one without a normality assumption (from the pair's
    fourth-order moments), so a few gross errors or heavy ties widen it instead of passing
    for a changed relation; columns are standardised once, over all their values.
    """
    m = np.isfinite(u).astype(np.float64)
    x = np.where(m > 0, u, 0.0)
    x2 = x * x
    with np.errstate(invalid="ignore", divide="ignore"):
        n = m.T @ m
        s, ss = x.T @ m, x2.T @ m  # [i, j]: sums of column i over rows where j is present too
        mean_i = s / n
        var_i = ss / n - mean_i**2
        sd = np.sqrt(var_i * var_i.T)
        r = ((x.T @ x) / n - mean_i * mean_i.T) / sd
        # standardised fourth-order moments (columns are near-centred: their means are ~0)
        m22 = (x2.T @ x2) / n / sd
        m31 = ((x2 * x).T @ x) / n / (var_i * np.sqrt(var_i * var_i.T))
        m40 = ((x2 * x2).T @ m) / n / var_i**2
        nvar = m22 * (1 + r**2 / 2) - r * (m31 + m31.T) + r**2 / 4 * (m40 + m40.T)
    ok = np.isfinite(r) & np.isfinite(nvar)
    r = np.where(ok, np.clip(r, -0.999999, 0.999999), 0.0)
    return r, np.where(ok, n, 0.0), np.where(ok, np.maximum(nvar, 0.0), np.inf)


def pair_bound(columns: int) -> float:
    """Return the |z| a pair needs among `columns` columns: MIN_Z, or Bonferroni's at FAMILY_ALPHA over two tests per pair."""
    return family_bound(columns * (columns - 1))


@dataclass(frozen=True)
class PairChange:
    """How one pair of columns moved: their rank correlations, and the share of rows off their relation."""

    i: int
    j: int
    r_ref: float
    r_cur: float
    z_corr: float  # Fisher z of the correlation's change (0 when it did not count)
    tail: tuple[float, float, float] | None  # (share_ref, share_cur, z) when rows off the relation counted

    @property
    def z(self) -> float:
        """Return the strongest evidence either test gives."""
        return max(abs(self.z_corr), self.tail[2] if self.tail else 0.0)


def changed_pairs(ref: np.ndarray, cur: np.ndarray, ref_scores: np.ndarray | None = None,
                  cur_scores: np.ndarray | None = None) -> list[PairChange]:
    """Return the pairs whose rank correlation changed, or (given normal scores) whose rows left their relation."""
    r_ref, n_ref, v_ref = pairwise_correlation(ref)
    r_cur, n_cur, v_cur = pairwise_correlation(cur)
    k = ref.shape[1]
    if k < 2:
        return []
    bound = pair_bound(k)
    z_r, z_c = np.arctanh(r_ref), np.arctanh(r_cur)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Fisher z: the larger of Bonett & Wright's (1 + r^2/2)/(n - 3) and the distribution-free variance
        def var(r: np.ndarray, n: np.ndarray, nv: np.ndarray) -> np.ndarray:
            return np.maximum((1 + r**2 / 2) / (n - 3), nv / (1 - r**2) ** 2 / n)

        z = (z_r - z_c) / np.sqrt(var(r_ref, n_ref, v_ref) + var(r_cur, n_cur, v_cur))
    enough = (n_ref >= MIN_ROWS) & (n_cur >= MIN_ROWS)
    hit = np.triu(enough & (np.abs(z_r - z_c) >= MIN_Q) & (np.abs(z) >= bound), 1)
    tails = rows_off_relation(ref_scores, cur_scores, bound) if ref_scores is not None and cur_scores is not None else {}
    keys = sorted({*zip(*map(np.ndarray.tolist, np.nonzero(hit)), strict=True), *tails})
    return [PairChange(i, j, float(r_ref[i, j]), float(r_cur[i, j]), float(z[i, j]) if hit[i, j] else 0.0,
                       tails.get((i, j))) for i, j in keys]


def normal_scores(ref: pl.DataFrame, cur: pl.DataFrame, names: list[str], keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return both sides' values as normal scores of the reference's distribution (NaN where missing).

    Each value goes through the reference column's mid-rank CDF, then the normal quantile
    function, so a pair of columns is on one scale in both batches.
    """
    out = [np.full((frame.height, len(names)), np.nan) for frame in (ref, cur)]
    for j, name in enumerate(names):
        if not keep[j]:
            continue
        base = _numbers(ref, name)
        base = np.sort(base[np.isfinite(base)])
        for side, frame in enumerate((ref, cur)):
            x = _numbers(frame, name)
            ok = np.isfinite(x)
            mid = _mid_ranks(base, x[ok])
            out[side][ok, j] = special.ndtri((mid + 0.5) / (base.size + 1))
    return out[0], out[1]


def _mid_ranks(base: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return how many of the sorted `base` lie below each x, ties counting half."""
    order = np.argsort(x, kind="stable")  # sorted keys: searchsorted walks base once, 3x faster
    xs = x[order]
    mid = np.empty(x.size)
    mid[order] = (np.searchsorted(base, xs, "left") + np.searchsorted(base, xs, "right")) / 2
    return mid


def rows_off_relation(ref: np.ndarray, cur: np.ndarray, bound: float) -> dict[tuple[int, int], tuple[float, float, float]]:
    """Return {(i, j): (share_ref, share_cur, z)} for related pairs with significantly more rows off their relation.

    For each pair whose normal scores correlate at |rho| >= MIN_RELATED in the reference,
    a row's Mahalanobis distance measures how far it lies from the relation; the rows beyond
    the reference's 99th percentile of it are counted on both sides and compared with a
    two-proportion z test. A share of rows shuffled, noised, shifted or rescaled leaves the
    relation's bulk alone but puts its rows there: 1% of the reference, several % of the batch.
    """
    out: dict[tuple[int, int], tuple[float, float, float]] = {}
    rhos = pairwise_correlation(ref)[0]  # every pair at once; only related pairs are looked at row by row
    related = np.triu((np.abs(rhos) >= MIN_RELATED) & (np.abs(rhos) <= 0.9999), 1)
    for i, j in zip(*np.nonzero(related), strict=True):
        a = ref[:, [i, j]]
        a = a[np.isfinite(a).all(axis=1)]
        b = cur[:, [i, j]]
        b = b[np.isfinite(b).all(axis=1)]
        if min(len(a), len(b)) < MIN_ROWS:
            continue
        rho = float(rhos[i, j])
        dr, dc = _mahalanobis(a, rho), _mahalanobis(b, rho)
        t = float(np.quantile(dr, TAIL_QUANTILE))
        x_r, x_c = int((dr > t).sum()), int((dc > t).sum())
        if x_c == 0 or x_c / len(b) < TAIL_RATIO * x_r / len(a):
            continue
        z = proportion_z(x_c, len(b), x_r, len(a))
        if z >= bound:
            out[(i, j)] = (x_r / len(a), x_c / len(b), z)
    return out


def _mahalanobis(m: np.ndarray, rho: float) -> np.ndarray:
    """Return each row's squared distance from two standard normal scores' relation of correlation rho."""
    return (m[:, 0] ** 2 - 2 * rho * m[:, 0] * m[:, 1] + m[:, 1] ** 2) / (1 - rho * rho)


def group_by_column(pairs: list[PairChange]) -> list[tuple[int, list[tuple[int, PairChange]]]]:
    """Return (column, [(partner, change), ...]) groups, the column shared by most pairs first."""
    left = list(pairs)
    groups = []
    while left:
        count: dict[int, float] = {}
        for p in left:
            for c in (p.i, p.j):
                count[c] = count.get(c, 0.0) + 1 + p.z * 1e-6  # ties: the stronger evidence
        col = max(count, key=lambda c: (count[c], -c))
        mine = [(p.j if p.i == col else p.i, p) for p in left if col in (p.i, p.j)]
        groups.append((col, sorted(mine, key=lambda m: -m[1].z)))
        left = [p for p in left if col not in (p.i, p.j)]
    return groups


@register
class CorrelationDrift(Detector):
    """Report numeric columns whose rank correlation with another column changed beyond noise."""

    name, family = "drift.correlation", "drift"
    codes = ("drift.correlation",)
    requires = frozenset({"profile", "reference", "sample"})
    background = True  # numpy on the row samples: beside the row pass

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        assert ctx.reference is not None
        config = DriftConfig.from_options(ctx.options)
        exclude = not_features(ctx)
        kinds = comparable_columns(ctx.reference, ctx.profile, config, exclude)
        names = [n for n, how in kinds.items() if how == "numeric"]
        if len(names) < 2:
            return
        names = sorted(names, key=lambda n: -ctx.profile[n].numbers.n)[:MAX_COLUMNS]
        ref, cur = ctx.reference.sample_frame(), ctx.profile.sample_frame()
        if ref is None or cur is None or min(ref.height, cur.height) < MIN_ROWS:
            return
        ranks_ref, ranks_cur = rank_matrix(ref, names), rank_matrix(cur, names)
        keep = np.isfinite(ranks_ref).any(axis=0) & np.isfinite(ranks_cur).any(axis=0)
        scores_ref, scores_cur = normal_scores(ref, cur, names, keep)
        groups = group_by_column(changed_pairs(ranks_ref, ranks_cur, scores_ref, scores_cur))
        for col, partners in groups[:MAX_FINDINGS]:
            yield self._finding(names, col, partners, ref.height, cur.height)

    def _finding(self, names: list[str], col: int, partners: list[tuple[int, PairChange]],
                 n_ref: int, n_cur: int) -> Finding:
        def said(p: PairChange) -> str:
            if p.z_corr:
                return f"rank correlation {p.r_ref:.2f} → {p.r_cur:.2f}"
            assert p.tail is not None
            return f"rows off their relation {pct(p.tail[0])} → {pct(p.tail[1])}"

        shown = "; ".join(f"with {names[k]} {said(p)}" for k, p in partners[:3])
        more = f" and {len(partners) - 3} more" if len(partners) > 3 else ""
        weaker = all(abs(p.r_cur) < abs(p.r_ref) for _, p in partners)
        how = ("weakened: values re-assigned across rows, noise, a shift or a rescale on part of the rows"
               if weaker else "changed")
        title = f"{names[col]}: {shown}{more} — its relation to other columns {how}"
        if len(partners) == 1:  # one pair: nothing says which of the two moved
            k, p = partners[0]
            how = how.replace("weakened:", "weakened (either column):")
            title = f"{names[col]} and {names[k]}: {said(p)} — their relation {how}"
        evidence = {
            "partners": {names[k]: {"spearman": [round(p.r_ref, 4), round(p.r_cur, 4)],
                                    "correlation_z": round(p.z_corr, 2),
                                    "cohen_q": round(abs(math.atanh(p.r_ref) - math.atanh(p.r_cur)), 4),
                                    **({"rows_off_relation": [round(p.tail[0], 4), round(p.tail[1], 4)],
                                        "rows_off_relation_z": round(p.tail[2], 2)} if p.tail else {})}
                         for k, p in partners[:10]},
            "changed_pairs": len(partners),
            "max_z": round(max(p.z for _, p in partners), 2),
            "thresholds": {"cohen_q": MIN_Q, "z": round(pair_bound(len(names)), 2), "family_alpha": FAMILY_ALPHA,
                           "related": MIN_RELATED, "off_relation_quantile": TAIL_QUANTILE,
                           "off_relation_ratio": TAIL_RATIO},
            "rows_per_side": [n_ref, n_cur],
        }
        columns = [names[col], *(names[k] for k, _ in partners[:5])]
        return self.finding("drift.correlation", "warning", columns, title, evidence)
