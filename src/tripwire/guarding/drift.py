"""Drift at serving time: each batch counted into the reference's bins, a rolling window of counts.

The bins come from the reference profile once: a numeric column's deciles (the edges
`drift_detection.stats.numeric_bins` uses), a text column's frequent values plus "other".
A batch adds one count vector per column (one `searchsorted` + `bincount`, or one
`replace_strict`), and the window is the sum of the last batches' vectors: counts merge by
addition, like profiles, at a fraction of a profile's cost. The score is the PSI of
`drift_detection.stats.psi` (sampling noise taken off), judged with the drift settings' PSI
levels (docs/drift.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.stats import PSI_EDGES, numeric_dist, psi
from tripwire.report.finding import Finding

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile

#: frequent values of a text column kept as their own bin
MAX_CATEGORIES = 30
#: the window must hold this many rows before drift is judged (fewer rows say little)
MIN_WINDOW_ROWS = 200


@dataclass(frozen=True)
class ColumnBins:
    """One column's bins and the reference's count in each (the last bin is "other" for text)."""

    column: str
    kind: str  # numeric | categorical
    ref_counts: np.ndarray
    edges: np.ndarray | None = None
    values: tuple[Any, ...] = ()

    def count(self, s: pl.Series) -> np.ndarray:
        """Return the batch's count per bin (missing values are not counted; the null check sees them)."""
        k = self.ref_counts.size
        if self.kind == "numeric":
            if not s.dtype.is_numeric():
                return np.zeros(k)
            x = s.cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
            return np.bincount(np.searchsorted(self.edges, x, side="left"), minlength=k)[:k].astype(float)
        text = s.cast(pl.String, strict=False).drop_nulls()
        idx = text.replace_strict(list(self.values), list(range(len(self.values))), default=len(self.values),
                                  return_dtype=pl.Int64).to_numpy()
        return np.bincount(idx, minlength=k)[:k].astype(float)


def reference_bins(reference: DatasetProfile, columns: list[str] | None = None) -> list[ColumnBins]:
    """Return the bins of every numeric and low-cardinality text column of the reference."""
    out = []
    for name, col in reference.columns.items():
        if columns is not None and name not in columns:
            continue
        if col.kind == "numeric":
            dist = numeric_dist(col)
            if dist is None:
                continue
            edges = np.unique(dist.quantiles(PSI_EDGES))
            edges = edges[np.isfinite(edges)]
            f = np.concatenate([[0.0], dist.cdf(edges), [1.0]]) if edges.size else np.array([0.0, 1.0])
            out.append(ColumnBins(name, "numeric", np.clip(np.diff(f), 0.0, None) * dist.n, edges=edges))
        elif col.kind == "string" and col.non_null and col.frequent.counts:
            top = col.top(MAX_CATEGORIES)
            if len(top) < 2:
                continue
            counts = np.array([n for _, n in top], dtype=float)
            other = max(col.non_null - counts.sum(), 0.0)
            out.append(ColumnBins(name, "categorical", np.append(counts, other),
                                  values=tuple(str(v) for v, _ in top)))
    return out


class DriftWindow:
    """The last `size` batches' bin counts, summed, scored against the reference."""

    def __init__(self, bins: list[ColumnBins], size: int = 10, config: DriftConfig | None = None) -> None:
        """Keep the counts of at most `size` recent batches."""
        self.bins = bins
        self.levels = (config or DriftConfig.from_options({})).levels("psi")
        self.recent: deque[np.ndarray] = deque(maxlen=size)
        self.total: np.ndarray | None = None
        self.rows: deque[int] = deque(maxlen=size)

    def add(self, df: pl.DataFrame) -> None:
        """Count one batch into the window (dropping the oldest when full)."""
        parts = [b.count(df.get_column(b.column)) if b.column in df.columns else np.zeros(b.ref_counts.size)
                 for b in self.bins]
        vec = np.concatenate(parts) if parts else np.zeros(0)
        if len(self.recent) == self.recent.maxlen and self.total is not None:
            self.total -= self.recent[0]
        self.recent.append(vec)
        self.rows.append(df.height)
        self.total = vec.copy() if self.total is None or self.total.size != vec.size else self.total + vec

    def scores(self) -> dict[str, float]:
        """Return each column's PSI over the window (empty until the window holds enough rows)."""
        if self.total is None or sum(self.rows) < MIN_WINDOW_ROWS:
            return {}
        out, at = {}, 0
        for b in self.bins:
            k = b.ref_counts.size
            cur = self.total[at:at + k]
            at += k
            if cur.sum() >= MIN_WINDOW_ROWS / 2:
                out[b.column] = psi(b.ref_counts, cur)
        return out

    def findings(self, scores: dict[str, float]) -> list[Finding]:
        """Return a drift.feature finding per column whose PSI reaches a level."""
        out = []
        n = len(self.recent)
        span = "this batch" if n == 1 else f"the last {n} batches"
        for column, score in scores.items():
            level = next((lv for lv in ("error", "warning", "info") if score >= self.levels[lv]), None)
            if level is None or level == "info":
                continue
            out.append(Finding("drift.feature", level, (column,),
                               f"{column}: PSI {score:.2f} in {span} ({sum(self.rows):,} rows) against the reference",
                               {"psi": round(score, 4), "batches": len(self.recent), "rows": sum(self.rows)},
                               detector="guard.drift"))
        return out
