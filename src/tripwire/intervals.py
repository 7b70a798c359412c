"""Confidence intervals every stage draws the same way (pure maths: no stage imported)."""

from __future__ import annotations

import math


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Return the Wilson score interval of the proportion successes / n (95% by default).

    With no trials nothing is known: (0, 1). Unlike the normal interval it stays inside
    [0, 1] and is honest at 0 and n successes, which is where pass rates and leak shares sit.
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    spread = z * z / n
    centre = (p + spread / 2) / (1 + spread)
    half = z * math.sqrt(p * (1 - p) / n + spread / (4 * n)) / (1 + spread)
    return max(0.0, centre - half), min(1.0, centre + half)
