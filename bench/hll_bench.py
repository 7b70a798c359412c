"""Measure the distinct-count sketch (HyperLogLog, p=12, Ertl's estimator) against exact counts.

For each cardinality 10 … 10M, hash that many distinct integers with Polars (as profiling
does), estimate, and print the relative error; `--record` appends the table to RESULTS.md.

    python bench/hll_bench.py [--record]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, record

CARDINALITIES = (10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)


def main() -> None:
    """Print (and optionally record) the error table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from tripwire.profiling.stats.distinct import DistinctSketch

    lines = ["| cardinality | exact | estimate | relative error |", "|---:|---:|---:|---:|"]
    for n in CARDINALITIES:
        sketch = DistinctSketch()
        for start in range(0, n, 1_000_000):  # in batches, as a profile sees the data
            values = pl.Series(np.arange(start, min(n, start + 1_000_000), dtype=np.int64))
            sketch.update_hashes(values.hash(seed=0).to_numpy())
        estimate = sketch.estimate()
        lines.append(f"| {n:,} | {n:,} | {estimate:,.0f} | {estimate / n - 1:+.2%} |")
    lines += ["", f"- stated standard error: {DistinctSketch().relative_error:.2%} (1.04 / sqrt(4096)); "
              "the profile reports exact counts below 2,000,000 distinct values and uses the sketch beyond"]
    print("\n".join(lines))
    if args.record:
        record("Distinct-count sketch error (HyperLogLog p=12, Ertl's estimator)", lines)


if __name__ == "__main__":
    main()
