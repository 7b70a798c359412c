"""Statistics of a column's finite numeric values: extremes, moments, quantiles, signs."""

from __future__ import annotations

from typing import Any

import numpy as np

from tripwire.profiling.stats.moments import Moments
from tripwire.profiling.stats.quantiles import QuantileSketch

#: magnitude histogram: quarter-decade bins of |x| from 1e-12 to 1e12 (ends clipped), per sign
MAG_LOW, MAG_HIGH, MAG_PER_DECADE = -12, 12, 4
MAG_BINS = (MAG_HIGH - MAG_LOW) * MAG_PER_DECADE


def magnitude_counts(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Count non-zero values per (sign, quarter-decade of |x|): shape (2, MAG_BINS), exact.

    Sorted input (a column's distinct values) is counted by searching the bins' first values,
    which gives the same counts as the logarithms without one per value.
    """
    out = np.zeros((2, MAG_BINS), dtype=np.int64)
    nz = values != 0
    if not nz.any():
        return out
    if values.size > 1 and bool((values[1:] >= values[:-1]).all()):
        return _sorted_magnitude_counts(values, weights, out)
    x = values[nz]
    w = weights[nz].astype(np.int64) if weights is not None else None
    b = _magnitude_bin(x)
    neg = x < 0
    out[0] = np.bincount(b[~neg], weights=None if w is None else w[~neg], minlength=MAG_BINS)
    out[1] = np.bincount(b[neg], weights=None if w is None else w[neg], minlength=MAG_BINS)
    return out


def _magnitude_bin(x: np.ndarray) -> np.ndarray:
    """Return each non-zero value's quarter-decade bin (the definition of the bins)."""
    with np.errstate(divide="ignore"):
        b = np.floor((np.log10(np.abs(x)) - MAG_LOW) * MAG_PER_DECADE)
    return np.clip(b, 0, MAG_BINS - 1).astype(np.intp)


def _bin_starts() -> np.ndarray:
    """Return, per bin k ≥ 1, the smallest positive double that `_magnitude_bin` puts in bin k or above."""
    k = np.arange(1, MAG_BINS)
    x = 10.0 ** (MAG_LOW + k / MAG_PER_DECADE)  # each within an ulp or two of its bin's start
    for _ in range(64):  # a few steps of one ulp settle every start; all of them at once
        low = _magnitude_bin(x) < k
        high = ~low & (_magnitude_bin(np.nextafter(x, 0.0)) >= k)
        if not (low.any() or high.any()):
            return x
        x = np.where(low, np.nextafter(x, np.inf), np.where(high, np.nextafter(x, 0.0), x))
    raise AssertionError("magnitude bin starts did not settle")  # log10 would not be monotonic


_BIN_STARTS = _bin_starts()


def _sorted_magnitude_counts(values: np.ndarray, weights: np.ndarray | None, out: np.ndarray) -> np.ndarray:
    """Fill `out` from ascending values: bin edges located by binary search, no pass per value."""
    lo, hi = np.searchsorted(values, 0.0, side="left"), np.searchsorted(values, 0.0, side="right")
    # positive bin k is values[pos[k]:pos[k+1]]; negatives run towards zero, so bin k (of |x|)
    # is values[neg[k+1]:neg[k]]
    pos = np.concatenate(([hi], hi + np.searchsorted(values[hi:], _BIN_STARTS, side="left"), [values.size]))
    neg = np.concatenate(([lo], np.searchsorted(values[:lo], -_BIN_STARTS, side="right"), [0]))
    if weights is None:
        out[0], out[1] = np.diff(pos), -np.diff(neg)
        return out
    cum = np.concatenate(([0], np.cumsum(weights, dtype=np.int64)))
    out[0], out[1] = np.diff(cum[pos]), -np.diff(cum[neg])
    return out


def magnitude_edges() -> np.ndarray:
    """Return the MAG_BINS + 1 bin edges of |x| (powers of ten in quarter steps)."""
    return 10.0 ** (MAG_LOW + np.arange(MAG_BINS + 1) / MAG_PER_DECADE)


class NumericStats:
    """Mergeable summary of finite numbers (NaN and ±inf are counted by the column, not here).

    While the quantile state is exact, the moments are recomputed from its sorted distinct
    values, so they do not depend on how the input was cut into batches.
    """

    __slots__ = ("_exact_moments", "_moments", "integral", "magnitudes", "max", "min", "negatives",
                 "quantiles", "zeros")

    def __init__(self, min: float | None = None, max: float | None = None,
                 moments: Moments | None = None, quantiles: QuantileSketch | None = None,
                 zeros: int = 0, negatives: int = 0, integral: int = 0,
                 magnitudes: np.ndarray | None = None) -> None:
        self.min, self.max = min, max
        self._moments = moments if moments is not None else Moments()
        self._exact_moments: Moments | None = None
        self.quantiles = quantiles if quantiles is not None else QuantileSketch()
        self.zeros, self.negatives = zeros, negatives
        #: values with no fractional part (an int column stored as float still looks integral)
        self.integral = integral
        #: exact counts per sign and quarter-decade of |x| (row 0 positive, row 1 negative)
        self.magnitudes = magnitudes if magnitudes is not None else np.zeros((2, MAG_BINS), dtype=np.int64)

    @classmethod
    def of(cls, values: np.ndarray, weights: np.ndarray | None = None) -> NumericStats:
        """Summarise finite float64 values, optionally each repeated `weights` times."""
        if values.size == 0:
            return cls()
        sketch = QuantileSketch()
        w = None
        if weights is None:
            sketch.update(values)
            zeros = int(np.count_nonzero(values == 0))
            negatives = int(np.count_nonzero(values < 0))
            integral = int(np.count_nonzero(values == np.floor(values)))
        else:
            w = weights.astype(np.int64, copy=False)  # shared with frequent items: read-only everywhere
            sketch.update(values, w)
            zeros = int(w[values == 0].sum())
            negatives = int(w[values < 0].sum())
            integral = int(w[values == np.floor(values)].sum())
        moments = Moments.of(values, weights)
        out = cls(float(values.min()), float(values.max()), moments, sketch,
                  zeros, negatives, integral, magnitude_counts(values, weights))
        exact = sketch.exact_values()
        if exact is not None and exact[0] is values and exact[1] is w:
            out._exact_moments = moments  # the exact state holds these very arrays: same sums
        return out

    @property
    def moments(self) -> Moments:
        """Return count, mean and central moments (from the exact values while exact)."""
        exact = self.quantiles.exact_values() if self._moments.n else None
        if exact is None:
            return self._moments
        if self._exact_moments is None:
            self._exact_moments = Moments.of(exact[0], exact[1])
        return self._exact_moments

    @property
    def n(self) -> int:
        """Return how many values are summarised."""
        return self._moments.n

    def merged(self, other: NumericStats) -> NumericStats:
        """Return the summary of both inputs."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        return NumericStats(
            min(self.min, other.min),  # type: ignore[type-var]
            max(self.max, other.max),  # type: ignore[type-var]
            self._moments.merge(other._moments),
            self.quantiles.merged(other.quantiles),
            self.zeros + other.zeros,
            self.negatives + other.negatives,
            self.integral + other.integral,
            self.magnitudes + other.magnitudes,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return JSON."""
        return {
            "min": self.min,
            "max": self.max,
            "moments": self.moments.to_dict(),
            "quantiles": self.quantiles.to_dict(),
            "zeros": self.zeros,
            "negatives": self.negatives,
            "integral": self.integral,
            "magnitudes": _sparse(self.magnitudes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumericStats:
        """Rebuild from JSON."""
        return cls(
            data.get("min"),
            data.get("max"),
            Moments.from_dict(data["moments"]),
            QuantileSketch.from_dict(data["quantiles"]),
            int(data.get("zeros", 0)),
            int(data.get("negatives", 0)),
            int(data.get("integral", 0)),
            _dense(data.get("magnitudes")),
        )


def _sparse(mags: np.ndarray) -> dict[str, list[list[int]]]:
    """Return the non-zero bins as [bin, count] pairs per sign (most columns use few bins)."""
    return {sign: [[int(i), int(mags[row, i])] for i in np.flatnonzero(mags[row])]
            for row, sign in enumerate(("positive", "negative"))}


def _dense(data: dict[str, list[list[int]]] | None) -> np.ndarray:
    out = np.zeros((2, MAG_BINS), dtype=np.int64)
    for row, sign in enumerate(("positive", "negative")):
        for i, n in (data or {}).get(sign, []):
            out[row, int(i)] = int(n)
    return out
