"""Mergeable frequent items: the most common values with counts and a stated error bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

#: a batch's full value counts: a frame of `value` and `count`, or sorted distinct numbers and counts
Counts = pl.DataFrame | tuple[np.ndarray, np.ndarray]

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
                 "text_dtype", "total")

    def __init__(self, capacity: int = DEFAULT_CAPACITY, counts: dict[Any, int] | None = None,
                 total: int = 0, error: int = 0, distinct: int | None = None,
                 counts_exact: bool | None = None) -> None:
        self.capacity = capacity
        self._counts: dict[Any, int] = counts if counts is not None else {}
        self.total = total
        self._error = error
        self._distinct = distinct if distinct is not None else (len(self._counts) if error == 0 else None)
        self.counts_exact = (error == 0) if counts_exact is None else counts_exact
        #: full value counts, not yet cut: frames (`value`, `count`) or (values, counts) arrays
        self._pending: list[Counts] | None = None
        self.as_text = False
        #: for arrays of physical values (temporal columns): the Polars type their text is read in
        self.text_dtype: pl.DataType | None = None

    @classmethod
    def of(cls, values: list[Any], counts: list[int], capacity: int = DEFAULT_CAPACITY,
           total: int | None = None, error: int = 0) -> FrequentItems:
        """Summarise exact value counts of one batch (or already-cut counts with their error)."""
        kept, cut = _cut(dict(zip(values, counts, strict=True)), capacity)
        return cls(capacity, _ranked(kept), int(total if total is not None else sum(counts)), error + cut)

    @classmethod
    def of_counts(cls, frame: pl.DataFrame, capacity: int = DEFAULT_CAPACITY,
                  as_text: bool = False, total: int | None = None) -> FrequentItems:
        """Keep a batch's full value counts (columns `value`, `count`); cut only when read."""
        out = cls(capacity, total=int(frame["count"].sum()) if total is None else total)
        out._pending = [frame]
        out.as_text = as_text
        return out

    @classmethod
    def of_arrays(cls, values: np.ndarray, counts: np.ndarray, capacity: int = DEFAULT_CAPACITY,
                  text_dtype: pl.DataType | None = None) -> FrequentItems:
        """Keep a batch's full value counts given as sorted distinct numbers and their counts.

        With `text_dtype`, the numbers are physical values of that Polars type (epoch units of
        a timestamp, say) and the kept values are reported as its text.
        """
        out = cls(capacity, total=int(counts.sum()))
        out._pending = [(values, counts.astype(np.int64, copy=False))]
        out.as_text, out.text_dtype = text_dtype is not None, text_dtype
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
        self._distinct = _height(whole)
        if isinstance(whole, tuple):
            values, counts = whole
            cut = cut_threshold(counts, self.capacity)
            keep = counts > cut
            kept = counts[keep].tolist()
            if self.text_dtype is not None:
                keys = _texts(pl.Series("value", values[keep]).cast(self.text_dtype))
            else:
                keys = values[keep].tolist()
        else:
            counts = whole["count"].to_numpy()
            cut = cut_threshold(counts, self.capacity)
            values = whole["value"]
            if cut:
                keep = counts > cut
                values, counts = values.filter(pl.Series(keep)), counts[keep]
            keys = _texts(values) if self.as_text else values.to_list()
            kept = counts.tolist()
        self._counts = _ranked(dict(zip(keys, kept, strict=True)))
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
                (self.as_text, self.text_dtype) == (other.as_text, other.text_dtype) and \
                cap == self.capacity == other.capacity:
            pending = self._pending + other._pending
            if sum(_height(f) for f in pending) > EXACT_MAX_DISTINCT:
                pending = [_consolidated(pending)]
            if _height(pending[0]) <= EXACT_MAX_DISTINCT:
                out = FrequentItems(cap, total=self.total + other.total)
                out._pending, out.as_text, out.text_dtype = pending, self.as_text, self.text_dtype
                return out
            whole = FrequentItems(cap, total=self.total + other.total)
            whole._pending, whole.as_text, whole.text_dtype = pending, self.as_text, self.text_dtype
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

    def settle(self, consolidated: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Cut the full value counts now (they are cut lazily on first read otherwise).

        `consolidated` is the already merged form of the pending arrays, when the caller has it.
        """
        if consolidated is not None and self._pending is not None:
            self._pending = [consolidated]
        self._settle()

    def consolidate(self, consolidated: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Sum the full value counts into one part now, still uncut and exact (smaller to ship).

        `consolidated` is the already merged form of the pending arrays, when the caller has it.
        """
        if self._pending is None or (len(self._pending) < 2 and consolidated is None):
            return
        self._pending = [consolidated if consolidated is not None else _consolidated(self._pending)]

    def pending(self) -> list[Counts]:
        """Return the full value counts not yet cut ([] when none)."""
        return list(self._pending or [])

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


def _height(counts: Counts) -> int:
    return len(counts[0]) if isinstance(counts, tuple) else counts.height


def _consolidated(parts: list[Counts]) -> Counts:
    """Return the value counts of several parts summed per value."""
    if len(parts) == 1:
        return parts[0]
    arrays = [p for p in parts if isinstance(p, tuple)]
    if len(arrays) == len(parts) and len({a[0].dtype for a in arrays}) == 1:
        from tripwire.profiling.stats.quantiles import merge_sorted_counts

        return merge_sorted_counts(arrays)  # sorted runs (np.unique per batch): merged, not sorted
    frames = [pl.DataFrame({"value": p[0], "count": p[1]}) if isinstance(p, tuple) else p for p in parts]
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
