"""DatasetProfile: one pass, merge(profile(A), profile(B)) == profile(A ∪ B), JSON round-trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripwire.profiling import DatasetProfile, ProfileConfig, profile_batch
from tripwire.profiling.dataset import merge_all


def _table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


def _assert_profiles_equivalent(a: DatasetProfile, b: DatasetProfile) -> None:
    assert a.rows == b.rows
    assert a.fingerprint == b.fingerprint
    assert list(a.columns) == list(b.columns)
    for name in a.columns:
        ca, cb = a[name], b[name]
        assert (ca.count, ca.nulls, ca.nan, ca.inf, ca.true_count) == (cb.count, cb.nulls, cb.nan, cb.inf, cb.true_count)
        assert ca.numbers.n == cb.numbers.n
        if ca.numbers.n:
            assert ca.numbers.min == cb.numbers.min and ca.numbers.max == cb.numbers.max
            assert np.array_equal(ca.numbers.magnitudes, cb.numbers.magnitudes)
            assert ca.numbers.moments.mean == pytest.approx(cb.numbers.moments.mean, rel=1e-9, abs=1e-9)
            eps = ca.numbers.quantiles.rank_error + cb.numbers.quantiles.rank_error
            lo, hi = cb.numbers.quantiles.quantiles([max(0, 0.5 - eps), min(1, 0.5 + eps)])
            assert lo <= ca.numbers.quantiles.quantile(0.5) <= hi
        assert np.array_equal(ca.distinct.registers, cb.distinct.registers)
        if ca.frequent.exact and cb.frequent.exact:
            assert ca.frequent.counts == cb.frequent.counts
        if ca.text is not None:
            assert ca.text.parses == cb.text.parses
            assert ca.text.char_classes == cb.text.char_classes
            assert ca.text.disguised_nulls == cb.text.disguised_nulls
            assert ca.text.patterns.counts == cb.text.patterns.counts or not ca.text.patterns.exact
    assert a.sample.num_rows == b.sample.num_rows


def test_merged_profiles_equal_whole_on_real_data(flights):
    table = _table(flights.head(60_000))
    whole = profile_batch(table, 0)
    parts = [profile_batch(table.slice(i, 20_000), i) for i in range(0, 60_000, 20_000)]
    _assert_profiles_equivalent(merge_all(parts), whole)
    # the sample depends only on row indices, so batching does not change it
    assert merge_all(parts).sample.rows().column("__row__").to_pylist() == \
        whole.sample.rows().column("__row__").to_pylist()


def test_merge_is_commutative_and_has_identity(flights):
    table = _table(flights.head(30_000))
    a, b = profile_batch(table.slice(0, 10_000), 0), profile_batch(table.slice(10_000), 10_000)
    _assert_profiles_equivalent(a.merge(b), b.merge(a))
    _assert_profiles_equivalent(a.merge(DatasetProfile.empty()), a)
    _assert_profiles_equivalent(DatasetProfile.empty().merge(a), a)


rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-1000, 1000)),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)),
        st.one_of(st.none(), st.sampled_from(["a", "b", "", "N/A", "12", "1,234", "2024-01-02", "Ã©", "x\\ny"])),
        st.one_of(st.none(), st.booleans()),
    ),
    max_size=40,
)


def _frame(rs: list[tuple]) -> pa.Table:
    cols = list(zip(*rs, strict=True)) if rs else [[], [], [], []]
    return pa.table({
        "i": pa.array(cols[0], pa.int64()),
        "f": pa.array(cols[1], pa.float64()),
        "s": pa.array(cols[2], pa.large_string()),
        "b": pa.array(cols[3], pa.bool_()),
    })


@given(rows, rows, rows)
@settings(max_examples=60, deadline=None)
def test_profile_merge_laws_property(r1, r2, r3):
    t1, t2, t3 = _frame(r1), _frame(r2), _frame(r3)
    n1, n2 = len(r1), len(r2)
    a, b, c = profile_batch(t1, 0), profile_batch(t2, n1), profile_batch(t3, n1 + n2)
    whole = profile_batch(pa.concat_tables([t1, t2, t3]), 0)
    _assert_profiles_equivalent(a.merge(b).merge(c), a.merge(b.merge(c)))
    _assert_profiles_equivalent(a.merge(b), b.merge(a))
    _assert_profiles_equivalent(a.merge(b).merge(c), whole)


def test_json_round_trip(flights):
    prof = profile_batch(_table(flights.head(20_000)), 0)
    text = prof.to_json()
    back = DatasetProfile.from_dict(json.loads(text))
    # compare the JSON before querying: a KLL query sorts the sketch's buffer in place
    assert back.to_dict()["columns"] == json.loads(text)["columns"]
    _assert_profiles_equivalent(back, prof)
    assert back.sample.rows().equals(prof.sample.rows())


def test_save_and_load(tmp_path, flights):
    prof = profile_batch(_table(flights.head(5_000)), 0)
    path = prof.save(tmp_path / "p.json")
    _assert_profiles_equivalent(DatasetProfile.load(path), prof)


def test_load_refuses_other_json_with_one_line(tmp_path):
    from tripwire.errors import InputError

    path = tmp_path / "x.json"
    path.write_text('{"a": 1}')
    with pytest.raises(InputError, match="not a tripwire profile"):
        DatasetProfile.load(path)
    path.write_text("{broken")
    with pytest.raises(InputError, match=r"x\.json:1: not valid JSON"):
        DatasetProfile.load(path)


def test_string_statistics_on_known_values():
    values = ["Paris", "Paris", "AB-12", "12/03/2024", "Ã©t\u00e9", "caf\ufffd", "a\\r\\nb",
              "&amp; co", "N/A", "", "  ", "1,234", "42", None]
    prof = profile_batch(pa.table({"s": pa.array(values, pa.large_string())}), 0)
    col = prof["s"]
    t = col.text
    assert col.nulls == 1
    assert t.disguised_nulls == 3  # "N/A", "", "  "
    assert t.char_classes["mojibake"] == 1
    assert t.char_classes["replacement_char"] == 1
    assert t.char_classes["escaped_newline"] == 1
    assert t.char_classes["html_entity"] == 1
    assert t.parses["int"] == 1 and t.parses["thousands"] == 1 and t.parses["date"] == 1
    assert dict(t.patterns.top())["Aa"] == 2
    assert dict(t.patterns.top())["AA-dd"] == 1
    assert dict(t.patterns.top())["dd/dd/dddd"] == 1
    assert col.numbers.n == 1 and col.numbers.max == 42.0


def test_mostly_numeric_text_column_keeps_numbers_and_examples():
    values = [str(i) for i in range(1000)] + ["abc"]
    col = profile_batch(pa.table({"x": pa.array(values, pa.large_string())}), 0)["x"]
    assert col.inferred_type == "string"
    assert col.parse_share("int") == pytest.approx(1000 / 1001)
    assert col.numbers.n == 1000 and col.numbers.max == 999
    assert col.text.examples["not_number"] == ["abc"]


def test_edge_inputs_do_not_crash():
    table = pa.table({
        "empty": pa.nulls(5, pa.float64()),
        "nulltype": pa.nulls(5),
        "inf": pa.array([np.inf, -np.inf, np.nan, 1e308, -1e-308]),
        "emoji": pa.array(["😀", "日本語", "ελληνικά", "x" * 10_000, None], pa.large_string()),
        "ts": pa.array([0, 1, 2, None, 4], pa.timestamp("us", tz="UTC")),
        "d": pa.array([0, 1, None, 3, 4], pa.date32()),
        "lst": pa.array([[1], [2, 3], None, [], [4]]),
        "bin": pa.array([b"a", b"\x00", None, b"a", b"b"]),
    })
    prof = profile_batch(table, 0)
    assert prof["empty"].inferred_type == "empty"
    assert prof["inf"].inf == 2 and prof["inf"].nan == 1
    assert prof["ts"].inferred_type == "datetime" and prof["d"].inferred_type == "date"
    assert prof["emoji"].text.max_length == 10_000
    one = profile_batch(table.slice(0, 1), 0)
    zero = profile_batch(table.slice(0, 0), 0)
    assert one.rows == 1 and zero.rows == 0
    DatasetProfile.from_dict(json.loads(prof.merge(one).merge(zero).to_json()))


def test_sample_is_uniform_and_capped():
    n = 100_000
    table = pa.table({"x": np.arange(n)})
    prof = merge_all(profile_batch(table.slice(i, 25_000), i, ProfileConfig(sample_rows=2_000))
                     for i in range(0, n, 25_000))
    rows = prof.sample_frame()
    assert rows.height == 2_000
    assert (rows["x"] == rows["__row__"]).all()
    # a uniform sample covers the four quarters evenly (binomial: 500 ± 4 sd ≈ 500 ± 80)
    quarters = np.bincount(rows["__row__"].to_numpy() // 25_000, minlength=4)
    assert quarters.min() > 400


def test_fingerprint_ignores_order_and_batching(flights):
    table = _table(flights.head(10_000))
    shuffled = pl.from_arrow(table).sample(fraction=1.0, shuffle=True, seed=3).to_arrow()
    assert profile_batch(table, 0).fingerprint == profile_batch(shuffled, 0).fingerprint
    changed = pl.from_arrow(table).with_columns(pl.col("dep_delay") + 1).to_arrow()
    assert profile_batch(changed, 0).fingerprint != profile_batch(table, 0).fingerprint
