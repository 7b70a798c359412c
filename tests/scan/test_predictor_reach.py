"""A damaged predictor is not read as a move or a slip of the columns it predicts.

Rows whose predictor was zeroed, negated or set to a sentinel are predicted from a value the
row model never saw: their residuals move with the predictor. They are left out of the tests
on the other columns' relations (`RowFeatures.reach`), so the alarm names the damaged column
only. Generated houses with a known answer: floor areas, rooms and a log-linear price.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tripwire.detectors.data import row_model


def _houses(n: int = 6000, seed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["a", "b", "c", "d"], n)
    first = np.exp(rng.normal(7.0, 0.35, n)).round()
    second = np.where(rng.random(n) < 0.5, 0.0, (first * rng.uniform(0.5, 1.0, n)).round())
    living = first + second
    rooms = np.clip((living / 250 + rng.normal(0, 0.8, n)).round(), 2, None)
    price = np.exp(0.9 * np.log(living) + 0.3 * (kind == "a") - 0.2 * (kind == "d")
                   + rng.normal(0, 0.12, n) + 6.5).round(-2)
    lot = np.exp(rng.normal(9, 0.4, n) + 0.2 * np.log(living)).round()
    df = pd.DataFrame({"first_sf": first, "second_sf": second, "living_sf": living, "rooms": rooms,
                       "price": price, "lot": lot, "kind": kind})
    mask = np.random.default_rng(seed).random(n) < 0.5
    return df[mask].reset_index(drop=True), df[~mask].reset_index(drop=True)


def _damaged(cur: pd.DataFrame, how: str) -> pd.DataFrame:
    bad = cur.copy()
    rows = np.random.default_rng(3).choice(len(bad), int(0.05 * len(bad)), replace=False)
    bad.loc[rows, "first_sf"] = {"zeros": 0.0, "negatives": -bad.loc[rows, "first_sf"]}[how]
    return bad


def _loud_elsewhere(report, column: str) -> list[str]:
    return [f"{f.code}: {f.title}" for f in report.findings
            if f.severity in ("warning", "error") and column not in f.columns]


@pytest.mark.parametrize("how", ["zeros", "negatives"])
def test_a_damaged_predictor_raises_alarms_about_itself_only(how):
    ref, cur = _houses()
    report = tripwire.scan(_damaged(cur, how), ref)
    assert any(f.code == "data.outliers" and f.columns == ("first_sf",) for f in report.findings)
    assert _loud_elsewhere(report, "first_sf") == []


def test_tested_every_row_the_damaged_predictor_moves_the_columns_it_predicts(monkeypatch):
    """The data exercise the mechanism: with every current row tested, price and rooms alarm."""
    monkeypatch.setattr(row_model, "REACH_MARGIN", np.inf)
    ref, cur = _houses()
    wrong = _loud_elsewhere(tripwire.scan(_damaged(cur, "zeros"), ref), "first_sf")
    assert {w.split(":")[1].strip() for w in wrong} >= {"price", "rooms"}


def test_a_slip_of_a_predicted_column_is_still_found_and_clean_halves_stay_quiet():
    ref, cur = _houses()
    assert _loud_elsewhere(tripwire.scan(cur, ref), "") == []
    slipped = cur.copy()
    rows = np.random.default_rng(4).choice(len(slipped), int(0.03 * len(slipped)), replace=False)
    slipped.loc[rows, "price"] = (slipped.loc[rows, "price"] * 10).round()
    [finding] = [f for f in tripwire.scan(slipped, ref).findings if f.code == "data.magnitude_error"]
    assert finding.columns[0] == "price" and "10x" in finding.title


def test_the_rows_tested_are_those_whose_predictors_are_known_and_within_reach():
    """A known answer per row: a missing number, an unseen category and a value far beyond the
    reference's range leave their row out; an honest value a little beyond it does not."""
    import polars as pl

    from tripwire.detectors.data.row_model import RowFeatures, SampleColumns, Samples, fit_row_model

    rng = np.random.default_rng(0)

    def frame(n: int) -> pl.DataFrame:
        kind = rng.choice(["a", "b", "c"], n)
        size = rng.uniform(10.0, 100.0, n)
        price = np.exp(np.log(size) + np.where(kind == "a", 0.5, 0.0) + rng.normal(0, 0.05, n))
        # empty by design on a tenth of the rows, in both samples: the model learns from those rows
        extra = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(-1.0, 1.0, n))
        return pl.DataFrame({"kind": kind, "size": size, "price": price, "extra": extra})

    ref, cur = frame(2000), frame(400)
    cur = cur.with_columns(extra=pl.when(pl.int_range(pl.len()) == 4).then(float("nan")).otherwise(pl.col("extra")))
    cur = cur.with_columns(
        size=pl.when(pl.int_range(pl.len()) == 0).then(None)  # missing: filled with the median
        .when(pl.int_range(pl.len()) == 1).then(0.0)  # far below every reference size (log1p 0)
        .when(pl.int_range(pl.len()) == 2).then(105.0)  # honest: 5% of the span beyond the maximum
        .otherwise(pl.col("size")),
        kind=pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("A")).otherwise(pl.col("kind")))  # unseen
    model = fit_row_model(RowFeatures.of(ref, cur), Samples(SampleColumns(ref), SampleColumns(cur)), "price")
    assert model is not None and not model.weak
    assert model.cur_inside[:5].tolist() == [False, False, True, False, True]  # row 4: missing as in the reference
    assert model.cur_inside[4:].all(), np.flatnonzero(~model.cur_inside)
    assert model.cur_tested.size == cur.height - 3
