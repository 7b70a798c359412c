"""Weak slices: where the model is significantly worse than overall, in words.

Every feature is cut into slices (numbers into quantile bins, text into its values with
enough rows, missing values as a slice of their own); pairs of features cross their slices.
Each slice's mean loss (error indicator, or absolute error) is tested one-sided against the
rest of the rows (a pair against the rest of each parent slice, so a pair is kept only when
it is worse than what its worse parent explains); the Benjamini–Hochberg procedure holds the
false-discovery rate; survivors are ranked by impact, rows × gap. All counts come from
`np.bincount` over integer slice codes: a pair is one bincount of the combined codes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

from tripwire.evaluation.bootstrap import Bootstrap
from tripwire.intervals import wilson

#: numeric columns are cut into this many quantile bins
BINS = 5
#: text columns with more distinct values than this are not sliced (identifiers, free text)
MAX_VALUES = 50


@dataclass(frozen=True)
class Feature:
    """One feature cut into slices: an integer code per row and the words of each code."""

    name: str
    codes: np.ndarray
    words: tuple[str | None, ...]  # None: a code never reported ("other" values)


@dataclass(frozen=True)
class Slice:
    """One significantly weak slice."""

    where: str
    columns: tuple[str, ...]
    rows: int
    value: float
    ci: tuple[float, float]
    p_value: float
    #: (feature index, slice code) of each feature that defines it
    parts: tuple[tuple[int, int], ...] = ()
    #: the first rows of the slice (row indices from 0)
    first_rows: tuple[int, ...] = ()

    def impact(self, overall: float) -> float:
        """Return rows × gap."""
        return self.rows * (self.value - overall)


def _quote(v: Any) -> str:
    return f"'{v}'" if isinstance(v, str) else f"{v:,.4g}" if isinstance(v, float) else str(v)


def cut(df: pl.DataFrame, name: str, min_rows: int) -> Feature | None:
    """Return the feature's slices, or None when it cannot be sliced usefully."""
    s = df[name]
    many = s.head(10_000).n_unique() > BINS * 2 or s.n_unique() > BINS * 2  # the head usually settles it
    if s.dtype.is_numeric() and s.dtype != pl.Boolean and many:
        v = s.cast(pl.Float64).fill_nan(None)
        known = v.drop_nulls().to_numpy()
        if known.size == 0:
            return None
        step = max(1, known.size // 200_000)  # edges from an evenly spaced subsample: bins need not be exact
        edges = np.unique(np.quantile(known[::step], np.linspace(0, 1, BINS + 1)[1:-1]))
        codes = np.searchsorted(edges, v.fill_null(np.nan).to_numpy(), side="right")
        codes[v.is_null().to_numpy()] = edges.size + 1
        words = [f"{name} < {_quote(float(edges[0]))}"]
        words += [f"{_quote(float(a))} ≤ {name} < {_quote(float(b))}" for a, b in pairwise(edges)]
        words += [f"{name} ≥ {_quote(float(edges[-1]))}", f"{name} is missing"]
        return Feature(name, codes.astype(np.int32), tuple(words))
    text = s.cast(pl.String) if s.dtype != pl.String else s
    values = text.drop_nulls().unique().sort()
    if values.len() < 2 or values.len() > MAX_VALUES:
        return None
    # an Enum over the sorted values gives each row its value's index without a join
    physical = text.cast(pl.Enum(values.to_list())).to_physical()
    index = physical.fill_null(values.len()).to_numpy().astype(np.int32)
    counts = np.bincount(index, minlength=values.len() + 1)[: values.len()]
    kept_at = np.flatnonzero(counts >= min_rows)
    kept = [values[int(i)] for i in kept_at]
    remap = np.full(values.len() + 1, len(kept), dtype=np.int32)  # "other" values
    remap[kept_at] = np.arange(len(kept), dtype=np.int32)
    remap[values.len()] = len(kept) + 1  # missing
    codes = remap[index]
    original = s.drop_nulls().unique().to_list() if s.dtype != pl.String else None
    shown = kept if original is None else [next((o for o in original if str(o) == k), k) for k in kept]
    return Feature(name, codes.astype(np.int32), tuple([f"{name} = {_quote(v)}" for v in shown] + [None,
                                                                                                    f"{name} is missing"]))


def _sums(codes: np.ndarray, k: int, loss: np.ndarray, sq: np.ndarray,
          hits: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Return the sum and the sum of squares of the loss per code (equal for 0/1 losses)."""
    if hits is not None:
        sm = np.bincount(codes[hits], minlength=k).astype(float)
        return sm, sm
    return np.bincount(codes, weights=loss, minlength=k), np.bincount(codes, weights=sq, minlength=k)


def _tests(n_s: np.ndarray, sum_s: np.ndarray, sq_s: np.ndarray, n_r: np.ndarray, sum_r: np.ndarray,
           sq_r: np.ndarray, proportion: bool) -> np.ndarray:
    """Return one-sided p-values that the slice's mean loss exceeds the rest's (z / Welch tests)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        m_s, m_r = sum_s / n_s, sum_r / n_r
        if proportion:
            pooled = (sum_s + sum_r) / (n_s + n_r)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n_s + 1 / n_r))
        else:
            v_s = np.maximum(sq_s / n_s - m_s**2, 0) * n_s / np.maximum(n_s - 1, 1)
            v_r = np.maximum(sq_r / n_r - m_r**2, 0) * n_r / np.maximum(n_r - 1, 1)
            se = np.sqrt(v_s / n_s + v_r / n_r)
        z = (m_s - m_r) / se
    p = 1 - ndtr(z)
    return np.where(np.isfinite(p), p, 1.0)


