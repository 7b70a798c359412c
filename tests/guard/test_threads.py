"""One guard called from many serving threads at once: no count, window or fault is lost."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import polars as pl
import pytest

import tripwire
from tripwire.contracts import Contract

CONTRACT = """
name: threads
columns:
  x: {type: float, min: 0, max: 100}
  c: {allowed: [a, b, c]}
"""
THREADS, CALLS, ROWS = 8, 60, 50


def batch(seed: int) -> pl.DataFrame:
    """Return ROWS rows of which exactly one is out of range."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 99, ROWS)
    x[seed % ROWS] = -5.0
    return pl.DataFrame({"x": x, "c": rng.choice(["a", "b", "c"], ROWS)})


def model(df: pl.DataFrame) -> np.ndarray:
    """A model that fails on every batch whose first value is above 90 (a counted fault)."""
    if df.get_column("x")[0] > 90:
        raise RuntimeError("too high")
    return (df.get_column("x").to_numpy() > 50).astype(int)


class YieldingDict(dict):
    """A dict that lets another thread run between reading an entry and writing it back.

    Under the GIL `d[k] += 1` is rarely interrupted, so an unlocked counter looks right in a
    test and loses increments in production (and always without the GIL); this makes the
    interleaving happen every time.
    """

    def __getitem__(self, key):
        value = super().__getitem__(key)
        time.sleep(0)
        return value


@pytest.fixture
def fast_switching():
    """Switch threads as often as the interpreter allows, so lost updates show up."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.mark.parametrize("with_reference", [True, False])
def test_many_threads_on_one_guard_keep_exact_totals(fast_switching, with_reference):
    batches = [batch(t * CALLS + i) for t in range(THREADS) for i in range(CALLS)]
    faults = sum(b.filter(pl.col("x") >= 0).get_column("x")[0] > 90 for b in batches)  # the model sees the served rows
    reference = tripwire.profile(pl.concat([batch(10_000 + i) for i in range(20)])) if with_reference else None
    g = tripwire.guard(model, contract=Contract.loads(CONTRACT), reference=reference, fallback=-1, window=5)
    g.counts = YieldingDict(g.counts)
    compiled, compile_once = [], g._compile
    g._compile = lambda ref: (compiled.append(ref), compile_once(ref))  # the first batch is THE reference
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def serve(t: int) -> None:
        start.wait()
        try:
            for b in batches[t * CALLS:(t + 1) * CALLS]:
                out = g(b)
                assert len(out) == ROWS
        except BaseException as exc:  # an assertion in a thread is reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=serve, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    stats = g.stats()
    total = THREADS * CALLS
    assert stats["batches"] == total
    assert stats["rows"] == total * ROWS
    assert stats["faults"] == faults
    # every failed batch is answered whole by the fallback; the others route their one bad row
    assert stats["rows_routed"] == faults * ROWS + (total - faults)
    assert stats["batches_routed"] == faults
    assert len(compiled) == 1 - with_reference  # once here, or once in the constructor
    window = g._window
    assert window is not None and len(window.recent) == 5
    np.testing.assert_allclose(window.total, np.sum(window.recent, axis=0))
