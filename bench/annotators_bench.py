"""Time `tripwire.annotators` on generated ratings: 100,000 items × 5 annotators, 1,000 resamples.

    python bench/annotators_bench.py [--record]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, record

import tripwire


def ratings(items: int, accuracies: tuple[float, ...], k: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, items)
    frames = []
    for a, acc in enumerate(accuracies):
        label = np.where(rng.random(items) < acc, truth, (truth + rng.integers(1, k, items)) % k)
        frames.append(pl.DataFrame({"item": np.arange(items), "rater": f"r{a}", "y": label}))
    return pl.concat(frames)


def main() -> None:
    lines = []
    for items, k in ((10_000, 3), (100_000, 5)):
        df = ratings(items, (0.9, 0.85, 0.8, 0.9, 0.7), k)
        tripwire.annotators(df.filter(pl.col("item") < 200), item="item", annotator="rater", label="y", resamples=10)  # imports
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            tripwire.annotators(df, item="item", annotator="rater", label="y")
            best = min(best, time.perf_counter() - start)
        line = (f"- {df.height:,} ratings ({items:,} items × 5 annotators, {k} classes), alpha at three levels, "
                f"Fleiss, 10 Cohen pairs, all with 1,000-resample intervals, Dawid–Skene, bias tests: "
                f"{best:.2f} s (best of 3)")
        print(line, flush=True)
        lines.append(line)
    if "--record" in sys.argv:
        record("tripwire annotators on generated ratings (annotators_bench.py)", lines)


if __name__ == "__main__":
    print(machine())
    main()
