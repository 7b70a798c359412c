"""Mergeable quantiles of a column's finite values: exact while small, a deterministic sketch beyond.

Three states, each a function of its input only (no randomness, no timing):

- **exact**: the sorted distinct values with their counts, kept while a column holds at
  most EXACT_MAX_DISTINCT distinct values. Quantiles use numpy's default (`linear`)
  convention and equal `numpy.quantile` on the raw values. Merging exact + exact is exact.
- **sketch**: beyond that, a deterministic compactor (levels of sorted values, level h
  weighing 2**h; a full level keeps every other value, alternating the offset). Every
  compaction moves any rank by at most its weight, so the sum of those weights over n is a
  guaranteed (not probabilistic) rank-error bound, stated as `rank_error`.
- **frozen**: what a large exact state becomes when saved: the exact quantiles at the
  GRID_POINTS + 1 ranks i/GRID_POINTS (so the median and every percentile stay exact after
  a save and load) plus the compactor for later merges.
"""

from __future__ import annotations

import base64
import math
import zlib
from typing import Any

import numpy as np

#: quantiles are exact while a column holds at most this many distinct finite values
EXACT_MAX_DISTINCT = 2_000_000
#: a saved profile keeps the exact values of columns with at most this many distinct values
SAVED_EXACT_MAX = 4_096
#: a frozen (saved large exact) state keeps the exact quantiles at ranks i / GRID_POINTS
GRID_POINTS = 1_000
#: values held per compactor level
LEVEL_CAPACITY = 2_048


