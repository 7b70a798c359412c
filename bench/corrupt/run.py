"""Measure recall on known corruptions and quiet on clean splits (issue 21).

    python bench/corrupt/run.py [--sets a,b] [--only x10,typos] [--record] [--json out.json]
    python bench/corrupt/run.py --merge a.json b.json [--record]   # runs split over processes

Each real set is split into random halves (reference, current); each corruption damages 1%,
5% and 20% of the current half's rows in one column; `tripwire.scan(current, reference)` runs
and a case counts as detected when a warning or error names the column (with the class's
codes where it has some). Row precision/recall compare the rows listed by those findings with
the damaged rows. Clean halves (three seeds per set) are the controls: any warning or error on
them is a false alarm.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent / "src"))

from corruptions import CORRUPTIONS, eligible_columns, target_rows  # noqa: E402
from datasets import SETS, load  # noqa: E402

RATES = (0.01, 0.05, 0.2)


def halves(df, seed):
    """Return (reference, current) random halves with fresh indexes."""
    mask = np.random.default_rng(seed).random(len(df)) < 0.5
    return df[mask].reset_index(drop=True), df[~mask].reset_index(drop=True)


def loud(report):
    """Return the warning and error findings of a report."""
    return [f for f in report.findings if f.severity in ("warning", "error")]


def listed_rows(f) -> set[int]:
    """Return every row a finding lists."""
    return set(f.evidence.get("all_rows") or f.rows)


def judge(report, corruption, column, rows):
    """Return (detected, codes seen, precision, recall) for one corrupted scan."""
    hits = []
    for f in loud(report):
        if corruption.codes is not None and f.code not in corruption.codes:
            continue
        table_wide = f.code in ("drift.multivariate", "data.duplicates")
        if (table_wide and corruption.codes is not None) or (column in f.columns and not table_wide):
            hits.append(f)
    codes = sorted({f.code for f in hits})
    if not hits or not corruption.rows_expected:
        return bool(hits), codes, None, None
    found = set().union(*(listed_rows(f) for f in hits))
    if not found:
        return True, codes, None, None
    truth = set(int(r) for r in rows)
    right = len(found & truth)
    return True, codes, right / len(found), right / len(truth)


def run(sets, only, seed=0):
    """Run every case; return the list of result records."""
    import tripwire

    records = []
    for name in sets:
        df = load(name)
        for s in range(3):
            ref, cur = halves(df, seed + 100 + s)
            t = time.perf_counter()
            rep = tripwire.scan(cur, ref)
            records.append({"set": name, "case": "clean", "seed": s, "false_alarms": [
                f"{f.severity} {f.code} {f.columns[:3]} {f.title}" for f in loud(rep)],
                "seconds": time.perf_counter() - t})
            print(f"{name:12} clean seed {s}: {records[-1]['false_alarms'] or 'quiet'}", flush=True)
        ref, cur = halves(df, seed)
        # what the undamaged halves raise already: a finding elsewhere is the corruption's only if new
        before = {(f.code, f.columns[:3]) for f in loud(tripwire.scan(cur, ref))}
        for c in CORRUPTIONS:
            if only and c.name not in only:
                continue
            cols = eligible_columns(df, c.column)  # on the whole set: both halves qualify
            if not cols:
                continue
            rng = np.random.default_rng(zlib.crc32(f"{name}/{c.name}".encode()))
            column = cols[int(rng.integers(len(cols)))]
            for rate in RATES:
                rows = target_rows(cur, column, c.column, rate, rng)
                bad = c.apply(cur, column, rows, rng)
                t = time.perf_counter()
                rep = tripwire.scan(bad, ref)
                det, codes, prec, rec = judge(rep, c, column, rows)
                other = [f"{f.severity} {f.code} {f.columns[:3]}" for f in loud(rep)
                         if column not in f.columns and f.code not in codes]
                records.append({"set": name, "case": c.name, "group": c.group, "column": column,
                                "rate": rate, "rows": int(rows.size), "detected": det,
                                "codes": codes, "precision": prec, "recall": rec, "other": other,
                                "titles": [f"{f.code}: {f.title}" for f in loud(rep)
                                           if column in f.columns],
                                # warnings and errors on columns the corruption did not touch, new
                                # against the undamaged halves: alarms about the wrong column
                                "elsewhere": [f"{f.severity} {f.code}: {f.title}" for f in loud(rep)
                                              if column not in f.columns
                                              and (f.code, f.columns[:3]) not in before],
                                "seconds": time.perf_counter() - t})
                print(f"{name:12} {c.name:12} {rate:5.0%} {column:28} {'HIT ' if det else 'miss'} "
                      f"{codes} p={prec} r={rec}", flush=True)
    return records


def summary(records) -> list[str]:
    """Return markdown tables: per class and rate, per corruption, and the controls."""
    cases = [r for r in records if r["case"] != "clean"]
    clean = [r for r in records if r["case"] == "clean"]
    lines = ["| class | 1% | 5% | 20% | row precision | row recall |", "|---|---:|---:|---:|---:|---:|"]
    for key in ("group", "case"):
        by = defaultdict(list)
        for r in cases:
            by[r[key]].append(r)
        for g in sorted(by):
            cells = []
            for rate in RATES:
                rs = [r for r in by[g] if r["rate"] == rate]
                cells.append(f"{sum(r['detected'] for r in rs)}/{len(rs)}" if rs else "–")
            ps = [r["precision"] for r in by[g] if r["precision"] is not None]
            rc = [r["recall"] for r in by[g] if r["recall"] is not None]
            lines.append(f"| {g} | {' | '.join(cells)} | "
                         f"{np.mean(ps):.2f} | {np.mean(rc):.2f} |" if ps else
                         f"| {g} | {' | '.join(cells)} | – | – |")
        if key == "group":
            lines += ["", "| corruption | 1% | 5% | 20% | row precision | row recall |",
                      "|---|---:|---:|---:|---:|---:|"]
    tot = []
    for rate in RATES:
        rs = [r for r in cases if r["rate"] == rate]
        tot.append(f"{rate:.0%}: {sum(r['detected'] for r in rs)}/{len(rs)} "
                   f"({sum(r['detected'] for r in rs) / max(len(rs), 1):.0%})")
    alarms = [r for r in clean if r["false_alarms"]]
    lines += ["", f"- detected: {'; '.join(tot)}",
              f"- clean splits with a warning or error: {len(alarms)} of {len(clean)}"]
    for r in alarms:
        lines += [f"  - {r['set']} seed {r['seed']}: {a}" for a in r["false_alarms"]]
    seven = [r for r in cases if r["group"].startswith("7") and r["detected"]]
    if seven:
        by_code: dict[str, int] = defaultdict(int)
        for r in seven:
            for code in r["codes"]:
                by_code[code] += 1
        lines.append("- class 7 caught by (cases naming the column per code): "
                     + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))
    counted = [r for r in cases if "elsewhere" in r]
    if counted:
        wrong = [r for r in counted if r["elsewhere"]]
        by_rate = "; ".join(f"{rate:.0%}: {sum(1 for r in wrong if r['rate'] == rate)}" for rate in RATES)
        lines.append(f"- corrupted cases with a new warning or error on a column the corruption did not "
                     f"touch: {len(wrong)} of {len(counted)} ({by_rate})")
        lines += [f"  - {r['set']}/{r['case']}@{r['rate']:.0%} ({r['column']}): {a[:160]}"
                  for r in wrong for a in r["elsewhere"]]
    missed = [r for r in cases if not r["detected"]]
    lines.append(f"- missed cases ({len(missed)}): " + ", ".join(
        f"{r['set']}/{r['case']}@{r['rate']:.0%}" for r in missed))
    return lines


def main() -> None:
    """Run the suite and print (and optionally record) the summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--merge", nargs="*", default=None,
                    help="summarise saved --json files (runs split over processes) instead of running")
    args = ap.parse_args()
    if args.merge is not None:
        records = [r for path in args.merge for r in json.loads(Path(path).read_text())]
        args.sets = ",".join(dict.fromkeys(r["set"] for r in records))
    else:
        records = run(args.sets.split(","), set(filter(None, args.only.split(","))))
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))
    lines = [f"Sets: {args.sets} (≤ {20_000:,} rows each, random halves); "
             "corruptions at 1%, 5%, 20% of the current half's rows.", "", *summary(records)]
    print("\n".join(lines))
    if args.record:
        from common import record

        record("Recall on known corruptions (bench/corrupt)", lines)


if __name__ == "__main__":
    main()
