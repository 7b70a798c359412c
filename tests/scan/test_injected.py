"""Each detector fires on a known injected issue: right code, column, count and rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import flights, gss_wages, penguins, random_halves


@pytest.fixture(scope="module")
def halves():
    ref, cur = random_halves(flights().head(60_000), seed=1)
    return ref, cur


def only(report, code, column=None):
    found = [f for f in report.findings if f.code == code and (column is None or column in f.columns)]
    assert found, f"no {code} on {column}: {[(f.code, f.columns, f.title) for f in report.findings]}"
    return found[0]


def test_strings_in_a_numeric_column_name_code_count_and_rows(halves, tmp_path):
    _, cur = halves
    path = tmp_path / "cur.csv"
    bad = cur.copy()
    bad["dep_delay"] = bad["dep_delay"].astype(object)
    rows = [5, 1234, 20_000]
    for r in rows:
        bad.loc[r, "dep_delay"] = "n/a - crew"
    bad.to_csv(path, index=False)
    f = only(tripwire.scan(path), "schema.type_mismatch", "dep_delay")
    assert f.severity == "error"
    assert f.evidence["count"] == 3 and list(f.rows) == rows
    assert "n/a - crew" in f.evidence["examples"]


def test_type_change_against_reference_is_an_error(halves):
    ref, cur = halves
    bad = cur.copy()
    bad["distance"] = bad["distance"].astype(str) + " mi"
    f = only(tripwire.scan(bad, ref), "schema.type_mismatch", "distance")
    assert f.severity == "error" and f.evidence["reference_type"] == "int"
    assert f.evidence["count"] == len(bad)


def test_missing_and_unexpected_columns_and_serving_skew(halves):
    ref, cur = halves
    bad = cur.drop(columns=["tailnum"]).assign(new_feature=1.0)
    bad["air_time"] = np.nan
    r = tripwire.scan(bad, ref)
    assert only(r, "schema.missing_column", "tailnum").severity == "error"
    assert only(r, "schema.unexpected_column", "new_feature").severity == "warning"
    assert only(r, "schema.serving_skew", "air_time").severity == "error"
    assert r.exit_code == 1


def test_missing_values_rise_against_reference_with_disguised_nulls(halves):
    ref, cur = halves
    bad = cur.copy()
    rng = np.random.default_rng(0)
    hit = np.flatnonzero(rng.random(len(bad)) < 0.3)
    bad["origin"] = bad["origin"].astype(object)
    bad.loc[hit, "origin"] = "N/A"
    f = only(tripwire.scan(bad, ref), "data.missing_values", "origin")
    assert f.severity == "error"
    assert f.evidence["count"] == len(hit) and f.evidence["disguised"] == {"N/A": len(hit)}
    assert list(f.rows) == hit[:100].tolist()


def test_magnitude_error_lost_decimal_point(halves):
    _, cur = halves
    bad = cur.copy()
    rows = np.arange(100, 4100, 100)  # 40 values, 0.13%
    bad.loc[rows, "distance"] = bad.loc[rows, "distance"] * 100
    f = only(tripwire.scan(bad), "data.magnitude_error", "distance")
    assert f.severity == "error" and f.evidence["factor"] == 100
    assert f.evidence["count"] == 40 and list(f.rows) == rows.tolist()


def test_magnitude_quiet_on_heavy_tailed_incomes():
    r = tripwire.scan(gss_wages())
    assert not r.by_code("data.magnitude_error")
    rng = np.random.default_rng(3)
    heavy = pd.DataFrame({"price": rng.lognormal(4, 1.5, 50_000), "count": rng.zipf(2.0, 50_000)})
    assert not tripwire.scan(heavy).by_code("data.magnitude_error")


def test_magnitude_against_reference_cents_vs_units(halves):
    ref, cur = halves
    bad = cur.copy()
    bad["distance"] = bad["distance"] * 100  # the whole batch arrives in another unit
    f = only(tripwire.scan(bad, ref), "data.magnitude_error", "distance")
    assert f.severity == "error" and f.evidence["factor"] == 100


def test_negative_values_where_impossible(halves):
    _, cur = halves
    bad = cur.copy()
    bad.loc[[7, 70], "distance"] = -bad.loc[[7, 70], "distance"]
    f = only(tripwire.scan(bad), "data.outliers", "distance")
    assert f.severity == "warning" and f.evidence["count"] == 2 and list(f.rows) == [7, 70]


def test_outliers_beyond_reference_range(halves):
    ref, cur = halves
    bad = cur.copy()
    rows = np.arange(0, 30_000, 50)  # 600 rows, 2%
    bad.loc[rows, "air_time"] = 5_000.0
    f = only(tripwire.scan(bad, ref), "data.outliers", "air_time")
    assert f.severity == "warning"
    assert set(rows.tolist()) <= set(f.evidence["all_rows"])


def test_exact_and_near_duplicates():
    df = pd.DataFrame({"id": np.arange(2_000), "text": [f"Order number {i} was shipped today, thanks" for i in range(2_000)]})
    dup = pd.concat([df, df.iloc[[3, 5, 7]]], ignore_index=True)
    dup.loc[len(dup)] = [9_999, "ORDER number 10 was shipped today... thanks!"]
    r = tripwire.scan(dup)
    exact = only(r, "data.duplicates")
    assert exact.evidence["count"] == 3 and list(exact.rows) == [2_000, 2_001, 2_002]
    assert exact.severity == "warning"
    near = only(r, "data.near_duplicates", "text")
    assert near.evidence["count"] == 1 and list(near.rows) == [2_003]


def test_constant_and_identifier_columns(halves):
    ref, cur = halves
    bad = cur.assign(row_id=[f"R{i:07d}" for i in range(len(cur))], carrier="UA")
    r = tripwire.scan(bad, ref)
    assert only(r, "data.identifier_column", "row_id").severity == "info"
    assert only(r, "data.constant_column", "carrier").severity == "warning"  # it varied before


def test_category_variants_with_mapping():
    pytest.importorskip("rapidfuzz")
    rng = np.random.default_rng(0)
    cities = rng.choice(["Amsterdam", "Rotterdam", "Utrecht", "Den Haag"], 5_000)
    df = pd.DataFrame({"city": cities})
    df.loc[[1, 2, 3], "city"] = "amsterdam "
    df.loc[[10, 11], "city"] = "Rotterdm"
    df.loc[[20], "city"] = "Utrécht"
    f = only(tripwire.scan(df), "data.category_variants", "city")
    assert f.evidence["mapping"] == {"amsterdam ": "Amsterdam", "Rotterdm": "Rotterdam", "Utrécht": "Utrecht"}
    assert f.evidence["count"] == 6 and list(f.rows) == [1, 2, 3, 10, 11, 20]


def test_short_codes_and_numbered_codes_are_not_merged():
    pytest.importorskip("rapidfuzz")
    df = pd.DataFrame({"state": ["IA"] * 500 + ["IN"] * 3 + ["S"] * 200 + ["M"] * 2})
    assert not tripwire.scan(df).by_code("data.category_variants")
    rng = np.random.default_rng(0)
    codes = pd.DataFrame({"code": [f"s1k_{i:06d}" for i in rng.zipf(1.5, 20_000) % 1000]})
    assert not tripwire.scan(codes).by_code("data.category_variants")


def test_encoding_damage_with_repairs():
    pytest.importorskip("ftfy")
    text = ["a fine café", "naïve idea"] * 500 + ["cafÃ© au lait", "donâ€™t", "bad \ufffd byte", "Tom &amp; Jerry"]
    f = tripwire.scan(pd.DataFrame({"t": text}))
    moji = next(x for x in f.by_code("data.encoding") if x.evidence["kind"] == "mojibake")
    assert moji.evidence["count"] == 2 and list(moji.rows) == [1000, 1001]
    assert "café au lait" in moji.evidence["repaired"]
    kinds = {x.evidence["kind"] for x in f.by_code("data.encoding")}
    assert {"mojibake", "replacement_char", "html_entity"} <= kinds


def test_format_change_dates_to_epoch_text():
    dates = pd.date_range("2024-01-01", periods=2_000, freq="h").strftime("%d/%m/%Y %H:%M")
    ref = pd.DataFrame({"when": dates})
    cur = pd.DataFrame({"when": list(dates[:500]) + [str(1704067200 + i) for i in range(1_500)]})
    f = only(tripwire.scan(cur, ref), "schema.format_change", "when")
    assert f.severity == "error" and f.evidence["share"] == pytest.approx(0.75)
    assert "dddddddddd" in f.evidence["patterns"]
    assert f.rows[0] == 500


def test_vocabulary_change_and_proposed_mapping():
    rng = np.random.default_rng(1)
    old = ["Toyota Vios 1.5 E", "Toyota Vios 1.5 G", "Honda City 1.5 V", "Honda City 1.5 S"]
    new = ["TOYOTA VIOS E 1.5", "TOYOTA VIOS G 1.5", "HONDA CITY V 1.5", "HONDA CITY S 1.5"]
    ref = pd.DataFrame({"variant": rng.choice(old, 4_000)})
    cur = pd.DataFrame({"variant": rng.choice(new, 4_000)})
    f = only(tripwire.scan(cur, ref), "data.vocabulary_change", "variant")
    assert f.severity == "warning" and f.evidence["new_share"] == 1.0
    assert f.evidence["proposed_mapping"]["Toyota Vios 1.5 E"] == "TOYOTA VIOS E 1.5"
    assert f.evidence["proposed_mapping"]["Honda City 1.5 S"] == "HONDA CITY S 1.5"


def test_vocabulary_quiet_on_unseen_rare_values(halves):
    ref, cur = halves
    assert not [f for f in tripwire.scan(cur, ref).by_code("data.vocabulary_change") if f.severity != "info"]


def test_labels_imbalance_and_low_counts():
    df = penguins()
    r = tripwire.scan(df, label="species")
    low = only(r, "labels.low_class_count", "species")
    assert low.evidence["counts"] == {"Chinstrap": 68} and low.severity == "warning"
    skew = pd.DataFrame({"y": ["ok"] * 1_000 + ["fraud"] * 3, "x": range(1_003)})
    r = tripwire.scan(skew, label="y")
    assert only(r, "labels.class_imbalance", "y").severity == "warning"
    tiny = only(r, "labels.low_class_count", "y")
    assert tiny.severity == "error" and list(tiny.rows) == [1_000, 1_001, 1_002]


def test_label_checks_skipped_without_label(halves):
    _, cur = halves
    checks = {c.name: c for c in tripwire.scan(cur).checks}
    assert checks["class_balance"].status == "skipped" and checks["class_balance"].reason == "needs --label"
