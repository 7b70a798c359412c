"""Statistics of a column's finite numeric values: extremes, moments, quantiles, signs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tripwire.profiling.stats.moments import Moments
from tripwire.profiling.stats.quantiles import QuantileSketch


@dataclass
class NumericStats:
    """Mergeable summary of finite numbers (NaN and ±inf are counted by the column, not here)."""

    min: float | None = None
    max: float | None = None
    moments: Moments = field(default_factory=Moments)
    quantiles: QuantileSketch = field(default_factory=QuantileSketch)
    zeros: int = 0
    negatives: int = 0
    #: values with no fractional part (an int column stored as float still looks integral)
    integral: int = 0

    @classmethod
    def of(cls, values: np.ndarray, weights: np.ndarray | None = None) -> NumericStats:
        """Summarise finite float64 values, optionally each repeated `weights` times."""
        if values.size == 0:
            return cls()
        sketch = QuantileSketch()
        if weights is None:
            sketch.update(values)
            zeros = int(np.count_nonzero(values == 0))
            negatives = int(np.count_nonzero(values < 0))
            integral = int(np.count_nonzero(values == np.floor(values)))
        else:
            w = weights.astype(np.int64)
            sketch.update(np.repeat(values, w))
            zeros = int(w[values == 0].sum())
            negatives = int(w[values < 0].sum())
            integral = int(w[values == np.floor(values)].sum())
        return cls(float(values.min()), float(values.max()), Moments.of(values, weights), sketch,
                   zeros, negatives, integral)

    @property
    def n(self) -> int:
        """Return how many values are summarised."""
        return self.moments.n

    def merged(self, other: NumericStats) -> NumericStats:
        """Return the summary of both inputs."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        return NumericStats(
            min(self.min, other.min),  # type: ignore[type-var]
            max(self.max, other.max),  # type: ignore[type-var]
            self.moments.merge(other.moments),
            self.quantiles.merged(other.quantiles),
            self.zeros + other.zeros,
            self.negatives + other.negatives,
            self.integral + other.integral,
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
        )
