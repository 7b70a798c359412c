"""Seeded, vectorised bootstrap: resample counts of cells, or blocks of row indices.

Two exact ways to draw B resamples without a Python loop per resample:

- rows grouped into cells (a confusion-matrix cell, a (class, score) pair): drawing n rows
  with replacement is drawing the cell counts from one multinomial, so `resample_cells`
  returns a (B, cells) matrix in one call; metrics are then vectorised over its rows;
- statistics of rows that no small set of cells describes (regression errors, per-user
  ranking scores) use `index_blocks`: (b, n) index matrices, a block of resamples at a time
  so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

#: the most distinct scores kept as they are; above it scores are grouped into this many bins
MAX_CELLS = 1024
#: elements of one index block (b resamples × n rows)
BLOCK_ELEMENTS = 1 << 23


@dataclass(frozen=True)
class Bootstrap:
    """How intervals are drawn: resamples, confidence level and seed (same seed, same interval)."""

    resamples: int = 1000
    level: float = 0.95
    seed: int = 0

    def rng(self, stream: int = 0) -> np.random.Generator:
        """Return the generator for one statistic (its own stream, so adding one changes no other)."""
        return np.random.default_rng([self.seed, stream])

    def interval(self, draws: np.ndarray) -> tuple[float | None, float | None]:
        """Return the percentile interval of the draws (NaN draws, e.g. an empty class, ignored)."""
        draws = np.asarray(draws, dtype=float)
        draws = draws[np.isfinite(draws)]
        if draws.size < max(10, self.resamples // 2):
            return None, None
        tail = (1 - self.level) / 2 * 100
        low, high = np.percentile(draws, [tail, 100 - tail])
        return float(low), float(high)


def resample_cells(counts: np.ndarray, boot: Bootstrap, stream: int = 0) -> np.ndarray:
    """Return (B, cells) counts of B resamples of the rows behind `counts` (rows per cell)."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        return np.zeros((boot.resamples, counts.size), dtype=np.int64)
    return boot.rng(stream).multinomial(n, counts / n, size=boot.resamples)


def index_blocks(n: int, boot: Bootstrap, stream: int = 0) -> Iterator[np.ndarray]:
    """Yield (b, n) matrices of row indices, `boot.resamples` rows in all."""
    rng = boot.rng(stream)
    per_block = max(1, BLOCK_ELEMENTS // max(n, 1))
    left = boot.resamples
    while left > 0:
        b = min(per_block, left)
        yield rng.integers(0, n, size=(b, n), dtype=np.int64 if n > 2**31 - 1 else np.int32)
        left -= b


def resample_rows(n: int, boot: Bootstrap, statistic: Callable[[np.ndarray], np.ndarray],
                  stream: int = 0) -> np.ndarray:
    """Return `statistic(index_matrix)` over every block of resamples, as one vector of B draws."""
    if n == 0:
        return np.full(boot.resamples, np.nan)
    return np.concatenate([np.asarray(statistic(idx), dtype=float) for idx in index_blocks(n, boot, stream)])


def score_cells(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (cell of each row, representative score of each cell), cells in increasing score.

    Distinct scores are their own cells while there are at most MAX_CELLS of them (then every
    rank statistic on cells is exact); otherwise scores are grouped into MAX_CELLS quantile bins.
    """
    values, inverse = np.unique(scores, return_inverse=True)
    if values.size <= MAX_CELLS:
        return inverse.reshape(-1), values
    edges = np.quantile(values, np.linspace(0, 1, MAX_CELLS + 1)[1:-1])
    edges = np.unique(edges)
    cell_of_value = np.searchsorted(edges, values, side="left")
    cell = cell_of_value[inverse.reshape(-1)]
    sums = np.bincount(cell, weights=scores, minlength=edges.size + 1)
    sizes = np.bincount(cell, minlength=edges.size + 1)
    return cell, np.divide(sums, sizes, out=np.zeros_like(sums), where=sizes > 0)


def metric_row(metric: str, value: float | None, interval: tuple[float | None, float | None] = (None, None),
               n: int | None = None, **extra: object) -> dict[str, object]:
    """Return one row of the metrics table (value and interval None when undefined)."""
    def clean(x: float | None) -> float | None:
        return None if x is None or not np.isfinite(x) else float(x)

    return {"metric": metric, "value": clean(value), "ci_low": clean(interval[0]),
            "ci_high": clean(interval[1]), "n": n, **extra}