class QuantileSketch:
    """Quantiles and CDF of finite float values; exact while small (see the module docstring)."""

    __slots__ = (
        "_counts",
        "_cum",
        "_error",
        "_grid",
        "_grid_error",
        "_levels",
        "_n",
        "_parity",
        "_pieces",
        "_values",
    )

    def __init__(self) -> None:
        self._pieces: list[tuple[np.ndarray, np.ndarray]] = []  # exact, not yet consolidated
        self._values: np.ndarray | None = None  # exact, consolidated: sorted distinct values
        self._counts: np.ndarray | None = None
        self._levels: list[np.ndarray] | None = None  # sketch state (None while exact)
        self._parity: list[int] = []
        self._error = 0  # absolute rank-error bound of the sketch
        self._n = 0
        self._grid: np.ndarray | None = None  # frozen: exact quantiles at ranks i / GRID_POINTS
        self._grid_error = 1.0 / GRID_POINTS  # the rank error of answers from the grid
        self._cum: tuple[np.ndarray, np.ndarray] | None = None  # (counts, their running sum)

    @classmethod
    def of_sorted(cls, values: np.ndarray, counts: np.ndarray) -> QuantileSketch:
        """Return the exact state of sorted distinct finite values (no -0.0) and their counts."""
        out = cls()
        out._n = int(counts.sum())
        out._pieces = [(values.astype(np.float64, copy=False), counts.astype(np.int64, copy=False))]
        out._settle()
        return out

    # ---- building ----------------------------------------------------------------------------
    def update(self, values: np.ndarray, counts: np.ndarray | None = None) -> None:
        """Add finite float64 values, each `counts` times (the caller drops NaN/inf)."""
        if values.size == 0:
            return
        v = np.asarray(values, dtype=np.float64)
        if np.signbit(v[v == 0]).any():
            v = v + 0.0  # turns -0.0 into 0.0
        if counts is None:
            v, c = np.unique(v, return_counts=True)
        else:
            # distinct sorted values (np.unique's output) are kept as they are, without a copy:
            # the column's frequent items may hold the very same array
            c = np.asarray(counts, dtype=np.int64)
            if not (c > 0).all():
                keep = c > 0
                v, c = v[keep], c[keep]
            if v.size > 1 and not (v[1:] > v[:-1]).all():
                order = np.argsort(v, kind="stable")
                v, c = _collapse(v[order], c[order])
        self._n += int(c.sum())
        if self._levels is not None:
            self._absorb(v, c)
        else:
            self._pieces.append((v, c))
            self._values = self._counts = None
            self._settle()

    def merged(self, other: QuantileSketch) -> QuantileSketch:
        """Return a new state summarising both inputs (exact when both are and stay small)."""
        out = QuantileSketch()
        out._n = self._n + other._n
        if self._levels is None and other._levels is None:
            out._pieces = self._exact_pieces() + other._exact_pieces()
            out._settle()
            return out
        out._levels, out._parity, out._error = [], [], 0
        for part in (self, other):
            if part._levels is None:
                for v, c in part._exact_pieces():
                    out._absorb(v, c)
            else:
                out._add_levels(part._levels, part._error)
        return out

    def pending(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return the exact (values, counts) pieces not yet consolidated ([] when none)."""
        return list(self._pieces) if self._levels is None and self._values is None else []

    def _exact_pieces(self) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._values is not None:
            return [(self._values, self._counts)]  # type: ignore[list-item]
        return list(self._pieces)

    def _settle(self) -> None:
        """Consolidate pending pieces when they may exceed the exact limit; switch if they do."""
        if sum(v.size for v, _ in self._pieces) <= EXACT_MAX_DISTINCT:
            return
        values, counts = self._consolidated()
        if values.size > EXACT_MAX_DISTINCT:
            self._pieces, self._values, self._counts = [], None, None
            self._levels, self._parity, self._error = [], [], 0
            self._absorb(values, counts)

    def _consolidated(self) -> tuple[np.ndarray, np.ndarray]:
        if self._values is None:
            if not self._pieces:
                self._values, self._counts = np.zeros(0), np.zeros(0, dtype=np.int64)
            else:
                self._values, self._counts = merge_sorted_counts(self._pieces)
            self._pieces = [(self._values, self._counts)]
        return self._values, self._counts  # type: ignore[return-value]

    # ---- the compactor -------------------------------------------------------------------------
    def _absorb(self, values: np.ndarray, counts: np.ndarray) -> None:
        """Add sorted distinct values with counts to the levels (count bit h -> level h)."""
        top = int(counts.max()).bit_length() if counts.size else 0
        self._add_levels([values[(counts >> h) & 1 == 1] for h in range(top)], 0)

    def _add_levels(self, levels: list[np.ndarray], error: int) -> None:
        levels_ = self._levels
        assert levels_ is not None
        for h, lv in enumerate(levels):
            if h >= len(levels_):
                levels_.append(np.zeros(0))
                self._parity.append(0)
            if lv.size:
                levels_[h] = _merged(levels_[h], lv)
        self._error += error
        self._compact()

    def _compact(self) -> None:
        levels, h = self._levels, 0
        assert levels is not None
        while h < len(levels):
            lv = levels[h]
            if lv.size > LEVEL_CAPACITY:
                held = lv[-1:] if lv.size % 2 else lv[:0]  # an odd one out waits for the next round
                pairs = lv[: lv.size - held.size]
                up = pairs[self._parity[h]::2]
                self._parity[h] ^= 1
                self._error += 1 << h  # a compaction moves any rank by at most its weight
                levels[h] = held
                if h + 1 == len(levels):
                    levels.append(np.zeros(0))
                    self._parity.append(0)
                levels[h + 1] = _merged(levels[h + 1], up)
            h += 1

    def _weighted(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the sketch's sorted items and their cumulative weights."""
        assert self._levels is not None
        items = np.concatenate(self._levels) if self._levels else np.zeros(0)
        weights = np.concatenate([np.full(lv.size, 1 << h, dtype=np.int64)
                                  for h, lv in enumerate(self._levels)]) if self._levels else \
            np.zeros(0, dtype=np.int64)
        order = np.argsort(items, kind="stable")
        return items[order], np.cumsum(weights[order])

    # ---- answers -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Return the number of values summarised."""
        return self._n

    @property
    def is_empty(self) -> bool:
        """Tell whether no value was added."""
        return self._n == 0

    @property
    def exact(self) -> bool:
        """Tell whether every quantile and CDF value is exact."""
        return self._levels is None

    @property
    def rank_error(self) -> float:
        """Return the bound on the rank error of any answer (0 when exact).

        For a frozen state, answers at ranks i / GRID_POINTS are exact and others are within
        1 / GRID_POINTS.
        """
        if self._levels is None or self._n == 0:
            return 0.0
        if self._grid is not None:
            return self._grid_error
        return self._error / self._n

    def exact_values(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the sorted distinct values and their counts, or None beyond the exact limit."""
        return self._consolidated() if self._levels is None else None

    def quantiles(self, qs: list[float] | np.ndarray) -> np.ndarray:
        """Return the values at ranks qs in [0, 1], interpolated linearly (numpy's default).

        Rank q sits at position q·(n−1) among the sorted values; between two values the answer
        is interpolated, as `numpy.quantile(x, q)` and `pandas.Series.quantile(q)` do. NaN when
        empty.
        """
        q = np.clip(np.asarray(qs, dtype=np.float64), 0.0, 1.0)
        if self._n == 0:
            return np.full(q.shape, np.nan)
        if self._levels is None:
            values, cum = self._exact_cumulative()
            return _linear_quantiles(values, cum, self._n, q)
        if self._grid is not None:
            return _grid_quantiles(self._grid, q)
        items, cum = self._weighted()
        return _linear_quantiles(items, cum, int(cum[-1]), q)

    def quantile(self, q: float) -> float:
        """Return the value at rank q."""
        return float(self.quantiles([q])[0])

    def cdf(self, points: list[float] | np.ndarray) -> np.ndarray:
        """Return the share of values <= each point (NaN when empty)."""
        pts = np.asarray(points, dtype=np.float64)
        if self._n == 0:
            return np.full(pts.shape, np.nan)
        if self._levels is None:
            values, cum = self._exact_cumulative()
            idx = np.searchsorted(values, pts, side="right")
            return np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0) / self._n
        if self._grid is not None:
            idx = np.searchsorted(self._grid, pts, side="right")
            return np.clip((idx - 1) / GRID_POINTS, 0.0, 1.0) * (idx > 0)
        items, cum = self._weighted()
        idx = np.searchsorted(items, pts, side="right")
        return np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0) / cum[-1]

    def _exact_cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the exact values and the running sum of their counts (kept: drift asks hundreds of times)."""
        values, counts = self._consolidated()
        if self._cum is None or self._cum[0] is not counts:  # a new state has new count arrays
            # 4 bytes a value while the total fits: half the memory (and the fresh pages) of int64
            self._cum = (counts, np.cumsum(counts, dtype=np.int32 if self._n < 2**31 else np.int64))
        return values, self._cum[1]

    # ---- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return JSON: exact values while few, else the frozen grid and the compactor."""
        if self._levels is None:
            values, counts = self._consolidated()
            if values.size <= SAVED_EXACT_MAX:
                return {"exact": True, "rank_error": 0.0, "n": self._n,
                        "values": _pack(values), "counts": _pack(counts)}
            frozen = QuantileSketch()
            frozen._n = self._n
            frozen._levels, frozen._parity, frozen._error = [], [], 0
            frozen._absorb(values, counts)
            frozen._grid = _linear_quantiles(values, self._exact_cumulative()[1], self._n,
                                             np.arange(GRID_POINTS + 1) / GRID_POINTS)
            return frozen.to_dict()
        out = {"exact": False, "rank_error": self.rank_error, "n": self._n, "error": self._error,
               "parity": self._parity, "levels": [_pack(lv) for lv in self._levels]}
        if self._grid is not None:
            out["grid"] = _pack(self._grid)
            out["grid_error"] = self._grid_error
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuantileSketch:
        """Rebuild from JSON."""
        if "kll" in data:
            return cls._from_kll(data["kll"])
        out = cls()
        out._n = int(data["n"])
        if data.get("exact"):
            values = _unpack(data["values"], np.float64, SAVED_EXACT_MAX)
            counts = _unpack(data["counts"], np.int64, SAVED_EXACT_MAX)
            if values.size != counts.size or int(counts.sum()) != out._n:
                raise ValueError("exact values and counts do not match n")
            out._values, out._counts, out._pieces = values, counts, [(values, counts)]
            return out
        if len(data["levels"]) > 64:
            raise ValueError("more sketch levels than 64-bit counts need")
        out._levels = [_unpack(lv, np.float64, LEVEL_CAPACITY + 1) for lv in data["levels"]]
        out._parity = [int(p) for p in data["parity"]]
        out._error = int(data["error"])
        out._grid = _unpack(data["grid"], np.float64, GRID_POINTS + 1) if data.get("grid") else None
        out._grid_error = float(data.get("grid_error", 1.0 / GRID_POINTS))
        return out


    @classmethod
    def _from_kll(cls, text: str) -> QuantileSketch:
        """Read a KLL sketch of a profile saved by format 1: its quantiles at the grid ranks
        become a frozen state whose stated error adds KLL's own bound."""
        from datasketches import kll_doubles_sketch

        kll = kll_doubles_sketch.deserialize(base64.b64decode(text))
        out = cls()
        if kll.is_empty():
            return out
        n = int(kll.n)
        grid = np.asarray(kll.get_quantiles(list(np.arange(GRID_POINTS + 1) / GRID_POINTS)), dtype=np.float64)
        values, idx = np.unique(grid, return_inverse=True)
        share = np.bincount(idx, minlength=values.size).astype(np.float64) / grid.size
        counts = np.maximum(np.round(share * n).astype(np.int64), 1)
        out._n = int(counts.sum())
        out._levels, out._parity, out._error = [], [], 0
        out._absorb(values, counts)
        out._grid_error = float(kll.normalized_rank_error(False)) + 1 / GRID_POINTS
        out._error += math.ceil(out._grid_error * out._n)
        out._grid = grid
        return out


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return two sorted arrays as one sorted array (no sort when one is empty)."""
    if not a.size:
        return b
    if not b.size:
        return a
    return np.sort(np.concatenate([a, b]), kind="stable")


def merge_sorted_counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted distinct values with counts into one such pair (equal values add up)."""
    parts = [p for p in parts if p[0].size]
    if not parts:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    if len(parts) == 1:
        return parts[0]
    values = np.concatenate([p[0] for p in parts])
    if all(int(p[1].max()) == 1 for p in parts):
        # every value seen once per part (measured columns): sort the values alone, twice as
        # fast as sorting them with their counts; a value's count is then its run length
        values.sort()
        start = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
        return values[start], np.diff(start, append=values.size).astype(np.int64, copy=False)
    order = np.argsort(values, kind="stable")
    return _collapse(values[order], np.concatenate([p[1] for p in parts])[order])


def _collapse(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the counts of equal neighbours in sorted values."""
    if values.size < 2:
        return values, counts
    start = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    if start.size == values.size:
        return values, counts
    return values[start], np.add.reduceat(counts, start)


def _linear_quantiles(values: np.ndarray, cum: np.ndarray, n: int, q: np.ndarray) -> np.ndarray:
    """Quantiles of weighted sorted values by numpy's `linear` method, bit for bit."""
    index = (n - 1) * q  # numpy's virtual index for `linear`, then its lerp below
    lo = np.floor(index)
    gamma = index - lo
    lo_i = np.clip(lo, 0, n - 1).astype(cum.dtype)  # the running sum's type: searchsorted casts neither
    hi_i = np.clip(lo_i + 1, 0, n - 1)
    a = values[np.searchsorted(cum, lo_i, side="right")]
    b = values[np.searchsorted(cum, hi_i, side="right")]
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)


def _grid_quantiles(grid: np.ndarray, q: np.ndarray) -> np.ndarray:
    pos = q * GRID_POINTS
    near = np.round(pos)
    on_grid = np.abs(pos - near) < 1e-9 * GRID_POINTS
    lo = np.clip(np.floor(pos), 0, GRID_POINTS - 1).astype(np.intp)
    t = pos - lo
    between = grid[lo] + (grid[lo + 1] - grid[lo]) * t
    return np.where(on_grid, grid[near.astype(np.intp)], between)


def _pack(array: np.ndarray) -> str:
    """Return array bytes, zlib-compressed, as base64 text (deterministic)."""
    return base64.b64encode(zlib.compress(np.ascontiguousarray(array).tobytes(), 6)).decode("ascii")


def _unpack(text: str, dtype: type, max_items: int) -> np.ndarray:
    """Decode `_pack` text, refusing more than max_items (a saved state never holds more)."""
    return np.frombuffer(bounded_inflate(base64.b64decode(text), max_items * np.dtype(dtype).itemsize),
                         dtype=dtype).copy()


def bounded_inflate(data: bytes, max_bytes: int) -> bytes:
    """Return zlib-decompressed data, raising ValueError beyond max_bytes (no zip bombs)."""
    inflate = zlib.decompressobj()
    out = inflate.decompress(data, max_bytes + 1)
    if len(out) > max_bytes or inflate.unconsumed_tail:
        raise ValueError(f"decompresses to more than {max_bytes:,} bytes")
    return out

