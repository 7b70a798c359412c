"""Profile a 10,000,000-row CSV end to end and report wall time and peak memory (< 1.5 GB).

Generates `bench/data/reference_10m.csv` (about 1.6 GB, the benchmark's 20 columns) if missing.

    python bench/csv_memory.py [--rows 10000000] [--record]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, PY, record, run_timed, tripwire_env
from generate import write


def main() -> None:
    """Generate the CSV if needed, profile it in a subprocess, print time and peak RSS."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    path = BENCH / "data" / f"reference_{args.rows // 1_000_000}m.csv"
    if not path.exists():
        print(f"writing {path} ...")
        write(path, args.rows, seed=1, drifted=False, csv=True)
    with tempfile.TemporaryDirectory() as tmp:
        wall, rss = run_timed([PY, "-m", "tripwire", "profile", str(path), "-o", f"{tmp}/p.json", "-q"],
                              tripwire_env())
    lines = [f"File: `{path.name}` ({args.rows:,} rows, {path.stat().st_size / 2**30:.2f} GiB).", "",
             f"- `tripwire profile` wall time: {wall:.1f} s (two passes: encoding and types over the "
             "whole file, then the profile)",
             f"- peak RSS: {rss:.0f} MB (target < 1,536 MB)"]
    print("\n".join(lines))
    if args.record:
        record("Profile of a 10M-row CSV (bounded memory)", lines)


if __name__ == "__main__":
    main()
