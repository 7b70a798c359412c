"""Time a 20-check contract on the 1M × 20 benchmark file against profiling the same file.

    python bench/contract_bench.py [--repeat 3] [--record]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, ROOT, best_of, record

CONTRACT = """
name: benchmark
columns:
  f0: {type: float, max_null_share: 0.05, min: -1000, max: 1000}
  f1: {type: float, min: 0}
  f2: {type: float, mean: {min: -0.5, max: 0.5}}
  f3: {type: float, min: 0, max: 1}
  f9: {type: float, std: {max: 10}}
  i0: {type: int, nullable: false, min: 0, max: 100}
  i1: {type: int, min: 0}
  i3: {type: int, allowed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]}
  s5: {type: category, allowed: [s5_000000, s5_000001, s5_000002, s5_000003, s5_000004]}
  s1k: {type: string, regex: 's1k_[0-9]{6}'}
  s100k: {type: string, max_length: 12, nullable: false}
  ts: {type: datetime, nullable: false}
dataset:
  rows: {min: 100000}
rules:
  - {name: i4 signed range, expr: "i4 >= -5000 and i4 < 5000"}
"""


def main() -> None:
    """Run the benchmark and print (and optionally record) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    path = BENCH / "data" / "reference.parquet"
    if not path.exists():
        sys.exit("run python bench/generate.py first")
    sys.path.insert(0, str(ROOT / "src"))
    from tripwire.contracts.runner import parse_as_of

    import tripwire
    from tripwire.contracts import Contract
    from tripwire.contracts.checks import expand

    contract = Contract.loads(CONTRACT)
    n_checks = len(expand(contract, tripwire.profile(path, sample_rows=0), parse_as_of(None))[0])
    t_profile = best_of(lambda: tripwire.profile(path), args.repeat)
    reports = []
    t_check = best_of(lambda: reports.append(contract.check(path)), args.repeat)
    lines = [f"`{path.name}` (1M rows × 20 columns), a contract of {n_checks} checks, best of {args.repeat}.", "",
             "| what | seconds | ratio |", "|---|---:|---:|",
             f"| profile the file | {t_profile:.2f} | 1.00× |",
             f"| `contract.check(file)` (profile + one row pass for undecided checks) | {t_check:.2f} "
             f"| {t_check / t_profile:.2f}× |", "",
             f"- result: {reports[-1].summary}, {sum(c.status == 'passed' for c in reports[-1].checks)} checks passed",
             "- target: ≤ 1.2× profiling"]
    print("\n".join(lines))
    if args.record:
        record("Contract check (20 checks) on the 1M × 20 benchmark file", lines)


if __name__ == "__main__":
    main()
