"""A table of ratings (one row per item, annotator and label) as integer codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.io.times import as_times

#: labels with more distinct values than this are not a set of categories to agree on
MAX_CLASSES = 200


@dataclass(frozen=True)
class Ratings:
    """Ratings as codes: item, annotator and label index per rating, and the names behind them."""

    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    items: list[str]
    annotators: list[str]
    #: the classes in their order (numbers numerically, else as text)
    classes: list[str]
    #: the classes as numbers when every class is one (interval and ordinal distances), else None
    values: np.ndarray | None
    #: each rating's time (datetime64[us]) when a time column was given
    time: np.ndarray | None = None
    #: each rating's 0-based row in the input
    rows: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        """Return the number of items."""
        return len(self.items)

    @property
    def n_classes(self) -> int:
        """Return the number of classes."""
        return len(self.classes)

    def counts(self) -> np.ndarray:
        """Return the (items × classes) matrix of how many annotators gave each label."""
        k = self.n_classes
        flat = np.bincount(self.item * k + self.label, minlength=self.n_items * k)
        return flat.reshape(self.n_items, k)

    def subset(self, keep: np.ndarray) -> Ratings:
        """Return the ratings where `keep` is true (codes and names unchanged)."""
        return Ratings(self.item[keep], self.annotator[keep], self.label[keep], self.items, self.annotators,
                       self.classes, self.values, None if self.time is None else self.time[keep],
                       None if self.rows is None else self.rows[keep])


def ratings_from_frame(df: pl.DataFrame, item: str, annotator: str, label: str, time: str | None = None,
                       row: str | None = None) -> tuple[Ratings, dict[str, int]]:
    """Return the ratings and counts of what was set aside (missing labels, repeated ratings).

    An annotator who rated one item more than once keeps the first rating read.
    """
    for flag, col in (("--item", item), ("--annotator", annotator), ("--label", label), ("--time", time)):
        if col is not None and col not in df.columns:
            raise UsageError(f"{flag} {col!r} is not a column; columns: {', '.join(df.columns[:20])}")
    cols = [item, annotator, label] + ([time] if time else [])
    frame = df.select(*(pl.col(c) for c in dict.fromkeys(cols)),
                      (pl.col(row) if row else pl.int_range(pl.len(), dtype=pl.Int64)).alias("__row__"))
    missing = frame.filter(pl.col(label).is_null() | pl.col(item).is_null() | pl.col(annotator).is_null()).height
    frame = frame.drop_nulls([item, annotator, label])
    if label in frame.columns and frame[label].dtype.is_float():
        frame = frame.filter(~pl.col(label).is_nan())
    before = frame.height
    frame = frame.unique([item, annotator], keep="first", maintain_order=True)
    repeated = before - frame.height
    if frame.height == 0:
        raise UsageError(f"no rating has an item ({item!r}), an annotator ({annotator!r}) and a label ({label!r})")
    labels = frame[label]
    numeric = labels.dtype.is_numeric() or labels.dtype == pl.Boolean
    distinct = labels.unique()
    if distinct.len() > MAX_CLASSES:
        raise UsageError(f"--label {label!r} has {distinct.len():,} distinct values; at most {MAX_CLASSES} "
                         "classes can be compared")
    if numeric:
        ordered = distinct.cast(pl.Float64).sort()
        values = ordered.to_numpy()
        codes = np.searchsorted(values, labels.cast(pl.Float64).to_numpy())
        classes = [_number_name(v) for v in values]
    else:
        text = labels.cast(pl.String)
        names = sorted(text.unique().to_list())
        codes = np.searchsorted(np.array(names, dtype=object), text.to_numpy().astype(object))
        classes, values = names, None
    item_codes, item_names = _codes(frame[item])
    ann_codes, ann_names = _codes(frame[annotator])
    times = None
    if time:
        times = _times(frame[time], time)
    ratings = Ratings(item_codes, ann_codes, codes.astype(np.int64), item_names, ann_names, classes, values, times,
                      frame["__row__"].to_numpy())
    return ratings, {"missing": missing, "repeated": repeated}


def ratings_from_wide(df: pl.DataFrame, item: str | None, raters: list[str]) -> pl.DataFrame:
    """Return a wide table (one column per annotator) as a long one: item, annotator, label."""
    missing = [c for c in raters if c not in df.columns]
    if missing:
        raise UsageError(f"--raters {missing[0]!r} is not a column; columns: {', '.join(df.columns[:20])}")
    if item is not None and item not in df.columns:
        raise UsageError(f"--item {item!r} is not a column; columns: {', '.join(df.columns[:20])}")
    base = df.with_row_index("__row__").with_columns(pl.col("__row__").cast(pl.Int64))
    key = item or "__row__"
    types = {base.schema[c] for c in raters}
    if len(types) > 1:  # one label type across annotators (e.g. 1 and 1.0 are the same class)
        numeric = all(t.is_numeric() for t in types)
        base = base.with_columns(pl.col(raters).cast(pl.Float64 if numeric else pl.String))
    long = base.unpivot(raters, index=list(dict.fromkeys([key, "__row__"])), variable_name="annotator",
                        value_name="label")
    return long.rename({key: "item"}) if key != "item" else long


def _codes(values: pl.Series) -> tuple[np.ndarray, list[str]]:
    text = values.cast(pl.String)
    names = text.unique(maintain_order=True)
    lookup = pl.DataFrame({"v": names, "i": pl.int_range(names.len(), eager=True)})
    codes = pl.DataFrame({"v": text}).join(lookup, on="v", how="left", maintain_order="left")["i"].to_numpy()
    return codes.astype(np.int64), names.to_list()


def _number_name(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _times(values: pl.Series, name: str) -> np.ndarray:
    s = as_times(values, years=True)
    if s is None:
        raise UsageError(f"--time {name!r} holds {values.dtype}, not dates or times")
    if s.null_count() == s.len():
        raise UsageError(f"--time {name!r}: no value reads as a date or time (e.g. 2026-01-31 or 2026-01-31T10:00)")
    return s.to_numpy()
