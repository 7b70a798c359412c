"""Benchmark the guard's overhead per request batch: 1,000 rows × 20 columns, a 20-check
contract, drift on a rolling window of 10 batches (target: ≤ 5 ms median beside the model).

Run: PYTHONPATH=src python bench/guard_bench.py [--record]
The baseline in the same run is the straightforward path the guard does not take: the full
profiler on each batch, the contract decided from that profile, the window's profiles merged
and compared with the reference by the drift detector's feature table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import record

ROWS, BATCHES, WINDOW = 1_000, 200, 10

CONTRACT = """
name: bench
columns:
""" + "".join(f"  x{i}: {{type: float, min: -8, max: 8}}\n" for i in range(10)) + \
    "".join(f"  x{i}: {{nullable: false}}\n" for i in range(10, 14)) + \
    "".join(f"  c{i}: {{allowed: [a, b, c, d, e]}}\n" for i in range(6))


def batches(rng: np.random.Generator, n: int) -> list[pl.DataFrame]:
    """Return n request batches of 14 numeric and 6 text columns."""
    out = []
    for _ in range(n):
        cols = {f"x{i}": rng.normal(size=ROWS) for i in range(14)}
        cols |= {f"c{i}": rng.choice(["a", "b", "c", "d", "e"], size=ROWS) for i in range(6)}
        out.append(pl.DataFrame(cols))
    return out


def model(df: pl.DataFrame) -> np.ndarray:
    """A stand-in model: a fixed linear score (its own time is measured and taken off)."""
    return (df.select(pl.sum_horizontal([pl.col(f"x{i}") for i in range(14)])).to_series().to_numpy() > 0)


def median_ms(times: list[float]) -> tuple[float, float]:
    a = np.array(times) * 1000
    return float(np.median(a)), float(np.percentile(a, 95))


def main() -> None:
    import tripwire
    from tripwire.contracts import Contract
    from tripwire.contracts.unit import expand
    from tripwire.drift_detection.config import DriftConfig
    from tripwire.drift_detection.features import feature_table
    from tripwire.profiling import ProfileConfig, merge_all, profile_batch

    rng = np.random.default_rng(0)
    reference = tripwire.profile(pl.concat(batches(rng, 20)))
    contract = Contract.loads(CONTRACT)
    work = batches(rng, BATCHES)

    model_t = []
    for b in work:
        t = time.perf_counter()
        model(b)
        model_t.append(time.perf_counter() - t)

    def guarded(store: str | None) -> tuple[list[float], object]:
        g = tripwire.guard(model, contract=contract, reference=reference, fallback=False, store=store,
                           window=WINDOW, model="bench@1")
        assert g._compiled is not None and g._compiled.checks == 20, g._compiled.checks
        times = []
        for b in work:
            t = time.perf_counter()
            g(b)
            times.append(time.perf_counter() - t)
        g.close()
        stats = g.stats()
        return times, stats

    guard_t, _ = guarded(None)
    with tempfile.TemporaryDirectory() as tmp:
        store_t, store_stats = guarded(f"sqlite:///{tmp}/h.db")
    down_t, down_stats = guarded("postgresql://nobody:secret@127.0.0.1:9/none")

    checks = expand(contract, reference, __import__("datetime").datetime.now(__import__("datetime").UTC)).checks
    cfg = DriftConfig.from_options({})
    window: deque = deque(maxlen=WINDOW)
    full_t = []
    for b in work:
        t = time.perf_counter()
        prof = profile_batch(b.to_arrow(), 0, ProfileConfig(sample_rows=0))
        for c in checks:
            c.decide(prof)
        window.append(prof)
        feature_table(reference, merge_all(window), cfg)
        full_t.append(time.perf_counter() - t)

    profile_t = []
    for b in work:
        t = time.perf_counter()
        profile_batch(b.to_arrow(), 0, ProfileConfig(sample_rows=0))
        profile_t.append(time.perf_counter() - t)

    m, m95 = median_ms(model_t)
    rows = []
    for label, times in (("guard, no store", guard_t), ("guard, SQLite store", store_t),
                         ("guard, store down (PostgreSQL unreachable)", down_t)):
        med, p95 = median_ms(times)
        rows.append((label, med - m, p95 - m95))
    full, full95 = median_ms(full_t)
    lines = ["```", f"{BATCHES} batches of {ROWS:,} rows × 20 columns, 20 checks, drift window {WINDOW} batches",
             f"model alone: median {m:.2f} ms"]
    for label, med, p95 in rows:
        lines.append(f"{label}: overhead median {med:.2f} ms, p95 {p95:.2f} ms (ratio to the full path {med / full:.3f}×)")
    lines.append(f"baseline, full profile + decide + merged-window drift: median {full:.2f} ms, p95 {full95:.2f} ms")
    prof, prof95 = median_ms(profile_t)
    lines.append(f"baseline, the full profile of the batch alone: median {prof:.2f} ms, p95 {prof95:.2f} ms "
                 f"(guard overhead / profile alone: {rows[0][1] / prof:.2f}×)")
    lines.append(f"store down: {down_stats['records_failed']} records lost in failed writes, "
                 f"{down_stats['records_dropped']} dropped at the queue; store up: "
                 f"{store_stats['records_written']} written, {store_stats['records_dropped']} dropped")
    lines.append("```")
    print("\n".join(lines))
    if "--record" in sys.argv:
        load = open("/proc/loadavg").read().split()[0]
        record("guard: overhead per request batch (guard_bench.py)", [f"Load average at the start: {load}", *lines])


if __name__ == "__main__":
    main()