def interval(n: int, total: float, sq: float, proportion: bool, level: float) -> tuple[float, float]:
    """Return a Wilson interval for a proportion, or a normal interval for a mean."""
    z = float(ndtri(0.5 + level / 2))
    m = total / n
    if proportion:
        return wilson(total, n, z)
    sd = np.sqrt(max(sq / n - m * m, 0) * n / max(n - 1, 1))
    return float(m - z * sd / np.sqrt(n)), float(m + z * sd / np.sqrt(n))


def benjamini_hochberg(p: np.ndarray, q: float) -> np.ndarray:
    """Return which hypotheses are rejected at false-discovery rate q."""
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p, kind="stable")
    passed = p[order] <= q * np.arange(1, m + 1) / m
    k = np.flatnonzero(passed).max() + 1 if passed.any() else 0
    out = np.zeros(m, dtype=bool)
    out[order[:k]] = True
    return out


def weak_slices(df: pl.DataFrame, loss: np.ndarray, metric: str, *, proportion: bool, min_rows: int | None = None,
                q: float = 0.05, min_relative_gap: float = 0.1, top: int = 5,
                boot: Bootstrap | None = None) -> tuple[list[Slice], float]:
    """Return the weak slices, worst impact first, and the overall mean loss.

    `loss` is per row (1/0 errors when `proportion`, else absolute errors). A slice needs
    `min_rows` rows (default max(30, 0.5% of rows)) and a mean at least `min_relative_gap`
    above overall to be reported.
    """
    n = len(loss)
    level = (boot or Bootstrap()).level
    if n == 0:
        return [], float("nan")
    min_rows = min_rows or max(30, int(np.ceil(0.005 * n)))
    loss = loss.astype(float)
    sq = loss * loss
    total, total_sq = float(loss.sum()), float(sq.sum())
    overall = total / n
    feats = [f for f in (cut(df, c, min_rows) for c in df.columns) if f is not None]
    # 0/1 losses: sums are counts of the failing rows, a bincount over a tenth of the rows
    hits = np.flatnonzero(loss) if proportion else None
    cand: list[tuple[np.ndarray, ...]] = []  # n, sum, sq, p, feature a, code a, feature b, code b
    singles = []
    for i, f in enumerate(feats):
        k = len(f.words)
        cnt = np.bincount(f.codes, minlength=k)
        sm, sqs = _sums(f.codes, k, loss, sq, hits)
        singles.append((cnt, sm, sqs))
        p = _tests(cnt, sm, sqs, n - cnt, total - sm, total_sq - sqs, proportion)
        codes = np.arange(k)
        ok = (cnt >= min_rows) & np.array([w is not None for w in f.words])
        cand.append((cnt[ok], sm[ok], sqs[ok], p[ok], np.full(ok.sum(), i), codes[ok], np.full(ok.sum(), -1),
                     np.full(ok.sum(), -1)))
    for i, j in combinations(range(len(feats)), 2):
        fa, fb = feats[i], feats[j]
        ka, kb = len(fa.words), len(fb.words)
        combo = fa.codes * np.int32(kb) + fb.codes
        cnt = np.bincount(combo, minlength=ka * kb)
        ok = cnt >= min_rows
        if not ok.any():
            continue
        sm, sqs = _sums(combo, ka * kb, loss, sq, hits)
        ca, cb = np.divmod(np.arange(ka * kb), kb)
        worded = np.array([fa.words[a] is not None and fb.words[b] is not None for a, b in zip(ca, cb, strict=True)])
        ok &= worded
        pa = [_tests(cnt, sm, sqs, singles[x][0][c] - cnt, singles[x][1][c] - sm, singles[x][2][c] - sqs, proportion)
              for x, c in ((i, ca), (j, cb))]
        p = np.maximum(pa[0], pa[1])
        cand.append((cnt[ok], sm[ok], sqs[ok], p[ok], np.full(ok.sum(), i), ca[ok], np.full(ok.sum(), j), cb[ok]))
    if not cand:
        return [], overall
    cnt, sm, sqs, p, fa_, ca_, fb_, cb_ = (np.concatenate(parts) for parts in zip(*cand, strict=True))
    mean = sm / cnt
    keep = benjamini_hochberg(p, q) & (mean >= overall * (1 + min_relative_gap)) & (mean > overall)
    keep &= ~_explained_singles(keep, fb_, fa_, ca_, cb_, cnt, sm, sqs, n, total, total_sq, overall,
                                min_relative_gap, proportion, q)
    found = []
    for idx in np.flatnonzero(keep):
        parts = [(int(fa_[idx]), int(ca_[idx]))] + ([(int(fb_[idx]), int(cb_[idx]))] if fb_[idx] >= 0 else [])
        where = " and ".join(str(feats[f].words[c]) for f, c in parts)
        found.append(Slice(where, tuple(feats[f].name for f, _ in parts), int(cnt[idx]), float(mean[idx]),
                           interval(int(cnt[idx]), float(sm[idx]), float(sqs[idx]), proportion, level),
                           float(p[idx]), tuple(parts)))
    found.sort(key=lambda s: (-s.impact(overall), s.where))
    return [_with_rows(s, feats) for s in found[:top]], overall


