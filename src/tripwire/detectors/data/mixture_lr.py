"""A likelihood-ratio test for a converted share: is the current sample a mixture
(1 - w) F_ref + w F_ref∘g⁻¹ of the reference and the reference mapped by g (a unit conversion)?

Both samples are binned on pooled quantiles of a coordinate t (log values, or model residuals);
the null "one distribution" and the mixture are fitted jointly to both samples by maximum
likelihood (EM over the bin probabilities and w, every candidate map at once), so sampling
noise of the reference is part of the model rather than a source of false alarms. Under the
null, 2·(log L1 − log L0) follows ½χ²₀ + ½χ²₁; `lr_bound` gives the Bonferroni bound over all
(column, map) tests of a scan. A mixture is kept only when it also explains the whole
difference between the samples (the deviance it leaves is within noise): a batch that drifted
in another way is drift's to report, not a unit error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: points per bin pushed through a map (mass spread uniformly in t within a bin)
SUB_POINTS = 16
#: expected values per bin (pooled), and the range of the number of quantile bins (before
#: wide ones are split)
PER_BIN, MIN_BINS, MAX_BINS = 30, 20, 80
#: SQUAREM cycles at most (three EM steps each), and the change of every share that ends them
CYCLES, TOLERANCE = 200, 1e-8
MAX_SHARE = 0.5
#: the deviance left by the mixture must be within noise at this level
FIT_ALPHA = 0.001

Map = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MixtureFit:
    """Per-map likelihood ratios and shares; the bins, and where converted values are likely."""

    lr: np.ndarray  # per map: 2·(log L1 − log L0)
    share: np.ndarray  # per map: fitted w
    fits: np.ndarray  # per map: the mixture leaves no significant deviance
    edges: np.ndarray  # bin edges in t
    posterior: np.ndarray  # per map × bin: P(converted | value in bin)
    #: per map, the range converted reference values span (a bin straddling a gap lists no
    #: honest values beyond it)
    support: np.ndarray
    counts: tuple[np.ndarray, np.ndarray]  # the current and the reference sample per bin

    def best(self) -> int:
        """Return the map with the largest likelihood ratio among those that fit."""
        lr = np.where(self.fits, self.lr, -np.inf)
        return int(np.argmax(lr))

    def intervals(self, k: int, posterior: float) -> list[tuple[float, float]]:
        """Return the t ranges where a current value is a converted one with chance ≥ posterior.

        Runs of bins where the model says so, kept when the run's current values also exceed
        the reference's rate by as much (one reference value more than seen: the model spreads
        a converted bin's mass evenly, which atoms of honest values do not follow), clipped to
        the range converted reference values span.
        """
        runs: list[list[int]] = []
        for i in np.flatnonzero(self.posterior[k] >= posterior):
            if runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
        s_lo, s_hi = (float(v) for v in self.support[k])
        n, m = self.counts[0].sum(), self.counts[1].sum()
        out = []
        for i, j in runs:
            c, r = self.counts[0][i:j].sum(), self.counts[1][i:j].sum()
            lo, hi = max(float(self.edges[i]), s_lo), min(float(self.edges[j]), s_hi)
            if c > 0 and 1.0 - ((r + 1.0) / m) / (c / n) >= posterior and lo <= hi:
                out.append((lo, hi))
        return out


def lr_bound(tests: int, alpha: float) -> float:
    """Return the likelihood ratio that ½χ²₀ + ½χ²₁ exceeds with chance alpha / tests."""
    return float(stats.chi2.isf(2.0 * alpha / max(tests, 1), 1))


def _transfer(edges: np.ndarray, maps: Sequence[Map]) -> np.ndarray:
    """Return, per map, the matrix of where each bin's mass lands (bins, then below, above)."""
    b = edges.size - 1
    frac = (np.arange(SUB_POINTS) + 0.5) / SUB_POINTS
    points = edges[:-1, None] + frac[None, :] * np.diff(edges)[:, None]
    images = []
    for g in maps:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            # a map may return several images per point (B, SUB, ...): a random one, e.g. noise
            images.append(np.asarray(g(points), dtype=np.float64).reshape(b, -1))
    out = np.zeros((len(maps), b + 2, b))
    for per in sorted({y.shape[1] for y in images}):  # maps with as many images binned at once
        ks = [k for k, y in enumerate(images) if y.shape[1] == per]
        y = np.stack([images[k] for k in ks]).reshape(len(ks), b * per)
        idx = np.searchsorted(edges, y, side="right") - 1
        idx = np.where(y == edges[-1], b - 1, idx)
        tgt = np.where(~np.isfinite(y) | (idx < 0), b, np.where(idx >= b, b + 1, idx))
        cell = (np.arange(len(ks))[:, None] * (b + 2) + tgt) * b + np.repeat(np.arange(b), per)[None, :]
        # the sums np.add.at would make, in the same order, without its per-element dispatch
        mass = np.bincount(cell.ravel(), np.full(cell.size, 1.0 / per), len(ks) * (b + 2) * b)
        out[ks] = mass.reshape(len(ks), b + 2, b)
    return out


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(y > 0, y, 1.0)), 0.0)


