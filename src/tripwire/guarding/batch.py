"""One request batch as a Polars frame, its rows in the caller's own type, and outputs put together.

The model and the fallback receive what the caller passed (a pandas or Polars frame, an
Arrow table, a list of dicts), or the same type cut to some rows; the guard reads the Polars
view. Outputs come back as the model returned them: a NumPy array, a pandas or Polars
series, or a list.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa


def as_frame(data: Any) -> pl.DataFrame:
    """Return a request batch as a Polars frame (a TypeError names what could not be read)."""
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        out = pl.from_arrow(data)
        assert isinstance(out, pl.DataFrame)
        return out
    if isinstance(data, list):
        if not data:
            return pl.DataFrame()
        if not all(isinstance(r, dict) for r in data[:1000]):
            raise TypeError("a list batch must hold one dict per row")
        return pl.DataFrame(data, infer_schema_length=None, strict=False)
    if type(data).__module__.startswith("pandas"):
        return pl.from_pandas(data)
    raise TypeError(f"cannot read a request batch of type {type(data).__name__}; "
                    "pass a pandas or Polars frame, an Arrow table or a list of dicts")


def take(data: Any, rows: np.ndarray) -> Any:
    """Return the given rows (0-based positions) of a batch, in the batch's own type."""
    if isinstance(data, pl.DataFrame):
        return data[rows]
    if isinstance(data, pa.Table):
        return data.take(pa.array(rows, type=pa.int64()))
    if isinstance(data, pa.RecordBatch):
        return data.take(pa.array(rows, type=pa.int64()))
    if isinstance(data, list):
        return [data[i] for i in rows.tolist()]
    return data.iloc[rows]  # pandas


def as_values(output: Any, n: int) -> np.ndarray:
    """Return a model's or fallback's output as an object array of n values (ValueError otherwise)."""
    if isinstance(output, pl.Series):
        values = np.asarray(output.to_list(), dtype=object)
    elif isinstance(output, pl.DataFrame) and output.width == 1:
        values = np.asarray(output.to_series().to_list(), dtype=object)
    elif hasattr(output, "to_numpy") and not isinstance(output, np.ndarray):
        values = np.asarray(output.to_numpy(), dtype=object)
    else:
        values = np.asarray(output, dtype=object)
        if values.ndim == 0:
            values = np.full(n, output, dtype=object)
    if values.ndim > 1 and values.shape[0] == n:
        values = np.array([tuple(r) for r in values.tolist()] + [None], dtype=object)[:-1]
    if values.shape[0] != n:
        raise ValueError(f"returned {values.shape[0]} values for {n} rows")
    return values


def shaped_like(template: Any, values: np.ndarray) -> Any:
    """Return values in the type of the model's own output (array, series or list)."""
    if isinstance(template, np.ndarray):
        try:
            return values.astype(template.dtype) if template.dtype != object else values
        except (TypeError, ValueError):
            return values  # a marker or a fallback of another type among the numbers
    if isinstance(template, pl.Series):
        try:
            return pl.Series(template.name, values.tolist(), dtype=template.dtype, strict=False)
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            return pl.Series(template.name, [str(v) for v in values.tolist()])
    if type(template).__module__.startswith("pandas"):
        import pandas as pd

        return pd.Series(values.tolist(), name=getattr(template, "name", None))
    return values.tolist()
