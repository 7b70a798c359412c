"""Packed partial profiles: what leaves an executor is small and unpacks to the same profile."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa

from tripwire.profiling import profile_batch
from tripwire.spark.partial import pack, unpack


def _batches() -> list[pa.RecordBatch]:
    rng = np.random.default_rng(3)
    n = 60_000
    out = []
    for k in range(3):
        ints = rng.integers(-(2**62), 2**62, n)
        ints[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]  # deltas that wrap around
        out.append(pa.record_batch({
            "id": pa.array(np.arange(k * n, (k + 1) * n)),
            "big": pa.array(ints),
            "x": pa.array(rng.normal(0, 1, n).round(3), mask=rng.random(n) < 0.1),
            "s": pa.array([f"v{i % 5000}" for i in range(n)], pa.large_string()),
            "t": pa.array(rng.integers(0, 10**12, n)).cast(pa.timestamp("us")),
        }))
    return out


def test_a_packed_partial_unpacks_to_the_same_profile_and_is_small():
    batches = _batches()
    whole = None
    for i, b in enumerate(batches):
        part = profile_batch(b, i * b.num_rows)
        whole = part if whole is None else whole.merge(part)
    plain = len(pickle.dumps(whole, protocol=5))
    blob = pack((whole, {3: 180_000}))
    back, rows = unpack(blob)
    assert rows == {3: 180_000}
    assert len(blob) < plain / 3  # consolidated and compressed
    assert back.fingerprint == whole.fingerprint and back.rows == whole.rows
    assert back.sample.table.equals(whole.sample.table)
    for name, col in whole.columns.items():
        assert back[name].to_dict() == col.to_dict(), name
    assert back["big"].numbers.min == float(np.iinfo(np.int64).min)


def test_unpacked_partials_still_merge_exactly():
    a, b, c = (profile_batch(x, i * x.num_rows) for i, x in enumerate(_batches()))
    left, _ = unpack(pack((a.merge(b), {0: 1})))
    right, _ = unpack(pack((c, {1: 1})))
    want = a.merge(b).merge(c)
    got = left.merge(right)
    for name, col in want.columns.items():
        assert got[name].to_dict() == col.to_dict(), name
        assert got[name].distinct_exact
    assert got.fingerprint == want.fingerprint


def test_tripwire_spark_profile_stays_the_function_after_its_submodule_is_imported():
    import importlib

    import tripwire.spark as tw

    importlib.import_module("tripwire.spark.commands")  # imports the submodule tripwire.spark.profile
    from tripwire.spark import profile

    assert callable(profile) and tw.profile is profile and profile.__module__ == "tripwire.spark.profile"
