"""Words every stage shares: what counts as missing, which row repeats an earlier one.

A low module (it imports no other tripwire stage) so that profiling, contracts and
detectors mean the same thing by "missing" and "duplicate" without importing each other.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tripwire.arrays import member

#: strings people (and writers like pandas, R and SQL clients) write for "no value";
#: compared after trimming and lower-casing
DISGUISED_NULLS = ("", "n/a", "na", "null", "none", "nan", "-", "--", "?", "nil", "#n/a",
                   "missing", "undefined", ".", "<na>", "<null>", "nat", "#null!")


def disguised_null(name: str) -> pl.Expr:
    """Return an expression true where a value is a disguised null ('', 'N/A', '<NA>', ...)."""
    text = pl.col(name).cast(pl.String, strict=False)
    return text.str.strip_chars().str.to_lowercase().is_in(DISGUISED_NULLS)


def missing_expr(name: str, dtype_kind: str) -> pl.Expr:
    """Return an expression true on null, NaN and disguised-null values of a column.

    `dtype_kind` is the profile's column kind ("numeric", "string", ...).
    """
    expr = pl.col(name).is_null()
    if dtype_kind == "numeric":
        expr = expr | pl.col(name).cast(pl.Float64, strict=False).is_nan().fill_null(False)
    if dtype_kind == "string":
        expr = expr | disguised_null(name).fill_null(False)
    return expr


def later_occurrences(hashes: np.ndarray) -> np.ndarray:
    """Return the sorted indices of values that already occurred earlier (every repeat after the first)."""
    # a plain sort finds the repeated values (most data has few or none); only the rows holding
    # one of them need the stable sort that tells a first occurrence from the later ones
    ordered = np.sort(hashes)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size == 0:
        return np.zeros(0, dtype=np.intp)
    candidates = np.flatnonzero(member(hashes, repeated))
    values = hashes[candidates]
    order = np.argsort(values, kind="stable")
    sorted_h = values[order]
    repeat = np.zeros(candidates.size, dtype=bool)
    repeat[1:] = sorted_h[1:] == sorted_h[:-1]
    return np.sort(candidates[order[repeat]])


def hash_rows(df: pl.DataFrame, seed: int = 3) -> np.ndarray:
    """Return one 64-bit hash per row of `df` (nested columns hashed through their text)."""
    try:
        return df.hash_rows(seed=seed).to_numpy()
    except pl.exceptions.PolarsError:
        return df.select(pl.all().cast(pl.String, strict=False)).hash_rows(seed=seed).to_numpy()
