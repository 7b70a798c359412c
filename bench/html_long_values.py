"""Time the HTML report of a batch holding one very long cell against the same batch with a
short cell (the baseline): a long value must cost about what a short one does.

    python bench/html_long_values.py [--record]

Issue 22 measured 7.8 s for one 20,000-character cell and 223 s for a 140 KB CSV (a
quadratic e-mail pattern while deciding what to mask).
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, best_of, machine, record

sys.path.insert(0, str(ROOT / "src"))

#: cell contents that made the old pattern rescan the cell from every position
CELLS = {
    "20,000 x 'x'": "x" * 20_000,
    "20,000 chars of 'a@'": "a@" * 10_000,
    "140 KB of 'a@'": "a@" * 70_000,
    "140 KB 'x@' then no dot": "x@" + "a" * 140_000,
}


def report_html(cell: str) -> str:
    """Scan a 1,000-row frame whose text column holds `cell` once, and render it as HTML."""
    import pandas as pd

    import tripwire

    words = [f"word{i % 37}" for i in range(1_000)]
    words[500] = cell
    df = pd.DataFrame({"note": words, "amount": range(1_000)})
    return tripwire.scan(df, name="long cell").to_html()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    base = best_of(lambda: report_html("word-short"), 3)
    lines = [f"html_long_values ({machine()})", f"  baseline, a short cell: {base:.2f} s"]
    for label, cell in CELLS.items():
        took = best_of(lambda cell=cell: report_html(cell), 1)
        lines.append(f"  {label:<28} {took:6.2f} s = {took / base:.2f}x the baseline")
    print("\n".join(lines))
    if args.record:
        record("HTML report of one very long cell (html_long_values.py)", ["```", *lines, "```"])


if __name__ == "__main__":
    main()
