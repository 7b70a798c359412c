"""Profile many columns of one batch together: a few Polars calls per type, not per column.

A wide table (thousands of columns, few rows) spent most of its time in per-call overhead:
each column paid a dozen Polars/Arrow calls. Here the columns of one type are unpivoted into
one long frame, counted with one group-by, and split; the profiles equal `profile_column`'s.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from tripwire.profiling.column import ColumnProfile, _text, polars_ready
from tripwire.profiling.stats.frequent import DEFAULT_CAPACITY, FrequentItems
from tripwire.profiling.stats.moments import Moments
from tripwire.profiling.stats.numeric import MAG_BINS, MAG_LOW, MAG_PER_DECADE, NumericStats
from tripwire.profiling.stats.quantiles import QuantileSketch
from tripwire.profiling.stats.text import text_stats_many

#: from this many columns of one type in a batch on, they are profiled together
MANY_COLUMNS = 32


def profile_string_columns(names: list[str], arrays: list[pa.Array | pa.ChunkedArray],
                           capacity: int = DEFAULT_CAPACITY) -> list[ColumnProfile]:
    """Profile many string columns: one value count and one pass of each regex over all."""
    vc = _long_counts(arrays, pl.String).sort("column")
    stats = text_stats_many(vc, len(arrays))
    hashes = vc["value"].hash(seed=0).to_numpy()
    bounds = np.searchsorted(vc["column"].to_numpy(), np.arange(len(arrays) + 1))
    counts = vc["count"].to_numpy()
    vc = vc.drop("column")
    out = []
    for i, (name, array) in enumerate(zip(names, arrays, strict=True)):
        prof = ColumnProfile(name=name, physical_type=str(array.type), kind="string",
                             count=len(array), nulls=array.null_count)
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if hi > lo:
            prof.distinct.update_hashes(hashes[lo:hi])
            prof.frequent = FrequentItems.of_counts(vc.slice(lo, hi - lo), capacity,
                                                    total=int(counts[lo:hi].sum()))
            _text(prof, stats[i])
        out.append(prof)
    return out


def profile_numeric_columns(names: list[str], arrays: list[pa.Array | pa.ChunkedArray],
                            capacity: int = DEFAULT_CAPACITY) -> list[ColumnProfile]:
    """Profile many numeric columns of one Arrow type: one value count over all of them."""
    dtype = pl.Series(polars_ready(arrays[0][:0])).dtype
    vc = _long_counts(arrays, dtype)
    nan = np.zeros(len(arrays), dtype=np.int64)
    if dtype.is_float():
        is_nan = vc["value"].is_nan()
        nans = vc.filter(is_nan).group_by("column").agg(pl.col("count").sum())
        nan[nans["column"].to_numpy()] = nans["count"].to_numpy()
        vc = vc.filter(~is_nan)
    vc = vc.sort("column", "value")
    columns = vc["column"].to_numpy()
    values = vc["value"].to_numpy()
    counts = vc["count"].to_numpy().astype(np.int64)
    if dtype.is_float():  # -0.0 and 0.0 are one value: keep the one whose text is "0.0"
        values = values + 0.0
        start = np.flatnonzero(np.concatenate([[True], (columns[1:] != columns[:-1])
                                               | (values[1:] != values[:-1])]))
        if start.size < values.size:
            columns, values, counts = columns[start], values[start], np.add.reduceat(counts, start)
    hashes = pl.Series("value", values).hash(seed=0).to_numpy()
    k = len(arrays)
    bounds = np.searchsorted(columns, np.arange(k + 1))
    floats = values.astype(np.float64)
    finite = np.isfinite(floats)
    inf = np.bincount(columns[~finite], weights=counts[~finite], minlength=k).astype(np.int64)
    numbers = _numeric_stats_many(columns[finite], floats[finite], counts[finite], k)
    out = []
    for i, (name, array) in enumerate(zip(names, arrays, strict=True)):
        prof = ColumnProfile(name=name, physical_type=str(array.type), kind="numeric",
                             count=len(array), nulls=array.null_count, nan=int(nan[i]), inf=int(inf[i]))
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            prof.numbers = numbers[i]
            prof.distinct.update_hashes(hashes[lo:hi])
            prof.frequent = FrequentItems.of_arrays(values[lo:hi], counts[lo:hi], capacity)
        out.append(prof)
    return out


def _numeric_stats_many(columns: np.ndarray, x: np.ndarray, c: np.ndarray, k: int) -> list[NumericStats]:
    """Return NumericStats per column from sorted (column, distinct finite value, count) rows,
    with every aggregate computed once over all columns (bincount by column)."""
    n = np.bincount(columns, weights=c, minlength=k)
    bounds = np.searchsorted(columns, np.arange(k + 1))
    cw = c.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.bincount(columns, weights=x * cw, minlength=k) / n
        d = x - mean[columns]
        d2w = d * d * cw
        m2 = np.bincount(columns, weights=d2w, minlength=k)
        m3 = np.bincount(columns, weights=d2w * d, minlength=k)
        m4 = np.bincount(columns, weights=d2w * d * d, minlength=k)
        zeros = np.bincount(columns, weights=cw * (x == 0), minlength=k)
        negatives = np.bincount(columns, weights=cw * (x < 0), minlength=k)
        integral = np.bincount(columns, weights=cw * (x == np.floor(x)), minlength=k)
        bins = np.clip(np.floor((np.log10(np.abs(x)) - MAG_LOW) * MAG_PER_DECADE), 0, MAG_BINS - 1)
    nonzero = x != 0
    slot = (columns * 2 + (x < 0)) * MAG_BINS + np.where(nonzero, bins, 0).astype(np.int64)
    mags = np.bincount(slot, weights=cw * nonzero, minlength=k * 2 * MAG_BINS).astype(np.int64)
    mags = mags.reshape(k, 2, MAG_BINS)
    out = []
    for i in range(k):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if hi == lo:
            out.append(NumericStats())
            continue
        sketch = QuantileSketch.of_sorted(x[lo:hi], c[lo:hi])
        moments = Moments(int(n[i]), float(mean[i]), float(m2[i]), float(m3[i]), float(m4[i]))
        out.append(NumericStats(float(x[lo]), float(x[hi - 1]), moments, sketch, int(zeros[i]),
                                int(negatives[i]), int(integral[i]), mags[i].copy()))
    return out


def _long_counts(arrays: list[pa.Array | pa.ChunkedArray], dtype: pl.DataType) -> pl.DataFrame:
    """Return `column` (position), `value`, `count` over the non-null values of all arrays."""
    frame = pl.DataFrame([pl.Series(str(i), polars_ready(a), dtype=dtype) for i, a in enumerate(arrays)])
    return (frame.unpivot(variable_name="column", value_name="value").drop_nulls("value")
            .group_by("column", "value").len(name="count")
            .with_columns(pl.col("column").cast(pl.Int32)))