def _explained_singles(keep: np.ndarray, fb: np.ndarray, fa: np.ndarray, ca: np.ndarray, cb: np.ndarray,
                       cnt: np.ndarray, sm: np.ndarray, sqs: np.ndarray, n: int, total: float, total_sq: float,
                       overall: float, min_relative_gap: float, proportion: bool, q: float) -> np.ndarray:
    """Mark kept one-feature slices whose weakness a kept pair inside them explains.

    A single slice is explained when, without the rows of one of its weak pairs, what is
    left of it is no longer significantly (or materially) worse than the rows outside it.
    """
    out = np.zeros(keep.size, dtype=bool)
    singles = {(int(fa[i]), int(ca[i])): i for i in np.flatnonzero(keep & (fb < 0))}
    for j in np.flatnonzero(keep & (fb >= 0)):
        for parent in ((int(fa[j]), int(ca[j])), (int(fb[j]), int(cb[j]))):
            i = singles.get(parent)
            if i is None or out[i]:
                continue
            n_left, s_left, q_left = cnt[i] - cnt[j], sm[i] - sm[j], sqs[i] - sqs[j]
            if n_left <= 0:
                out[i] = True
                continue
            p = _tests(np.array([n_left]), np.array([s_left]), np.array([q_left]), np.array([n - cnt[i]]),
                       np.array([total - sm[i]]), np.array([total_sq - sqs[i]]), proportion)[0]
            out[i] = p > q or s_left / n_left < overall * (1 + min_relative_gap)
    return out


def _with_rows(s: Slice, feats: list[Feature]) -> Slice:
    mask = np.ones(len(feats[0].codes), dtype=bool)
    for f, code in s.parts:
        mask &= feats[f].codes == code
    return replace(s, first_rows=tuple(int(r) for r in np.flatnonzero(mask)[:100]))
