"""Time and measure hostile configuration files against an ordinary contract (the baseline):
a hostile file must be refused (or checked) in about the time and memory of a normal one.

    python bench/hostile_config.py [--record]

Issue 22 measured 2.7 GB for YAML alias expansion (billion laughs) in a contract or an alert
rule file, and 47 s of `check` for a 7 KB rule of 1,000 `and` terms.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc

from common import ROOT, machine, record

sys.path.insert(0, str(ROOT / "src"))


def laughs(levels: int = 9) -> str:
    """Return a contract whose allowed list expands to 9**levels values through aliases."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + f"\ncolumns: {{x: {{allowed: *{names[levels - 1]}}}}}\n"


def rule_contract(terms: int) -> str:
    return "rules:\n  - expr: \"" + " and ".join(f"x >= {-i}" for i in range(terms)) + "\"\n"


CASES = {
    "ordinary contract (baseline)": "columns:\n  x: {type: int, min: 0, max: 10}\nrules: ['x >= 0']\n",
    "billion laughs (9 levels)": laughs(9),
    "rule of 1,000 and-terms (12 KB)": rule_contract(1_000),
    "rule of 240 and-terms (3.6 KB)": rule_contract(240),
}


def measure(text: str, frame) -> tuple[float, float, str]:
    """Load the contract and check a 1M-row frame with it; return (seconds, peak MB, outcome)."""
    from tripwire.contracts import Contract
    from tripwire.errors import TripwireError

    tracemalloc.start()
    start = time.perf_counter()
    try:
        report = Contract.loads(text, "bench.yaml").check(frame)
        outcome = f"checked, {report.summary['error']} error(s)"
    except TripwireError as exc:
        outcome = "refused: " + str(exc).rsplit("': ", 1)[-1].split(": ", 2)[-1][:60]
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return took, peak, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    import numpy as np
    import polars as pl

    frame = pl.DataFrame({"x": np.arange(1_000_000) % 10})
    measure(CASES["ordinary contract (baseline)"], frame)  # warm up imports
    lines = [f"hostile_config ({machine()})", "  contract loaded, then a 1,000,000-row frame checked"]
    base = None
    for label, text in CASES.items():
        took, peak, outcome = measure(text, frame)
        base = base or took
        lines.append(f"  {label:<34} {took:6.2f} s = {took / base:5.2f}x  Python heap peak {peak:6.1f} MB  {outcome}")
    print("\n".join(lines))
    if args.record:
        record("Hostile configuration files (hostile_config.py)", ["```", *lines, "```"])


if __name__ == "__main__":
    main()
