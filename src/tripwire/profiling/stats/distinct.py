"""A mergeable distinct-count sketch: HyperLogLog over 64-bit hashes, in NumPy."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

#: 2**12 registers: ~1.6% standard error, 4 KB per column
DEFAULT_P = 12


class DistinctSketch:
    """HyperLogLog registers; merge is the element-wise maximum."""

    __slots__ = ("p", "registers")

    def __init__(self, p: int = DEFAULT_P, registers: np.ndarray | None = None) -> None:
        self.p = p
        self.registers = registers if registers is not None else np.zeros(1 << p, dtype=np.uint8)

    def update_hashes(self, hashes: np.ndarray) -> None:
        """Add the 64-bit hashes of values (hash each distinct value once; repeats are free)."""
        if hashes.size == 0:
            return
        h = hashes.astype(np.uint64, copy=False)
        index = (h >> np.uint64(64 - self.p)).astype(np.intp)
        rest = (h << np.uint64(self.p)) | np.uint64(1 << (self.p - 1))  # sentinel bit bounds the rank
        rank = (_leading_zeros(rest) + 1).astype(np.uint8)
        np.maximum.at(self.registers, index, rank)

    def merged(self, other: DistinctSketch) -> DistinctSketch:
        """Return the sketch of the union."""
        if other.p != self.p:
            raise ValueError("cannot merge distinct sketches of different precision")
        return DistinctSketch(self.p, np.maximum(self.registers, other.registers))

    def estimate(self) -> float:
        """Return the estimated number of distinct values."""
        m = float(1 << self.p)
        regs = self.registers.astype(np.float64)
        raw = (0.7213 / (1 + 1.079 / m)) * m * m / float(np.sum(np.exp2(-regs)))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return m * math.log(m / zeros)  # linear counting is exact-ish for small sets
        return raw

    @property
    def relative_error(self) -> float:
        """Return the standard error of the estimate, as a share."""
        return 1.04 / math.sqrt(1 << self.p)

    def to_dict(self) -> dict[str, Any]:
        """Return the registers as base64 text."""
        return {"p": self.p, "hll": base64.b64encode(self.registers.tobytes()).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistinctSketch:
        """Rebuild from JSON."""
        regs = np.frombuffer(base64.b64decode(data["hll"]), dtype=np.uint8).copy()
        return cls(int(data["p"]), regs)


def _leading_zeros(x: np.ndarray) -> np.ndarray:
    """Count leading zero bits of uint64 values, vectorised."""
    n = np.zeros(x.shape, dtype=np.int64)
    x = x.copy()
    for shift in (32, 16, 8, 4, 2, 1):
        mask = x < (np.uint64(1) << np.uint64(64 - shift))
        n[mask] += shift
        x[mask] <<= np.uint64(shift)
    return n
