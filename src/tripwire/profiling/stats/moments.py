"""Mergeable count, mean and central moments up to the fourth (Pébay's pairwise formulas)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Moments:
    """Count, mean and the sums of squared/cubed/fourth-power deviations of finite values."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray, weights: np.ndarray | None = None) -> Moments:
        """Compute the moments of finite float values, optionally weighted by integer counts.

        Values near the float limits overflow the higher moments to inf; that is reported as
        such rather than warned about.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return cls._of(values, weights)

    @classmethod
    def _of(cls, values: np.ndarray, weights: np.ndarray | None) -> Moments:
        if weights is None:
            n = values.size
            if n == 0:
                return cls()
            mean = float(values.mean())
            d = values - mean
            d2 = d * d
            return cls(n, mean, float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum()))
        n = int(weights.sum())
        if n == 0:
            return cls()
        # sums, not np.dot: pairwise summation is more precise and does not depend on BLAS threads
        if bool((weights == 1).all()):
            # a measured column's distinct values: the same products in the same order, less the
            # multiplications by one (bit-identical sums, a third of the work)
            mean = float(values.sum() / n)
            d = values - mean
            d3 = d * d * d
            return cls(n, mean, float((d * d).sum()), float(d3.sum()), float((d3 * d).sum()))
        w = weights.astype(np.float64)
        mean = float((values * w).sum() / n)
        d = values - mean
        d2w = d * d * w
        return cls(n, mean, float(d2w.sum()), float((d2w * d).sum()), float((d2w * d * d).sum()))

    def merge(self, other: Moments) -> Moments:
        """Combine two sets of moments as if computed over both samples."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = self.n, other.n
        n = na + nb
        delta = other.mean - self.mean
        d_n = delta / n
        mean = self.mean + nb * d_n
        m2 = self.m2 + other.m2 + delta * d_n * na * nb
        m3 = (self.m3 + other.m3 + delta * d_n * d_n * na * nb * (na - nb)
              + 3.0 * d_n * (na * other.m2 - nb * self.m2))
        m4 = (self.m4 + other.m4
              + delta * d_n * d_n * d_n * na * nb * (na * na - na * nb + nb * nb)
              + 6.0 * d_n * d_n * (na * na * other.m2 + nb * nb * self.m2)
              + 4.0 * d_n * (na * other.m3 - nb * self.m3))
        return Moments(n, mean, m2, m3, m4)

    @property
    def variance(self) -> float | None:
        """Return the sample variance (n-1 denominator), None below two values."""
        return self.m2 / (self.n - 1) if self.n > 1 else None

    @property
    def std(self) -> float | None:
        """Return the sample standard deviation."""
        var = self.variance
        return math.sqrt(max(var, 0.0)) if var is not None else None

    @property
    def skewness(self) -> float | None:
        """Return the population skewness, None when undefined."""
        if self.n < 3 or self.m2 <= 0:
            return None
        return math.sqrt(self.n) * self.m3 / self.m2**1.5

    @property
    def kurtosis(self) -> float | None:
        """Return the excess kurtosis, None when undefined."""
        if self.n < 4 or self.m2 <= 0:
            return None
        return self.n * self.m4 / (self.m2 * self.m2) - 3.0

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON."""
        return {"n": self.n, "mean": self.mean, "m2": self.m2, "m3": self.m3, "m4": self.m4}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Moments:
        """Rebuild from JSON."""
        return cls(int(data["n"]), float(data["mean"]), float(data["m2"]), float(data["m3"]),
                   float(data["m4"]))
