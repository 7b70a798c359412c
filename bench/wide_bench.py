"""Time the profile of a wide table: 100 rows × 20,000 columns (floats, ints, strings).

Wide tables used to cost ~2.5 ms of CPU per column per pass; the vectorised pass profiles
all columns of one type with a few Polars expressions. Prints seconds and the per-column
cost; `--src DIR` times another checkout (e.g. the code before the change) for comparison.

    python bench/wide_bench.py [--rows 100] [--columns 20000] [--repeat 3] [--src DIR] [--record]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, best_of, record


def wide_table(rows: int, columns: int, seed: int = 0) -> pa.Table:
    """Return rows × columns: half floats (some NaN and nulls), a quarter ints, a quarter strings."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {}
    for j in range(columns):
        kind = j % 4
        if kind in (0, 1):
            x = rng.normal(j, 1.0, rows)
            x[rng.random(rows) < 0.05] = np.nan
            cols[f"f{j}"] = pa.array(x, mask=rng.random(rows) < 0.05)
        elif kind == 2:
            cols[f"i{j}"] = pa.array(rng.integers(0, 50, rows))
        else:
            cols[f"s{j}"] = pa.array(np.array(["red", "green", "blue", "N/A", "12"])[rng.integers(0, 5, rows)],
                                     pa.large_string())
    return pa.table(cols)


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--columns", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(args.src))
    from tripwire.profiling import profile_batch

    table = wide_table(args.rows, args.columns)
    secs = best_of(lambda: profile_batch(table, 0).settle() if hasattr(profile_batch(table.slice(0, 1), 0), "settle")
                   else profile_batch(table, 0), args.repeat)
    line = (f"{args.rows} rows × {args.columns:,} columns ({args.src}): {secs:.2f} s, "
            f"{secs / args.columns * 1e3:.3f} ms per column")
    print(line)
    if args.record:
        record("Profile of a wide table", [line])


if __name__ == "__main__":
    main()