def fit_mixture(cur: np.ndarray, ref: np.ndarray, maps: Sequence[Map]) -> MixtureFit | None:
    """Fit the null and the mixture for every map; None when the samples are too small."""
    if cur.size < 50 or ref.size < 50 or not maps:
        return None
    pooled = np.sort(np.concatenate([cur, ref]))  # sorted once, its quantiles are cheap
    bins = int(np.clip(pooled.size // PER_BIN, MIN_BINS, MAX_BINS))
    edges = np.unique(np.quantile(pooled, np.linspace(0.0, 1.0, bins + 1)))
    if edges.size < 6:
        return None
    edges = _split_wide(edges, pooled)
    b = edges.size - 1

    def hist(t: np.ndarray) -> np.ndarray:
        # bin i holds edges[i] <= t < edges[i + 1], the first and last bins all beyond them
        # (NaN last): counted by searching the edges in the sorted values
        below = np.searchsorted(np.sort(t), edges[1:-1], side="left")
        return np.diff(below, prepend=0, append=t.size).astype(np.float64)

    c, r = hist(cur), hist(ref)
    n, m = c.sum(), r.sum()
    move = _transfer(edges, maps)
    k = len(maps)
    p0 = (r + c) / (n + m)
    ll0 = float(_xlogy(r + c, p0).sum())
    cc = np.concatenate([c, [0.0, 0.0]])
    # the score at w = 0: a map whose converted copy lands where the current sample is thinner
    # than the pooled one cannot raise the likelihood; its ratio is 0 without fitting
    landed = move[:, :b, :] @ p0
    score = (c[None, :] * np.where(p0 > 0, landed / np.where(p0 > 0, p0, 1.0), 0.0)).sum(axis=1) - n
    live = np.flatnonzero(score > 0)
    p = np.repeat(p0[None, :], k, axis=0)
    w = np.zeros(k)
    if live.size:
        p[live], w[live] = _em(r, cc, move[live], n, m)
    q = _mixture(p, w, move)
    ll1 = _xlogy(r[None, :], p).sum(axis=1) + _xlogy(cc[None, :], q).sum(axis=1)
    lr = np.maximum(2.0 * (ll1 - ll0), 0.0)
    # the saturated two-sample model: what any difference between the samples could explain
    sat = float(_xlogy(r, r / m).sum() + _xlogy(c, c / n).sum())
    left = 2.0 * (sat - ll1)
    fits = left <= _fit_bound(max(b - 2, 1))
    conv = w[:, None] * (move @ p[:, :, None])[:, :b, 0]
    posterior = np.where(q[:, :b] > 0, conv / np.where(q[:, :b] > 0, q[:, :b], 1.0), 0.0)
    support = np.zeros((k, 2))
    ends = np.array([ref.min(), ref.max()])
    for i, g in enumerate(maps):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            y = np.asarray(g(ends), dtype=np.float64).ravel()
        y = y[np.isfinite(y)]
        support[i] = (y.min(), y.max()) if y.size else (np.inf, -np.inf)
    return MixtureFit(lr, w, fits, edges, posterior, support, (c, r))


@functools.cache
def _fit_bound(df: int) -> float:
    """Return the deviance a fitting mixture may leave with `df` degrees of freedom."""
    return float(stats.chi2.isf(FIT_ALPHA, df))


def _em(r: np.ndarray, cc: np.ndarray, move: np.ndarray, n: float, m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the bin probabilities and shares maximising the joint likelihood, per map.

    EM accelerated by SQUAREM (Varadhan & Roland 2008): two EM steps give a direction, the
    parameters are extrapolated along it by the step length the two steps suggest, and one EM
    step from there makes the cycle's result, kept only when it is at least as likely as the
    two plain steps (each map on its own). Plain EM crawls when a share is small: after 400
    steps shares were up to 0.9 points from the maximum and likelihood ratios 0.1 short; a
    few dozen steps here land within 1e-5 of it.
    """
    b = r.size
    k = move.shape[0]
    p = np.repeat(((r + cc[:b]) / (n + m))[None, :], k, axis=0)
    w = np.full(k, 0.05)
    back = np.ascontiguousarray(move.transpose(0, 2, 1))
    ratio = np.zeros((k, b + 2))

    def step(p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # `_mixture` and the update written out, each product made once (a step is a few dozen
        # tiny array operations: their count is its cost)
        wc = w[:, None]
        stay = (1.0 - w)[:, None] * p
        q = wc * (move @ p[:, :, None])[:, :, 0]
        q[:, :b] += stay
        ratio.fill(0.0)
        np.divide(cc, q, out=ratio, where=q > 0)
        stay *= ratio[:, :b]
        moved = wc * p
        moved *= (back @ ratio[:, :, None])[:, :, 0]
        w_new = np.minimum(moved.sum(axis=1) / n, MAX_SHARE)
        stay += r
        stay += moved
        stay /= n + m
        return stay, w_new

    def loglik(p: np.ndarray, w: np.ndarray) -> np.ndarray:
        return _xlogy(r[None, :], p).sum(axis=1) + _xlogy(cc[None, :], _mixture(p, w, move)).sum(axis=1)

    for _ in range(CYCLES):
        p1, w1 = step(p, w)
        p2, w2 = step(p1, w1)
        dp, dw = p1 - p, w1 - w
        cp, cw = p2 - p1 - dp, w2 - w1 - dw  # the change of the change
        size = np.sqrt((dp * dp).sum(axis=1) + dw * dw)
        curve = np.sqrt((cp * cp).sum(axis=1) + cw * cw)
        # the step length (-1 is the two plain steps); never shorter than them
        alpha = np.minimum(-size / np.where(curve > 0, curve, np.inf), -1.0)
        pe = p - (2.0 * alpha)[:, None] * dp + (alpha * alpha)[:, None] * cp
        we = w - 2.0 * alpha * dw + alpha * alpha * cw
        outside = (pe < 0).any(axis=1) | (we < 0) | (we > MAX_SHARE)
        pe[outside], we[outside] = p2[outside], w2[outside]
        p3, w3 = step(pe, we)
        worse = loglik(p3, w3) < loglik(p2, w2)
        p3[worse], w3[worse] = p2[worse], w2[worse]
        done = np.abs(w3 - w).max() < TOLERANCE
        p, w = p3, w3
        if done:
            break
    return p, w


def _split_wide(edges: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """Return the edges with bins wider than a quarter of the interquartile range (or a 60th of
    the range) split evenly: quantile bins are widest in a sparse tail, where converted values
    land and where a map is told from another."""
    q1, q3 = np.quantile(pooled, [0.25, 0.75])
    width = max((q3 - q1) / 4.0, (edges[-1] - edges[0]) / 60.0)
    if not width > 0:
        return edges
    parts = np.maximum(np.ceil(np.diff(edges) / width).astype(int), 1)
    if (parts == 1).all():
        return edges
    step = np.diff(edges) / parts
    if (step == 0).any():  # subnormal widths: np.linspace's own path for them
        out = [np.linspace(lo, hi, k + 1)[:-1] for lo, hi, k in zip(edges[:-1], edges[1:], parts, strict=True)]
        return np.concatenate([*out, edges[-1:]])
    # np.linspace(lo, hi, k + 1)[:-1] of every bin at once, in its arithmetic: j * step + lo
    j = (np.arange(parts.sum()) - np.repeat(np.cumsum(parts) - parts, parts)).astype(np.float64)
    y = j * np.repeat(step, parts)
    y += np.repeat(edges[:-1], parts)
    return np.concatenate([y, edges[-1:]])


def _mixture(p: np.ndarray, w: np.ndarray, move: np.ndarray) -> np.ndarray:
    """Return the current sample's bin probabilities (bins, below, above) under each map."""
    out = w[:, None] * (move @ p[:, :, None])[:, :, 0]
    out[:, : p.shape[1]] += (1.0 - w)[:, None] * p
    return out
