"""How every renderer writes a number: one function per kind, the same rounding everywhere."""

from __future__ import annotations

import math


def pct(share: float) -> str:
    """Write a share as a percentage a person reads easily (0.0003 -> '0.03%')."""
    if share == 0:
        return "0%"
    if share >= 0.1:
        return f"{share:.0%}"
    if share >= 0.01:
        return f"{share:.1%}"
    digits = max(0, -math.floor(math.log10(share * 100)))
    return f"{share * 100:.{digits}f}%"
