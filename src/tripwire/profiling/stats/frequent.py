"""Mergeable frequent items: the most common values with counts and a stated error bound."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: values kept per column; counts are exact while a column has at most this many distinct values
DEFAULT_CAPACITY = 1024


@dataclass
class FrequentItems:
    """The top values by count. Each count is a lower bound, short by at most `error`.

    Merging adds counts over the union and keeps at most `capacity` values: those counted
    more than the (capacity+1)-th largest count; that threshold is added to `error` (the
    classic mergeable top-k bound). `exact` means no value was ever cut, so the counts are
    the column's full value counts.
    """

    capacity: int = DEFAULT_CAPACITY
    counts: dict[Any, int] = field(default_factory=dict)
    total: int = 0
    error: int = 0

    @classmethod
    def of(cls, values: list[Any], counts: list[int], capacity: int = DEFAULT_CAPACITY,
           total: int | None = None, error: int = 0) -> FrequentItems:
        """Summarise exact value counts of one batch (or already-cut counts with their error)."""
        kept, cut = _cut(dict(zip(values, counts, strict=True)), capacity)
        return cls(capacity, kept, int(total if total is not None else sum(counts)), error + cut)

    @property
    def exact(self) -> bool:
        """Tell whether the counts are exact (no value was ever cut)."""
        return self.error == 0

    def merged(self, other: FrequentItems) -> FrequentItems:
        """Return the summary of both inputs."""
        cap = min(self.capacity, other.capacity)
        counts = dict(self.counts)
        for value, c in other.counts.items():
            counts[value] = counts.get(value, 0) + c
        counts, cut = _cut(counts, cap)
        return FrequentItems(cap, counts, self.total + other.total, self.error + other.error + cut)

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
            "items": [[v, c] for v, c in self.top()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrequentItems:
        """Rebuild from JSON."""
        counts = {_key(v): int(c) for v, c in data["items"]}
        return cls(int(data["capacity"]), counts, int(data["total"]), int(data["error"]))


def cut_threshold(counts: Any, capacity: int) -> int:
    """Return the count at and below which values are cut to keep at most `capacity`.

    Values tied at the threshold are all cut, never some of them, so the kept set does not
    depend on the order values arrive in: merging stays commutative.
    """
    import numpy as np

    arr = np.asarray(counts)
    if arr.size <= capacity:
        return 0
    if arr.max() <= 1:  # every value seen once (a continuous column): all are cut, no selection needed
        return 1
    return int(np.partition(arr, arr.size - capacity - 1)[arr.size - capacity - 1])


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
