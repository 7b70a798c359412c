"""A numeric column's spread changed: the log variance ratio with its kurtosis-aware error.

Noise added to part of a column widens it without moving its median or quantiles much (1 SD
of noise on 20% of rows: SD ×1.10, a Wasserstein distance of ~0.05 SD, below every effect
threshold), so drift.feature also compares the variances of the two profiles. The standard
error of ln(s²) is sqrt((κ − 1)/n), κ the column's kurtosis: a heavy-tailed column, or one
with a few gross values, gets a wide interval instead of a false alarm. It counts when the SD
changed by at least SPREAD_MIN_RATIO and z reaches MIN_Z (or Bonferroni's bound at 0.1% over
the columns compared, when higher).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scipy import special

if TYPE_CHECKING:
    from tripwire.profiling.stats.moments import Moments

#: the smallest change of the standard deviation that counts (either way)
SPREAD_MIN_RATIO = 1.05
MIN_Z = 5.0
FAMILY_ALPHA = 1e-3
MIN_VALUES = 100


@dataclass(frozen=True)
class SpreadChange:
    """How the standard deviation moved, and the evidence for it."""

    sd_ratio: float
    z: float

    def evidence(self, tests: int) -> dict[str, Any]:
        """Return the numbers behind a finding, with the |z| it needed among `tests` (as `strong` was told)."""
        return {"sd_ratio": round(self.sd_ratio, 4), "log_variance_ratio_z": round(self.z, 2),
                "thresholds": {"sd_ratio": SPREAD_MIN_RATIO, "z": round(bound(tests), 2)}}


def bound(tests: int) -> float:
    """Return the |z| a change needs when `tests` are made (columns here, column pairs in drift.correlation)."""
    return max(MIN_Z, float(-special.ndtri(FAMILY_ALPHA / (2 * max(tests, 1)))))


def spread_change(ref: Moments, cur: Moments) -> SpreadChange | None:
    """Return the spread change between two columns' moments (None when it cannot be measured)."""
    if min(ref.n, cur.n) < MIN_VALUES:
        return None
    var_r, var_c, excess_r, excess_c = ref.variance, cur.variance, ref.kurtosis, cur.kurtosis
    if var_r is None or var_c is None or excess_r is None or excess_c is None:  # a constant column
        return None
    if not all(math.isfinite(v) for v in (var_r, var_c, excess_r, excess_c)):
        return None
    # Var(ln s²) ≈ (κ − 1)/n with κ the plain kurtosis: the profile's excess kurtosis + 3
    se = math.sqrt(max(excess_r + 2, 0.0) / ref.n + max(excess_c + 2, 0.0) / cur.n)
    if se == 0:
        return None
    log_ratio = math.log(var_c / var_r)
    return SpreadChange(math.exp(log_ratio / 2), log_ratio / se)


def strong(change: SpreadChange | None, columns: int) -> bool:
    """Tell whether a spread change is both large enough and beyond noise."""
    if change is None:
        return False
    big = max(change.sd_ratio, 1 / change.sd_ratio) >= SPREAD_MIN_RATIO
    return big and abs(change.z) >= bound(columns)
