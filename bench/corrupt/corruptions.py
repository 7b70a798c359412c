"""Corruptions with a known answer: each damages `rate` of the rows of one column (or the table)
and returns the damaged frame with the row indices it touched.

Integer columns stay integer (rounded, nullable Int64 where NaN is injected), so a case is
never caught merely because its dtype changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
ACCENT = str.maketrans({"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü"})
#: (written as, read as): the second decoding of the first's bytes
CODEC_PAIRS = [("utf-8", "cp1252"), ("utf-8", "mac_roman"), ("utf-8", "cp437"), ("utf-8", "latin-1"),
               ("cp1252", "utf-8")]
DISGUISED = ["<NA>", "nan", "None", "NULL", "N/A"]


@dataclass(frozen=True)
class Corruption:
    """A named corruption: which columns it applies to and how it damages them."""

    name: str
    group: str  # the issue-21 class it belongs to
    column: str  # eligibility: numeric, positive, nonnegative, category, text, table
    apply: Callable[[pd.DataFrame, str, np.ndarray, np.random.Generator], pd.DataFrame]
    #: what counts as detection: codes on the column (None: any warning/error on it)
    codes: tuple[str, ...] | None = None
    rows_expected: bool = True


def _keep_dtype(df: pd.DataFrame, col: str, values: pd.Series) -> pd.DataFrame:
    out = df.copy()
    if pd.api.types.is_integer_dtype(df[col].dtype):
        values = values.round().astype("Int64" if values.isna().any() else df[col].dtype)
    out[col] = values
    return out


def _numeric_map(fn: Callable[[np.ndarray], np.ndarray]):
    def apply(df, col, rows, rng):
        x = df[col].astype("float64").copy()
        x.iloc[rows] = fn(x.iloc[rows].to_numpy())
        return _keep_dtype(df, col, x)
    return apply


def _set_nan(df, col, rows, rng):
    x = df[col].astype("float64").copy()
    x.iloc[rows] = np.nan
    return _keep_dtype(df, col, x)


def _set_tokens(df, col, rows, rng):
    out = df.copy()
    x = out[col].astype(object)
    x.iloc[rows] = rng.choice(DISGUISED, size=rows.size)
    out[col] = x
    return out


def _sentinel(df, col, rows, rng):
    x = df[col].astype("float64").copy()
    x.iloc[rows] = rng.choice([-1.0, 0.0, 999999.0], size=rows.size)
    return _keep_dtype(df, col, x)


def _shift(df, col, rows, rng):
    sd = float(df[col].std())
    return _numeric_map(lambda v: v + sd)(df, col, rows, rng)


def _noise(df, col, rows, rng):
    sd = float(df[col].std())
    return _numeric_map(lambda v: v + rng.normal(0, sd, v.size))(df, col, rows, rng)


def _shuffle(df, col, rows, rng):
    out = df.copy()
    x = out[col].copy()
    x.iloc[rows] = x.iloc[rng.permutation(rows)].to_numpy()
    out[col] = x
    return out


def typo(value: str, rng: np.random.Generator) -> str:
    """Damage one value: swap two letters, drop one, leetspeak, or swap case."""
    op = int(rng.integers(4))
    i = int(rng.integers(1, max(len(value) - 1, 2)))
    if op == 0 and len(value) >= 3:
        i = min(i, len(value) - 2)
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    if op == 1 and len(value) >= 3:
        return value[:i] + value[i + 1:]
    if op == 2 and value.lower().translate(LEET) != value.lower():
        return value.translate(LEET)
    return value.swapcase() if value.swapcase() != value else value + value[-1]


def mojibake(value: str, rng: np.random.Generator) -> str:
    """Give a value an accent (the true text), then decode its bytes with the wrong codec."""
    accented = value.translate(ACCENT) if value.translate(ACCENT) != value else value + "é"
    wrote, read = CODEC_PAIRS[int(rng.integers(len(CODEC_PAIRS)))]
    return accented.encode(wrote, errors="replace").decode(read, errors="replace")


def _text_map(fn):
    def apply(df, col, rows, rng):
        out = df.copy()
        x = out[col].astype(object).copy()
        x.iloc[rows] = [fn(str(v), rng) for v in x.iloc[rows]]
        out[col] = x
        return out
    return apply


def _duplicate(df, col, rows, rng):
    """Overwrite the chosen rows with copies of earlier, undamaged rows (the copies are the damage)."""
    others = np.setdiff1d(np.arange(len(df)), rows)
    below = np.searchsorted(others, rows)  # undamaged rows before each damaged one
    src = others[np.floor(rng.random(rows.size) * np.maximum(below, 1)).astype(int)]
    out = df.copy()
    out.iloc[rows] = df.iloc[src].to_numpy()
    return out.astype(df.dtypes.to_dict())


CORRUPTIONS: list[Corruption] = [
    Corruption("nan", "1 missing", "numeric", _set_nan, ("data.missing_values",)),
    Corruption("null_tokens", "1 missing", "category", _set_tokens, ("data.missing_values",)),
    Corruption("zeros", "3 sign/zero", "positive", _numeric_map(lambda v: v * 0)),
    Corruption("negatives", "3 sign/zero", "nonnegative", _numeric_map(lambda v: -v)),
    Corruption("sentinels", "3 sign/zero", "positive", _sentinel),
    Corruption("x10", "4 units", "positive", _numeric_map(lambda v: v * 10)),
    Corruption("x1000", "4 units", "positive", _numeric_map(lambda v: v * 1000)),
    Corruption("lb_to_kg", "4 units", "positive", _numeric_map(lambda v: v * 0.45359237)),
    Corruption("c_to_f", "4 units", "positive", _numeric_map(lambda v: v * 1.8 + 32)),
    Corruption("typos", "5 text", "category", _text_map(typo), ("data.category_variants",)),
    Corruption("mojibake", "5 text", "text", _text_map(mojibake), ("data.encoding",)),
    Corruption("duplicates", "6 duplicates", "table", _duplicate, ("data.duplicates",)),
    Corruption("shift_1sd", "7 shift/noise", "numeric", _shift, ("drift.feature", "drift.multivariate", "drift.correlation"),
               rows_expected=False),
    Corruption("noise_1sd", "7 shift/noise", "numeric", _noise, ("drift.feature", "drift.multivariate", "drift.correlation"),
               rows_expected=False),
    Corruption("shuffle", "7 shift/noise", "numeric", _shuffle, ("drift.feature", "drift.multivariate", "drift.correlation"),
               rows_expected=False),
]


def eligible_columns(df: pd.DataFrame, kind: str) -> list[str]:
    """Return the columns a corruption of this kind can damage meaningfully."""
    out = []
    for c in df.columns:
        s = df[c]
        if kind == "table":
            return [df.columns[0]]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            if s.nunique() < 20 or s.isna().mean() > 0.05:
                continue
            if kind == "numeric" and s.isna().sum() == 0:
                out.append(c)
            elif kind == "positive" and s.min() > 0:
                out.append(c)
            elif kind == "nonnegative" and s.min() >= 0 and (s > 0).mean() > 0.5:
                out.append(c)
        elif s.dtype == object and kind in ("category", "text"):
            v = s.dropna().astype(str)
            if v.empty or s.isna().mean() > 0.05:
                continue
            n = v.nunique()
            if kind == "category" and 2 <= n <= 200 and v.str.len().min() >= 4:
                out.append(c)
            elif kind == "text" and n >= 2:
                out.append(c)
    return out


def target_rows(df: pd.DataFrame, col: str, kind: str, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Return sorted rows to damage: `rate` of the rows where the damage changes the value."""
    pool = np.arange(len(df))
    if kind == "table":
        pool = pool[1:]  # row 0 stays: every copy needs an earlier original
    if kind == "nonnegative":
        pool = pool[(df[col] > 0).to_numpy()]
    k = max(1, round(rate * len(df)))
    return np.sort(rng.choice(pool, size=min(k, pool.size), replace=False))
