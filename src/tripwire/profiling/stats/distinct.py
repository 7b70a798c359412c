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
        bits = 64 - self.p
        index = (h >> np.uint64(bits)).astype(np.intp)
        low = h & np.uint64((1 << bits) - 1)
        # rank = leading zeros of the low bits + 1; frexp's exponent is the bit length
        # (exact: low < 2**52 fits a double), so no per-value loop and no slow ufunc.at
        rank = (bits + 1) - np.frexp(low.astype(np.float64))[1]
        seen = np.zeros((1 << self.p, 64), dtype=bool)
        seen[index, rank] = True
        # highest rank seen per register: last True along each row
        has = seen.any(axis=1)
        top = 63 - np.argmax(seen[:, ::-1], axis=1)
        batch = np.where(has, top, 0).astype(np.uint8)
        np.maximum(self.registers, batch, out=self.registers)

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

