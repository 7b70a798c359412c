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
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy import special
from scipy.stats import rankdata

from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.multivariate import comparable_columns

if TYPE_CHECKING:
    from tripwire.report import Finding

#: the smallest change that counts: Cohen's q (difference of Fisher z) of a small effect
MIN_Q = 0.1
#: the least evidence a changed pair needs, whatever the number of pairs
MIN_Z = 5.0
#: family-wise false-alarm rate over all pairs (Bonferroni), when it asks more than MIN_Z
FAMILY_ALPHA = 1e-3
MIN_ROWS = 100
#: values off a column's most common one needed before its correlations are estimated
MIN_VARIED = 50
#: columns compared at most (the most complete numeric ones): pairs grow with its square
MAX_COLUMNS = 60
MAX_FINDINGS = 10


def rank_matrix(frame: pl.DataFrame, names: list[str]) -> np.ndarray:
    """Return each column's average ranks, standardised (NaN where missing or too few varied values).

    A column whose values differ from its most common one in fewer than MIN_VARIED rows is
    left out (all NaN): a correlation carried by a handful of rows is not estimated.
    """
    out = np.full((frame.height, len(names)), np.nan)
    for j, name in enumerate(names):
        x = frame[name].cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
        ok = np.isfinite(x)
        if ok.sum() < MIN_ROWS:
            continue
        r = rankdata(x[ok])
        _, counts = np.unique(r, return_counts=True)
        if ok.sum() - counts.max() < MIN_VARIED:
            continue
        out[ok, j] = (r - r.mean()) / r.std()
    return out


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


def changed_pairs(ref: np.ndarray, cur: np.ndarray) -> list[tuple[int, int, float, float, float]]:
    """Return (i, j, r_ref, r_cur, z) for pairs whose rank correlation changed beyond noise."""
    r_ref, n_ref, v_ref = pairwise_correlation(ref)
    r_cur, n_cur, v_cur = pairwise_correlation(cur)
    k = ref.shape[1]
    pairs = k * (k - 1) // 2
    if pairs == 0:
        return []
    bound = max(MIN_Z, float(-special.ndtri(FAMILY_ALPHA / (2 * pairs))))
    z_r, z_c = np.arctanh(r_ref), np.arctanh(r_cur)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Fisher z: the larger of Bonett & Wright's (1 + r^2/2)/(n - 3) and the distribution-free variance
        def var(r: np.ndarray, n: np.ndarray, nv: np.ndarray) -> np.ndarray:
            return np.maximum((1 + r**2 / 2) / (n - 3), nv / (1 - r**2) ** 2 / n)

        z = (z_r - z_c) / np.sqrt(var(r_ref, n_ref, v_ref) + var(r_cur, n_cur, v_cur))
    enough = (n_ref >= MIN_ROWS) & (n_cur >= MIN_ROWS)
    hit = np.triu(enough & (np.abs(z_r - z_c) >= MIN_Q) & (np.abs(z) >= bound), 1)
    return [(int(i), int(j), float(r_ref[i, j]), float(r_cur[i, j]), float(z[i, j]))
            for i, j in zip(*np.nonzero(hit), strict=True)]


def group_by_column(pairs: list[tuple[int, int, float, float, float]]) -> list[tuple[int, list[tuple[int, float, float, float]]]]:
    """Return (column, [(partner, r_ref, r_cur, z), ...]) groups, the column shared by most pairs first."""
    left = list(pairs)
    groups = []
    while left:
        count: dict[int, float] = {}
        for i, j, _, _, z in left:
            for c in (i, j):
                count[c] = count.get(c, 0.0) + 1 + abs(z) * 1e-6  # ties: the stronger evidence
        col = max(count, key=lambda c: (count[c], -c))
        mine = [(j if i == col else i, a, b, z) for i, j, a, b, z in left if col in (i, j)]
        groups.append((col, sorted(mine, key=lambda p: -abs(p[3]))))
        left = [p for p in left if col not in (p[0], p[1])]
    return groups


@register
class CorrelationDrift(Detector):
    """Report numeric columns whose rank correlation with another column changed beyond noise."""

    name, family = "drift.correlation", "drift"
    codes = ("drift.correlation",)
    requires = frozenset({"profile", "reference", "sample"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        assert ctx.reference is not None
        config = DriftConfig.from_options(ctx.options)
        exclude = {c for c in (ctx.label, ctx.prediction, ctx.options.get("time_column")) if c}
        kinds = comparable_columns(ctx.reference, ctx.profile, config, exclude)
        names = [n for n, how in kinds.items() if how == "numeric"]
        if len(names) < 2:
            return
        names = sorted(names, key=lambda n: -ctx.profile[n].numbers.n)[:MAX_COLUMNS]
        ref, cur = ctx.reference.sample_frame(), ctx.profile.sample_frame()
        if ref is None or cur is None or min(ref.height, cur.height) < MIN_ROWS:
            return
        groups = group_by_column(changed_pairs(rank_matrix(ref, names), rank_matrix(cur, names)))
        for col, partners in groups[:MAX_FINDINGS]:
            yield self._finding(names, col, partners, ref.height, cur.height)

    def _finding(self, names: list[str], col: int, partners: list[tuple[int, float, float, float]],
                 n_ref: int, n_cur: int) -> Finding:
        shown = "; ".join(f"with {names[p]} {a:.2f} → {b:.2f}" for p, a, b, _ in partners[:3])
        more = f" and {len(partners) - 3} more" if len(partners) > 3 else ""
        weaker = sum(abs(b) < abs(a) for _, a, b, _ in partners)
        how = ("weakened: values re-assigned across rows, noise or a shift on part of the rows"
               if weaker == len(partners) else "changed")
        title = f"{names[col]}: rank correlation {shown}{more} — its relation to other columns {how}"
        if len(partners) == 1:  # one pair: nothing says which of the two moved
            p, a, b, _ = partners[0]
            how = how.replace("weakened:", "weakened (either column):")
            title = f"{names[col]} and {names[p]}: rank correlation {a:.2f} → {b:.2f} — their relation {how}"
        z_max = max(abs(z) for *_, z in partners)
        evidence = {
            "partners": {names[p]: {"spearman": [round(a, 4), round(b, 4)], "z": round(z, 2),
                                    "cohen_q": round(abs(math.atanh(a) - math.atanh(b)), 4)}
                         for p, a, b, z in partners[:10]},
            "changed_pairs": len(partners),
            "max_abs_z": round(z_max, 2),
            "thresholds": {"cohen_q": MIN_Q, "z": MIN_Z, "family_alpha": FAMILY_ALPHA},
            "rows_per_side": [n_ref, n_cur],
        }
        columns = [names[col], *(names[p] for p, *_ in partners[:5])]
        return self.finding("drift.correlation", "warning", columns, title, evidence)
