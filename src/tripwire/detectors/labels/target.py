"""Read the label column as classes: what makes a label judgeable, and its class indices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tripwire.profiling import ColumnProfile

#: a label with more distinct values than this is not a set of classes
MAX_CLASSES = 200
#: numbers with more distinct values than this (and not all whole) are a continuous target
MAX_FLOAT_CLASSES = 20


def why_not_classes(col: ColumnProfile) -> str | None:
    """Return why a label column cannot be judged as classes, or None when it can."""
    distinct = col.distinct_count
    if col.non_null == 0:
        return "it has no values"
    if distinct < 2:
        return "it has one class only"
    if col.inferred_type == "float" and distinct > MAX_FLOAT_CLASSES:
        return f"it looks continuous ({distinct:,.0f} distinct numbers); classes are needed"
    if distinct > MAX_CLASSES:
        return f"it has {distinct:,.0f} distinct values; at most {MAX_CLASSES} classes can be judged"
    return None


@dataclass(frozen=True)
class Classes:
    """The label as class indices, with the rows of classes seen only once set aside."""

    names: list[str]
    y: np.ndarray
    #: positions (within the given labels) of rows kept for judging
    kept: np.ndarray
    singletons: dict[str, int]


def encode_classes(labels: pl.Series) -> Classes:
    """Turn label values into indices 0..k-1 (sorted by value); drop classes of a single row."""
    text = labels.cast(pl.String)
    counts = text.value_counts()
    single = counts.filter(pl.col("count") < 2)[text.name].to_list()
    keep_mask = ~text.is_in(single).to_numpy()
    names = sorted(counts.filter(pl.col("count") >= 2)[text.name].to_list(), key=_order)
    kept = np.flatnonzero(keep_mask)
    y = text.filter(pl.Series(keep_mask)).replace_strict(names, list(range(len(names))),
                                                         return_dtype=pl.Int64).to_numpy()
    return Classes(names, y, kept, {str(s): 1 for s in single})


def _order(value: str) -> tuple[int, float, str]:
    # numeric classes in numeric order (2 before 10), then text
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)
