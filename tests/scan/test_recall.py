"""Issue 21 and issue 12: everyday corruptions are found (right code, column, count, rows),
at any table size, with and without a reference; honest data stays quiet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import flights, penguins, random_halves


def loud(report, code=None, column=None):
    return [f for f in report.findings if f.severity != "info" and (code is None or f.code == code)
            and (column is None or column in f.columns)]


@pytest.fixture(scope="module")
def penguin_halves():
    df = penguins().dropna().reset_index(drop=True)
    return random_halves(df, seed=2)


# ---- class 1: missing values new to a column --------------------------------------------------
def test_one_percent_nan_new_to_a_column_is_a_warning(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    rows = np.arange(7, len(bad), 100)  # 1% of rows
    bad.loc[rows, "distance"] = np.nan
    [f] = loud(tripwire.scan(bad, ref), "data.missing_values", "distance")
    assert f.severity == "warning" and f.evidence["count"] == len(rows)
    assert list(f.rows) == rows[:100].tolist()


def test_writers_null_tokens_are_disguised_nulls(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    bad["origin"] = bad["origin"].astype(object)
    rows = np.arange(3, len(bad), 50)
    bad.loc[rows, "origin"] = np.resize(["<NA>", "nan", "None", "NULL", "N/A"], rows.size)
    [f] = loud(tripwire.scan(bad, ref), "data.missing_values", "origin")
    assert f.evidence["count"] == len(rows)
    assert set(f.evidence["disguised"]) == {"<NA>", "nan", "None", "NULL", "N/A"}


def test_cancelled_flights_are_one_finding_listing_the_columns():
    df = flights()
    flown = df[df["dep_time"].notna() & df["arr_delay"].notna()]
    ref = flown.sample(5_000, random_state=0).reset_index(drop=True)
    cur = df.sample(5_000, random_state=1).reset_index(drop=True)
    found = tripwire.scan(cur, ref).by_code("data.missing_values")
    cancelled = cur["dep_time"].isna()
    [together] = [f for f in found if "dep_time" in f.columns]
    assert together.evidence["columns"] == ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time"]
    assert together.evidence["count"] == int(cancelled.sum())
    assert together.title.startswith(f"{int(cancelled.sum()):,} rows are missing dep_time")
    # a cell is never reported twice: the findings' rows are disjoint
    seen: set[int] = set()
    for f in found:
        rows = set(f.evidence.get("all_rows") or f.rows)
        assert not rows & seen
        seen |= rows


# ---- class 3 and issue 12: impossible signs, zeros, sentinels in small tables -----------------
@pytest.mark.parametrize("with_reference", [True, False])
def test_sentinels_in_a_small_table(penguin_halves, with_reference):
    ref, cur = penguin_halves
    bad = cur.copy()
    bad.loc[[5, 50, 100], "body_mass_g"] = [-1, 0, 999_999]
    report = tripwire.scan(bad, ref if with_reference else None)
    found = report.by_code("data.outliers")
    rows = {r for f in found if "body_mass_g" in f.columns for r in f.rows}
    assert {5, 50} <= rows
    signs = {f.evidence.get("rule"): f for f in found if "body_mass_g" in f.columns}
    assert signs["sign"].severity == signs["zero"].severity == "warning"
    assert signs["sign"].evidence["count"] == signs["zero"].evidence["count"] == 1
    if with_reference:  # a reference makes the far value more visible, never hides it
        far = [f for f in loud(report, "data.outliers", "body_mass_g") if 100 in f.rows]
        assert far and far[0].evidence["count"] == 1 and far[0].evidence["share"] == 1 / len(bad)
    else:
        assert 100 in rows


def test_a_zero_based_id_or_count_is_not_an_impossible_zero():
    # pandas writes its 0-based index; counts start at 0: 0 continues whole numbers from 1
    ids = pd.DataFrame({"id": np.arange(2_000), "children": np.r_[0, np.arange(1_999) % 5 + 1],
                        "weight": np.r_[0.0, np.linspace(50, 90, 1_999)]})
    found = {(f.columns[0], f.evidence.get("rule")) for f in loud(tripwire.scan(ids), "data.outliers")}
    assert ("id", "zero") not in found and ("children", "zero") not in found
    assert ("weight", "zero") in found  # a lone zero far below measured weights still is one


def test_negatives_at_five_percent_against_a_never_negative_reference(penguin_halves):
    ref, cur = penguin_halves
    bad = cur.copy()
    rows = np.arange(0, len(bad), 20)
    bad.loc[rows, "flipper_length_mm"] = -bad.loc[rows, "flipper_length_mm"]
    [f] = [f for f in loud(tripwire.scan(bad, ref), "data.outliers", "flipper_length_mm")
           if f.evidence.get("rule") == "sign"]
    assert f.evidence["count"] == len(rows) and list(f.rows) == rows.tolist()


# ---- class 4 and issue 12: a share scaled by 10 is beyond the reference -----------------------
def test_one_bounded_score_scaled_by_ten_is_found_against_the_reference(penguin_halves):
    ref, cur = penguin_halves
    bad = cur.copy()
    bad.loc[[17], "bill_depth_mm"] = bad.loc[[17], "bill_depth_mm"] * 10
    [f] = loud(tripwire.scan(bad, ref), "data.outliers", "bill_depth_mm")
    assert f.evidence["count"] == 1 and list(f.rows) == [17]
    assert f.title.startswith("bill_depth_mm: 1 value (")


# ---- class 6 and issue 12: duplicates ---------------------------------------------------------
def test_a_quarter_of_rows_repeated_is_a_warning_whatever_the_distinctness(penguin_halves):
    ref, cur = penguin_halves
    bad = cur.copy()
    n = len(bad) // 4
    bad.iloc[-n:] = bad.iloc[:n].to_numpy()
    for reference in (None, ref):
        [f] = tripwire.scan(bad, reference).by_code("data.duplicates")
        assert f.severity == "warning" and f.evidence["count"] == n


def test_duplicates_as_common_as_in_the_reference_are_info(penguin_halves):
    ref, cur = penguin_halves
    ref = pd.concat([ref, ref.head(3)], ignore_index=True)
    cur = pd.concat([cur, cur.head(3)], ignore_index=True)
    [f] = tripwire.scan(cur, ref).by_code("data.duplicates")
    assert f.severity == "info" and f.evidence["reference_share"] > 0


# ---- class 5: mojibake from any codec pair ---------------------------------------------------
def test_mojibake_from_other_codecs_than_cp1252(penguin_halves):
    pytest.importorskip("ftfy")
    ref, cur = penguin_halves
    bad = cur.copy()
    bad.loc[[1, 2], "island"] = "Biscoé".encode().decode("cp437")
    bad.loc[[3], "island"] = "Dréam".encode().decode("mac_roman")
    [f] = tripwire.scan(bad, ref).by_code("data.encoding")
    assert f.evidence["kind"] == "mojibake" and f.evidence["count"] == 3
    assert list(f.rows) == [1, 2, 3] and "Biscoé" in f.evidence["repaired"]


def test_honest_accents_are_not_mojibake():
    pytest.importorskip("ftfy")
    df = pd.DataFrame({"place": ["Côte d'Ivoire", "São Tomé", "Zürich", "Réunion", "Ελληνικά"] * 40})
    assert not tripwire.scan(df).by_code("data.encoding")


# ---- class 2: numbers are identifiers only with evidence ---------------------------------------
def test_unique_weights_are_compared_but_row_ids_are_not(penguin_halves):
    from tripwire.drift_detection.compare import treatment

    _, cur = penguin_halves
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"row_id": np.arange(len(cur)) + 1_000,
                          "weight_mg": (cur["body_mass_g"] * 1000 + rng.integers(0, 999, len(cur)))})
    prof = tripwire.profile(frame)
    assert treatment(prof["row_id"]) is None
    assert treatment(prof["weight_mg"]) == "numeric"
    ids = tripwire.scan(frame).by_code("data.identifier_column")
    assert [f.columns for f in ids] == [("row_id",)]


# ---- issue 12: no rows, determinism -----------------------------------------------------------
def test_header_only_table_is_a_finding(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("a,b,c\n")
    [f] = tripwire.scan(path).by_code("data.low_quantity")
    assert f.severity == "error" and "no rows" in f.title


def test_the_same_scan_twice_gives_the_same_findings(flight_halves):
    ref, cur = flight_halves
    a, b = (tripwire.scan(cur, ref) for _ in range(2))
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


# ---- class 4: a share converted by any factor or affine map ---------------------------------
def test_a_fifth_of_distances_converted_by_a_non_decimal_factor(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    rows = np.arange(0, len(bad), 5)  # 20%
    bad.loc[rows, "distance"] = (bad.loc[rows, "distance"] * 0.45359237).round().astype(int)
    found = [f for f in loud(tripwire.scan(bad, ref), "data.magnitude_error", "distance")
             if f.detector == "rescaled_share"]
    assert len(found) == 1
    f = found[0]
    assert f.evidence["factor"] == pytest.approx(0.4536, rel=0.05)
    assert f.evidence["estimated_share"] == pytest.approx(0.2, abs=0.03)
    listed = set(f.evidence.get("all_rows") or f.rows)
    assert listed and len(listed & set(rows.tolist())) >= 0.9 * len(listed)


def test_celsius_read_as_fahrenheit_on_a_fifth_of_the_rows():
    from tests.realdata import seattle_weather

    ref, cur = random_halves(seattle_weather(), seed=4)
    bad = cur.copy()
    rows = np.arange(0, len(bad), 5)
    bad.loc[rows, "temp_max"] = bad.loc[rows, "temp_max"] * 1.8 + 32
    found = loud(tripwire.scan(bad, ref), "data.magnitude_error", "temp_max")
    assert found and found[0].evidence["estimated_share"] == pytest.approx(0.2, abs=0.05)


def test_a_share_moved_by_an_offset_is_drift_of_that_share(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    rows = np.arange(0, len(bad), 5)
    bad.loc[rows, "air_time"] = bad.loc[rows, "air_time"] + bad["air_time"].std()
    found = [f for f in loud(tripwire.scan(bad, ref), "drift.feature", "air_time")
             if f.detector == "rescaled_share"]
    assert found and found[0].evidence["fit"] == "offset"


@pytest.mark.parametrize("loader", ["gss_wages", "flights", "mpls_stops"])
def test_no_converted_share_in_honest_halves(loader):
    from tests.realdata import CLEAN_SETS

    df = CLEAN_SETS[loader]()
    ref, cur = random_halves(df.head(60_000), seed=7)
    report = tripwire.scan(cur, ref, only=["rescaled_share", "magnitude", "outliers"])
    assert not loud(report), [f.title for f in loud(report)]


# ---- class 5/8: category variants need a plausible typo -------------------------------------
def test_different_words_are_not_variants():
    pytest.importorskip("rapidfuzz")
    df = pd.DataFrame({"heating": ["GasA"] * 980 + ["GasW"] * 20,
                       "shape": ["Regular"] * 980 + ["Irregular"] * 20,
                       "medium": ["Print"] * 980 + ["Paint on paper"] * 20})
    assert not tripwire.scan(df).by_code("data.category_variants")


def test_swapped_dropped_and_leet_letters_are_variants(penguin_halves):
    pytest.importorskip("rapidfuzz")
    _, cur = penguin_halves
    bad = cur.copy()
    bad.loc[[3], "island"] = "Bsicoe"
    bad.loc[[4], "island"] = "Torgrsen"
    bad.loc[[6], "island"] = "Dr3am"
    [f] = tripwire.scan(bad).by_code("data.category_variants")
    assert f.evidence["mapping"] == {"Bsicoe": "Biscoe", "Torgrsen": "Torgersen", "Dr3am": "Dream"}
    assert list(f.rows) == [3, 4, 6]


# ---- class 7: a column shuffled or noised on a share of rows ---------------------------------
def test_five_percent_of_a_column_shuffled_across_rows_breaks_its_relation(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    rng = np.random.default_rng(7)
    rows = np.sort(rng.choice(len(bad), len(bad) // 20, replace=False))
    bad.loc[rows, "air_time"] = bad.loc[rng.permutation(rows), "air_time"].to_numpy()
    [f] = loud(tripwire.scan(bad, ref), "drift.correlation")
    assert set(f.columns) == {"air_time", "distance"}  # one pair: both named, either may have moved
    assert f.title.startswith(("air_time and distance", "distance and air_time"))
    [partner] = f.evidence["partners"].values()
    off_ref, off_cur = partner["rows_off_relation"]
    assert off_ref <= 0.011 and off_cur > 0.02 and partner["rows_off_relation_z"] >= 5


def test_noise_on_a_fifth_of_a_column_is_drift_of_its_spread_or_relations(flight_halves):
    ref, cur = flight_halves
    bad = cur.copy()
    rng = np.random.default_rng(8)
    rows = rng.choice(len(bad), len(bad) // 5, replace=False)
    sd = float(bad["distance"].std())
    bad.loc[rows, "distance"] = (bad.loc[rows, "distance"] + rng.normal(0, sd, rows.size)).round()
    found = loud(tripwire.scan(bad, ref), column="distance")
    assert {f.code for f in found} >= {"drift.correlation", "drift.feature"}
    # (rescaled_share may also name the rows moved off distance's relation: another drift.feature)
    [spread] = [f for f in found if f.code == "drift.feature" and f.evidence.get("metric") == "spread"]
    assert spread.evidence["sd_ratio"] > 1.05


def test_clean_halves_keep_their_relations(flight_halves, penguin_halves):
    for ref, cur in (flight_halves, penguin_halves):
        assert not loud(tripwire.scan(cur, ref), "drift.correlation")
