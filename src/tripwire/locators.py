"""Row locators: what the one shared row pass evaluates on each batch.

Contract checks and detectors decide from profiles; when they need rows (to name them, to
quarantine them, or because the profile cannot settle a question) they hand the run layer
a locator. The run layer evaluates every locator of a run in one pass over the input.

A locator is an immutable description; `start()` returns a fresh scanner for one pass, so
the same check can run twice (or in two threads) without sharing state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import polars as pl

from tripwire.arrays import member
from tripwire.vocabulary import hash_rows


class Scanner(Protocol):
    """One pass's state of a locator: fed batches in order, row offset included."""

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        """Return a boolean mask, true on this batch's offending rows."""
        ...


class RowLocator(Protocol):
    """An immutable description of the rows to find."""

    def start(self) -> Scanner:
        """Return a fresh scanner for one pass."""
        ...


@dataclass(frozen=True)
class ExprLocator:
    """Rows where a Polars expression over one batch is true (nulls count as false).

    Stateless, so the row pass evaluates all of them in one `select` per batch.
    """

    expr: pl.Expr

    def start(self) -> ExprLocator:
        """Return itself: there is no state to reset."""
        return self

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        """Return where the expression is true."""
        return df.select(self.expr.fill_null(False).alias("m")).to_series().to_numpy().astype(bool)


@dataclass(frozen=True)
class RepeatedKeyLocator:
    """Rows whose key (one or more columns) already occurred in an earlier row, across batches."""

    columns: tuple[str, ...]

    def start(self) -> _RepeatedKeyScanner:
        """Return a scanner that remembers the keys seen so far."""
        return _RepeatedKeyScanner(self.columns)


class _RepeatedKeyScanner:
    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = list(columns)
        self.seen = np.zeros(0, dtype=np.uint64)

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        h = hash_rows(df.select(self.columns), seed=7)
        first = np.zeros(h.size, dtype=bool)
        first[np.unique(h, return_index=True)[1]] = True
        repeat = ~first | member(h, self.seen)
        self.seen = np.union1d(self.seen, h)
        return repeat


@dataclass(frozen=True)
class OrderLocator:
    """Rows that break an increasing or decreasing order of a column, across batches."""

    column: str
    direction: str  # "increasing" | "decreasing"

    def start(self) -> _OrderScanner:
        """Return a scanner that carries the last value over batch boundaries."""
        return _OrderScanner(self.column, self.direction)


class _OrderScanner:
    def __init__(self, column: str, direction: str) -> None:
        self.column, self.direction = column, direction
        self.last: Any = None

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        col = df.get_column(self.column)
        x = col.to_physical().cast(pl.Float64) if col.dtype.is_temporal() else col.cast(pl.Float64, strict=False)
        prev = x.shift(1).forward_fill()
        if self.last is not None:
            prev = prev.fill_null(self.last)
        present = x.drop_nulls()
        if len(present):
            self.last = present[-1]
        bad = (x < prev) if self.direction == "increasing" else (x > prev)
        return bad.fill_null(False).to_numpy().astype(bool)


@dataclass(frozen=True)
class MaxLocator:
    """Not a mask but an aggregate: the largest value of an expression over all rows."""

    expr: pl.Expr

    def start(self) -> _MaxScanner:
        """Return a scanner that keeps the running maximum."""
        return _MaxScanner(self.expr)


class _MaxScanner:
    def __init__(self, expr: pl.Expr) -> None:
        self.expr = expr
        self.value: Any = None

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        value = df.select(self.expr.max()).item()
        if value is not None and (self.value is None or value > self.value):
            self.value = value
        return np.zeros(df.height, dtype=bool)


def as_locator(value: Any) -> RowLocator | None:
    """Return a locator for a Polars expression or a locator; None for None."""
    if value is None:
        return None
    if isinstance(value, pl.Expr):
        return ExprLocator(value)
    return value
