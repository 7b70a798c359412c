"""Mergeable frequent items: the most common values with counts and a stated error bound."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: values kept per column; counts are exact while a column has at most this many distinct values
DEFAULT_CAPACITY = 1024


@dataclass
class FrequentItems:
    """The top values by count. Each count is a lower bound, short by at most `error`.

    Merging adds counts over the union and keeps the `capacity` largest; the largest count
    cut off is added to `error` (the classic mergeable top-k bound). `exact` means no value
    was ever cut, so the counts are the column's full value counts.
    """

    capacity: int = DEFAULT_CAPACITY
    counts: dict[Any, int] = field(default_factory=dict)
    total: int = 0
    error: int = 0

    @classmethod
    def of(cls, values: list[Any], counts: list[int], capacity: int = DEFAULT_CAPACITY,
           total: int | None = None) -> FrequentItems:
        """Summarise exact value counts of one batch (values sorted by count, descending)."""
        kept = dict(zip(values[:capacity], counts[:capacity], strict=False))
        error = int(counts[capacity]) if len(counts) > capacity else 0
        return cls(capacity, kept, int(total if total is not None else sum(counts)), error)

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
        error = self.error + other.error
        if len(counts) > cap:
            ranked = sorted(counts.items(), key=_by_count)
            error += ranked[cap][1]
            counts = dict(ranked[:cap])
        return FrequentItems(cap, counts, self.total + other.total, error)

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


def _by_count(item: tuple[Any, int]) -> tuple[int, str]:
    # ties broken by the value's text so the result does not depend on merge order
    return (-item[1], str(item[0]))


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
