"""Measure privacy.pii recall and precision per kind at the column level (docs/privacy.md's table).

Run: `PYTHONPATH=src:. python bench/pii_recall.py [seeds]`. Columns of every kind are generated
by faker (seeded; not real people), beside look-alike columns that are not personal
(ids, SKUs, dates, amounts, cities, sentences, URLs, EANs, ...); see tests/privacy/generated.py.
"""

from __future__ import annotations

import sys

from tests.privacy.generated import NAMES, score


def main() -> None:
    """Print a Markdown table summed over the seeds."""
    seeds = range(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    total = {k: {"columns": 0, "found": 0, "flagged": 0} for k in NAMES}
    for seed in seeds:
        for kind, s in score(seed=seed).items():
            for key in total[kind]:
                total[kind][key] += int(s[key])
    print(f"seeds {list(seeds)}; 20 generated columns per kind and 30 look-alike columns per seed, 300 rows each\n")
    print("| kind | columns | found | flagged | recall | precision |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, t in total.items():
        recall = t["found"] / t["columns"] if t["columns"] else 1.0
        precision = t["found"] / t["flagged"] if t["flagged"] else 1.0
        print(f"| {kind} | {t['columns']} | {t['found']} | {t['flagged']} | {recall:.3f} | {precision:.3f} |")


if __name__ == "__main__":
    main()
