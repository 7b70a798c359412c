"""Malformed and unusual column types are profiled as far as they can be, never a crash."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pyarrow as pa

from tripwire.profiling import DatasetProfile, profile_batch


def _odd_table() -> pa.Table:
    return pa.table({
        "duration": pa.array([dt.timedelta(seconds=5), None, dt.timedelta(days=1), dt.timedelta(seconds=5)]),
        "dec256": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-2.25"), decimal.Decimal("1.50")],
                           pa.decimal256(50, 2)),
        "dec128": pa.array([decimal.Decimal("1.5"), None, None, decimal.Decimal("3")], pa.decimal128(10, 1)),
        "nulltype": pa.nulls(4),
        "lst": pa.array([[1], [2, 3], None, [1]]),
        "structs": pa.array([{"a": 1, "b": "x"}, None, {"a": 2, "b": None}, {"a": 1, "b": "x"}]),
        "list_of_structs": pa.array([[{"a": 1}], [], None, [{"a": 1}]]),
        "mapping": pa.array([[("k", 1)], None, [("j", 2)], [("k", 1)]], pa.map_(pa.string(), pa.int64())),
        "bin": pa.array([b"a", b"\x00", None, b"a"]),
        "fixed": pa.array([b"ab", b"cd", None, b"ab"], pa.binary(2)),
        "dict": pa.array(["x", "y", None, "x"]).dictionary_encode(),
        "time": pa.array([dt.time(1, 2), None, dt.time(23, 59), dt.time(1, 2)]),
        "huge": pa.array([2**63 - 1, -(2**63), None, 0], pa.int64()),
    })


def test_odd_types_profile_without_crashing_and_round_trip():
    table = _odd_table()
    prof = profile_batch(table, 0)
    assert prof.rows == 4 and prof.fingerprint.startswith("rowhash64:")
    # a Duration column's top values are shown as text (Polars has no cast: the old crash)
    assert prof["duration"].top(1) == [("0:00:05", 2)]
    assert prof["duration"].numbers.max == 86_400.0
    # decimal256 made Polars panic: now profiled as numbers
    assert prof["dec256"].numbers.min == -2.25 and prof["dec256"].distinct_count == 2
    assert prof["dec128"].median == 2.25
    assert prof["nulltype"].nulls == 4 and prof["nulltype"].inferred_type == "empty"
    for name in ("lst", "structs", "list_of_structs", "mapping"):
        col = prof[name]
        assert col.kind == "nested" and col.nulls == 1
        assert col.distinct_count == 2, name  # counted on the values' text
    assert prof["bin"].distinct_count == 2 and prof["fixed"].distinct_count == 2
    assert prof["dict"].top(1) == [("x", 2)]
    assert prof["huge"].numbers.max == float(2**63 - 1)
    text = prof.to_json()
    back = DatasetProfile.from_dict(json.loads(text))
    assert back.to_json() == text


def test_fingerprint_of_odd_types_is_stable_and_sees_changes():
    table = _odd_table()
    same = profile_batch(table, 0).fingerprint
    assert profile_batch(table, 0).fingerprint == same
    changed = table.set_column(0, "duration", pa.array([dt.timedelta(seconds=6), None,
                                                        dt.timedelta(days=1), dt.timedelta(seconds=5)]))
    assert profile_batch(changed, 0).fingerprint != same


def test_odd_types_merge_across_batches():
    table = _odd_table()
    parts = profile_batch(table.slice(0, 2), 0).merge(profile_batch(table.slice(2), 2))
    assert parts["duration"].top(1) == [("0:00:05", 2)]
    assert parts["lst"].count == 4


def test_saved_sketches_refuse_oversized_or_malformed_states():
    import base64
    import zlib

    import pytest

    from tripwire.profiling.stats.distinct import DistinctSketch
    from tripwire.profiling.stats.quantiles import QuantileSketch

    bomb = base64.b64encode(zlib.compress(b"\0" * 10_000_000)).decode()
    with pytest.raises(ValueError, match="more than"):
        DistinctSketch.from_dict({"p": 12, "hll_z": bomb})
    with pytest.raises(ValueError, match="more than"):
        QuantileSketch.from_dict({"exact": True, "n": 1, "values": bomb, "counts": bomb})
    one = base64.b64encode(zlib.compress(b"\0" * 8)).decode()
    with pytest.raises(ValueError, match="do not match"):
        QuantileSketch.from_dict({"exact": True, "n": 5, "values": one, "counts": one})
