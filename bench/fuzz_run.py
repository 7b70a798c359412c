"""Run every CLI command over many seeded malformed inputs, in a worker subprocess.

    nice -n 19 python bench/fuzz_run.py --count 10500 --log bench/data/fuzz.jsonl --record

Each input (see tests/fuzz/malformed.py for the families) goes through profile (with the
HTML summary), scan (HTML report), infer, check (with the inferred contract) and drift; each
outcome is a result, a clean one-line error, an uncaught exception, a hang (over
--time-limit CPU seconds) or a crash (a signal). Failures go to --log with their traceback;
--record appends the figures to bench/RESULTS.md. Exit 1 if any failure was found.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]),
                str(Path(__file__).resolve().parents[1] / "src")]

from bench.common import machine  # noqa: E402
from tests.fuzz.harness import OUTCOMES, run_many  # noqa: E402
from tests.fuzz.malformed import FAMILIES, malformed_inputs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_500, help="malformed inputs to run")
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--time-limit", type=float, default=20.0, help="CPU seconds per command")
    parser.add_argument("--family", action="append", help="only these families")
    parser.add_argument("--jobs", type=int, default=1, help="workers side by side")
    parser.add_argument("--log", type=Path, default=Path("bench/data/fuzz.jsonl"),
                        help="JSON Lines of failures and progress")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()

    families = args.family or sorted(FAMILIES)
    items = (m for m in malformed_inputs(args.seed, args.count * len(FAMILIES) // len(families))
             if m.family in families)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    per_family: dict[str, Counter] = {f: Counter() for f in families}
    slow_ops: list[dict] = []

    partial = args.log.with_suffix(".summary.md")
    with args.log.open("w") as log:
        def on_outcome(item, outcome) -> None:
            per_family[item.family][outcome.outcome] += 1
            if outcome.operation == "drift" and tally_ref and tally_ref[0].inputs % 100 == 0:
                # figures so far, in case the run is stopped before the end
                partial.write_text(_summary(tally_ref[0], per_family, slow_ops,
                                            time.monotonic() - started, args))
            if outcome.outcome not in ("result", "clean"):
                log.write(json.dumps(outcome.__dict__) + "\n")
                log.flush()
            elif outcome.seconds > 5:
                slow_ops.append({"input": outcome.input, "op": outcome.operation,
                                 "cpu": outcome.seconds})

        tally_ref: list = []
        tally = run_many(_counted(items, args.count, started), time_limit=args.time_limit,
                         jobs=args.jobs, on_outcome=on_outcome, tally_out=tally_ref)
    elapsed = time.monotonic() - started
    text = _summary(tally, per_family, slow_ops, elapsed, args)
    print(text)
    if args.record:
        with open(Path(__file__).parent / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 1 if tally.failures else 0


def _counted(items, count: int, started: float):
    for i, item in enumerate(items):
        if i >= count:
            return
        if i and i % 250 == 0:
            print(f"{i:,} inputs, {time.monotonic() - started:,.0f} s", file=sys.stderr, flush=True)
        yield item


def _summary(tally, per_family, slow_ops, elapsed: float, args) -> str:
    c = tally.counts
    lines = [
        f"## Fuzzing: {tally.inputs:,} malformed inputs through every command — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {machine()}",
        "",
        f"`python bench/fuzz_run.py --count {args.count} --seed {args.seed} --jobs {args.jobs}` "
        f"(under `nice -n 19`; "
        f"{elapsed / 60:,.0f} min). Each input through profile (+HTML), scan (HTML), infer, "
        "check (inferred contract) and drift, in a worker subprocess; hang = over "
        f"{args.time_limit:.0f} s CPU.",
        "",
        f"- inputs: {tally.inputs:,}; operations: {tally.operations:,}",
        f"- results: {c['result']:,}; clean one-line errors: {c['clean']:,}",
        f"- uncaught: {c['uncaught']:,}; hangs: {c['hang']:,}; crashes: {c['crash']:,}",
        "",
        "| family | " + " | ".join(OUTCOMES) + " |",
        "|---|" + "---:|" * len(OUTCOMES),
    ]
    for family, counts in sorted(per_family.items()):
        lines.append(f"| {family} | " + " | ".join(f"{counts[o]:,}" for o in OUTCOMES) + " |")
    slowest = sorted(slow_ops, key=lambda s: -s["cpu"])[:5]
    if slowest:
        lines += ["", "Slowest operations (CPU s): " + "; ".join(
            f"{s['op']} {s['input']} {s['cpu']:.1f}" for s in slowest)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
