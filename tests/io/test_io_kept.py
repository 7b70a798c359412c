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


def test_a_kept_batch_is_converted_to_polars_once_and_carries_its_row_hashes():
    import polars as pl

    from tripwire.io.kept import HASH_SEED, kept_row_hashes, polars_frame, remember_row_hashes

    batches = _batches()
    kept = KeptBatches(_reader(batches, []), max_bytes=10**6)
    [first, *_] = list(kept.open())
    frame = polars_frame(first)
    assert polars_frame(first) is frame and frame.equals(pl.from_arrow(first))
    hashes = frame.hash_rows(seed=HASH_SEED).to_numpy()
    remember_row_hashes(frame, hashes)
    assert kept_row_hashes(frame) is hashes and not hashes.flags.writeable
    other = pl.from_arrow(first)  # an equal frame, not the kept one: nothing to reuse
    remember_row_hashes(other, other.hash_rows(seed=HASH_SEED).to_numpy())
    assert kept_row_hashes(other) is None
    kept.release()
    assert polars_frame(first) is not frame and kept_row_hashes(frame) is None


def test_a_batch_not_kept_is_converted_each_time():
    from tripwire.io.kept import polars_frame

    batches = _batches()
    over = KeptBatches(_reader(batches, []), max_bytes=batches[0].nbytes * 2)
    seen = list(over.open())  # over the budget: the batches kept so far are let go
    assert polars_frame(seen[0]) is not polars_frame(seen[0])
    stopped = KeptBatches(_reader(batches, []), max_bytes=10**6)
    reading = stopped.open()
    first = next(reading)
    frame = polars_frame(first)
    assert polars_frame(first) is frame  # held while its pass runs
    reading.close()  # a pass never finished (a reader that raised): its batches are let go
    assert polars_frame(first) is not frame and not stopped.in_memory
