"""Batches kept from a first pass: replayed when they fit the budget, else the input is read again."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tripwire.errors import UsageError
from tripwire.io.kept import KEEP_BYTES, KEEP_ENV, KeptBatches, keep_budget


def _reader(batches: list[pa.RecordBatch], reads: list[int]):
    def read():
        reads.append(1)
        yield from batches
    return read


def _batches(n: int = 3) -> list[pa.RecordBatch]:
    return [pa.record_batch({"x": list(range(i * 10, i * 10 + 10))}) for i in range(n)]


def test_a_pass_that_fits_is_replayed_without_reading_again():
    batches, reads = _batches(), []
    kept = KeptBatches(_reader(batches, reads), max_bytes=10**6)
    assert not kept.in_memory
    first = list(kept.open())
    assert kept.in_memory
    second, third = list(kept.open()), list(kept.open())
    assert reads == [1]
    assert all(a is b for a, b in zip(first, second, strict=True))  # the very batches, in order
    assert [b.equals(c) for b, c in zip(batches, third, strict=True)] == [True] * 3


def test_over_the_budget_nothing_is_kept_and_only_the_first_read_tries():
    batches, reads = _batches(), []
    kept = KeptBatches(_reader(batches, reads), max_bytes=batches[0].nbytes * 2)
    assert len(list(kept.open())) == 3
    assert not kept.in_memory
    assert len(list(kept.open())) == 3
    assert reads == [1, 1]


def test_a_pass_stopped_early_keeps_nothing():
    reads: list[int] = []
    kept = KeptBatches(_reader(_batches(), reads), max_bytes=10**6)
    next(kept.open())  # e.g. a reader that raised on its second batch
    assert not kept.in_memory
    assert len(list(kept.open())) == 3
    assert reads == [1, 1]


def test_a_zero_budget_and_a_release_read_the_input():
    reads: list[int] = []
    off = KeptBatches(_reader(_batches(), reads), max_bytes=0)
    list(off.open())
    assert not off.in_memory
    kept = KeptBatches(_reader(_batches(), reads), max_bytes=10**6)
    list(kept.open())
    kept.release()
    assert not kept.in_memory
    list(kept.open())
    assert reads == [1, 1, 1]


def test_the_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(KEEP_ENV, raising=False)
    assert keep_budget() == KEEP_BYTES
    monkeypatch.setenv(KEEP_ENV, "0")
    assert keep_budget() == 0
    monkeypatch.setenv(KEEP_ENV, "1.5")
    assert keep_budget() == int(1.5 * 2**20)
    for bad in ("lots", "-1"):
        monkeypatch.setenv(KEEP_ENV, bad)
        with pytest.raises(UsageError, match=KEEP_ENV):
            keep_budget()
