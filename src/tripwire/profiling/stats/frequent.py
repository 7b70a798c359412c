"""Mergeable frequent items: the most common values with counts and a stated error bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

#: values kept per column; counts are exact while a column has at most this many distinct values
DEFAULT_CAPACITY = 1024
#: a column's full value counts are kept (so top values and the distinct count are exact)
#: while it holds at most this many distinct values
EXACT_MAX_DISTINCT = 2_000_000


class FrequentItems:
    """The top values by count. Each count is a lower bound, short by at most `error`.

    Two ways to build one. From a batch's full value counts (`of_counts`): the counts are kept
    whole (as frames, merged lazily) while the column has at most EXACT_MAX_DISTINCT distinct
    values, then cut once to the `capacity` most frequent: listed counts are exact, `distinct`
    is the exact number of distinct values, and any unlisted value occurs at most `error`
    times. Beyond that limit, and for already-cut counts (`of`), merging adds counts over the
    union and keeps the values counted more than the (capacity+1)-th largest count; that
    threshold is added to `error` (the classic mergeable top-k bound). `exact` means no value
    was cut, so the counts are the column's full value counts.
    """

    __slots__ = ("_counts", "_distinct", "_error", "_pending", "as_text", "capacity", "counts_exact",
                 "total")

    def __init__(self, capacity: int = DEFAULT_CAPACITY, counts: dict[Any, int] | None = None,
                 total: int = 0, error: int = 0, distinct: int | None = None,
                 counts_exact: bool | None = None) -> None:
        self.capacity = capacity
        self._counts: dict[Any, int] = counts if counts is not None else {}
        self.total = total
        self._error = error
        self._distinct = distinct if distinct is not None else (len(self._counts) if error == 0 else None)
        self.counts_exact = (error == 0) if counts_exact is None else counts_exact
        self._pending: list[pl.DataFrame] | None = None  # full value counts, not yet cut
        self.as_text = False

    @classmethod
    def of(cls, values: list[Any], counts: list[int], capacity: int = DEFAULT_CAPACITY,
           total: int | None = None, error: int = 0) -> FrequentItems:
        """Summarise exact value counts of one batch (or already-cut counts with their error)."""
        kept, cut = _cut(dict(zip(values, counts, strict=True)), capacity)
        return cls(capacity, _ranked(kept), int(total if total is not None else sum(counts)), error + cut)

    @classmethod
    def of_counts(cls, frame: pl.DataFrame, capacity: int = DEFAULT_CAPACITY,
                  as_text: bool = False) -> FrequentItems:
        """Keep a batch's full value counts (columns `value`, `count`); cut only when read."""
        out = cls(capacity, total=int(frame["count"].sum()))
        out._pending = [frame]
        out.as_text = as_text
        return out

    # ---- the settled figures ---------------------------------------------------------------
    @property
    def counts(self) -> dict[Any, int]:
        """Return the kept values and their counts."""
        self._settle()
        return self._counts

    @property
    def error(self) -> int:
        """Return the bound on how much any count (listed or not) is short."""
        self._settle()
        return self._error

    @property
    def distinct(self) -> int | None:
        """Return the exact number of distinct values, None when only a sketch knows it."""
        self._settle()
        return self._distinct

    @property
    def exact(self) -> bool:
        """Tell whether the counts are exact and complete (no value was ever cut)."""
        return self.error == 0

    def _settle(self) -> None:
        if self._pending is None:
            return
        whole = _consolidated(self._pending)
        self._pending = None
        self._distinct = whole.height
        cut = cut_threshold(whole["count"].to_numpy(), self.capacity)
        if cut:
            whole = whole.filter(pl.col("count") > cut)
        keys = _texts(whole["value"]) if self.as_text else whole["value"].to_list()
        self._counts = _ranked(dict(zip(keys, whole["count"].to_list(), strict=True)))
        self._error = cut
        self.counts_exact = True

    # ---- merge -------------------------------------------------------------------------------
    def merged(self, other: FrequentItems) -> FrequentItems:
        """Return the summary of both inputs."""
        if other._is_empty():
            return self
        if self._is_empty():
            return other
        cap = min(self.capacity, other.capacity)
        if self._pending is not None and other._pending is not None and \
                self.as_text == other.as_text and cap == self.capacity == other.capacity:
            pending = self._pending + other._pending
            if sum(f.height for f in pending) > EXACT_MAX_DISTINCT:
                pending = [_consolidated(pending)]
            if pending[0].height <= EXACT_MAX_DISTINCT:
                out = FrequentItems(cap, total=self.total + other.total)
                out._pending, out.as_text = pending, self.as_text
                return out
            whole = FrequentItems(cap, total=self.total + other.total)
            whole._pending, whole.as_text = pending, self.as_text
            whole._settle()
            return whole
        counts = dict(self.counts)
        for value, c in other.counts.items():
            counts[value] = counts.get(value, 0) + c
        counts, cut = _cut(counts, cap)
        error = self.error + other.error + cut
        return FrequentItems(cap, _ranked(counts), self.total + other.total, error)

    def _is_empty(self) -> bool:
        return self.total == 0 and self._pending is None and not self._counts

    def settle(self) -> None:
        """Cut the full value counts now (they are cut lazily on first read otherwise)."""
        self._settle()

    # ---- answers -----------------------------------------------------------------------------
    def top(self, n: int | None = None) -> list[tuple[Any, int]]:
        """Return the n most frequent values with their counts, most frequent first."""
        ranked = sorted(self.counts.items(), key=_by_count)
        return ranked if n is None else ranked[:n]

    def count(self, value: Any) -> int:
        """Return the (lower-bound) count of a value, 0 when not kept."""
        return self.counts.get(value, 0)

    def share(self, value: Any) -> float:
        """Return the share of non-null values equal to `value`."""
        return self.counts.get(value, 0) / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return JSON: items as [value, count] pairs, most frequent first."""
        return {
            "capacity": self.capacity,
            "total": self.total,
            "error": self.error,
            "distinct": self.distinct,
            "counts_exact": self.counts_exact,
            "items": [[v, c] for v, c in self.top()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrequentItems:
        """Rebuild from JSON."""
        counts = {_key(v): int(c) for v, c in data["items"]}
        error = int(data["error"])
        return cls(int(data["capacity"]), counts, int(data["total"]), error, data.get("distinct"),
                   data.get("counts_exact", error == 0))


def cut_threshold(counts: Any, capacity: int) -> int:
    """Return the count at and below which values are cut to keep at most `capacity`.

    Values tied at the threshold are all cut, never some of them, so the kept set does not
    depend on the order values arrive in: merging stays commutative.
    """
    arr = np.asarray(counts)
    if arr.size <= capacity:
        return 0
    if arr.max() <= 1:  # every value seen once (a continuous column): all are cut, no selection needed
        return 1
    return int(np.partition(arr, arr.size - capacity - 1)[arr.size - capacity - 1])


def _consolidated(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Return the value counts of several frames summed per value."""
    if len(frames) == 1:
        return frames[0]
    dtype = frames[0]["value"].dtype
    if dtype.is_numeric() and all(f["value"].dtype == dtype for f in frames):
        # sorted runs (np.unique per batch): a stable sort merges them in linear time
        v = np.concatenate([f["value"].to_numpy() for f in frames])
        c = np.concatenate([f["count"].to_numpy().astype(np.int64) for f in frames])
        order = np.argsort(v, kind="stable")
        v, c = v[order], c[order]
        start = np.flatnonzero(np.concatenate([[True], v[1:] != v[:-1]])) if v.size else \
            np.zeros(0, dtype=np.int64)
        return pl.DataFrame({"value": pl.Series("value", v[start], dtype=dtype),
                             "count": np.add.reduceat(c, start) if start.size else c})
    try:
        both = pl.concat(frames, how="vertical_relaxed")
    except pl.exceptions.PolarsError:  # types that do not unify: count their text
        both = pl.concat([f.with_columns(pl.col("value").cast(pl.String)) for f in frames])
    return both.group_by("value").agg(pl.col("count").sum())


def _texts(values: pl.Series) -> list[str]:
    """Return values as text: Polars' own format, else Python's (durations have no cast)."""
    try:
        return values.cast(pl.String).to_list()
    except pl.exceptions.PolarsError:
        return [str(v) for v in values.to_list()]


def _ranked(counts: dict[Any, int]) -> dict[Any, int]:
    """Return the counts ordered most frequent first, ties by text (a stable, input-free order)."""
    return dict(sorted(counts.items(), key=_by_count))


def _cut(counts: dict[Any, int], capacity: int) -> tuple[dict[Any, int], int]:
    if len(counts) <= capacity:
        return counts, 0
    t = cut_threshold(list(counts.values()), capacity)
    return {v: c for v, c in counts.items() if c > t}, t


def _by_count(item: tuple[Any, int]) -> tuple[int, str]:
    # ties broken by the value's text so the result does not depend on merge order
    return (-item[1], str(item[0]))


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
