"""Whether a label holds classes or numbers: the one rule `evaluate` and `explain` both decide by.

The evidence is the label's type first: text, booleans and categoricals are classes, floats
with a fractional value are numbers. Whole numbers (integers, or floats that are all whole)
are classes when there are few of them (a rating 1-5, a class code) and numbers otherwise
(a count, a price rounded to dollars).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

#: a whole-number label with at most this many distinct values is taken for classes
MAX_CLASS_CODES = 20


def as_series(y: Any) -> pl.Series:
    """Return the label as a Polars Series (a NumPy array or a list becomes one)."""
    return y if isinstance(y, pl.Series) else pl.Series("label", np.asarray(y))


def holds_numbers(y: pl.Series) -> bool:
    """Return whether the label's type can be read as numbers (integers, floats, booleans as 0/1)."""
    return y.dtype.is_numeric() or y.dtype == pl.Boolean


def label_task(y: Any) -> str:
    """Return "classification" or "regression": what the label's type and values say it holds."""
    return "regression" if _numbers_because(as_series(y)) else "classification"


def why_numbers(y: Any) -> str:
    """Return the evidence a label holds numbers, as a message shows it ("Float64 with fractional values")."""
    return _numbers_because(as_series(y)) or f"{as_series(y).dtype}: classes, not numbers"


def _numbers_because(y: pl.Series) -> str:
    """Return why the label holds numbers ("" when it holds classes): the rule, written once for both above."""
    if not y.dtype.is_numeric() or y.dtype == pl.Boolean:
        return ""
    known = y.drop_nulls()
    if y.dtype.is_float() and not (known.fill_nan(0) == known.fill_nan(0).round(0)).all():
        return f"{y.dtype} with fractional values"
    distinct = known.n_unique()
    return f"{y.dtype} with {distinct:,} distinct values, more than {MAX_CLASS_CODES}" if distinct > MAX_CLASS_CODES else ""
