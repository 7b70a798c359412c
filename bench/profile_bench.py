"""Time a full profile of the 1M × 20 benchmark file against a plain Polars pass (the floor).

In one run: (a) the floor, a competent hand-written Polars pass computing per column the
count, nulls, approximate distinct, min, max, mean, std, 7 quantiles and the top-10 values;
(b) `tripwire.profile(path)` in this process; (c) `tripwire profile FILE -o ...` end to end
as a subprocess (interpreter start included), against the floor run as a process too;
(d) `tripwire.profile(path)` with the exact states switched off (sketches only), the cost of
exact mode; (e) whylogs' `why.log(df)` in its own venv if `bench/setup_whylogs.sh` made one.
Ratios are to the floor measured in the same run, since the machine is shared and absolute
times wander.

    python bench/profile_bench.py [--file bench/data/reference.parquet] [--repeat 3] [--record]
    python bench/profile_bench.py --floor-only FILE   # the floor alone (timed as a process)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, PY, ROOT, best_of, record, run_timed, tripwire_env

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
WHYLOGS_SCRIPT = """
import sys, time, pandas as pd, whylogs as why
df = pd.read_parquet(sys.argv[1])
best = min(__import__('timeit').repeat(lambda: why.log(df), number=1, repeat=int(sys.argv[2])))
print(best)
"""


def floor(path: Path) -> None:
    """Compute the floor statistics with Polars (read included, as tripwire's time includes it)."""
    df = pl.read_parquet(path)
    exprs = []
    for name, dtype in df.schema.items():
        c = pl.col(name)
        exprs += [c.count().alias(f"{name}:n"), c.null_count().alias(f"{name}:nulls"),
                  c.approx_n_unique().alias(f"{name}:distinct"), c.min().alias(f"{name}:min"),
                  c.max().alias(f"{name}:max")]
        if dtype.is_numeric():
            exprs += [c.mean().alias(f"{name}:mean"), c.std().alias(f"{name}:std")]
            exprs += [c.quantile(q).alias(f"{name}:q{q}") for q in QUANTILES]
    df.select(exprs)
    for name in df.columns:
        df[name].value_counts(sort=True).head(10)


def sketches_only(path: Path) -> None:
    """Profile with the exact limits at zero: every column goes straight to its sketches."""
    from tripwire.profiling.stats import frequent, quantiles

    saved = frequent.EXACT_MAX_DISTINCT, quantiles.EXACT_MAX_DISTINCT
    frequent.EXACT_MAX_DISTINCT = quantiles.EXACT_MAX_DISTINCT = 0
    try:
        import tripwire

        tripwire.profile(path)
    finally:
        frequent.EXACT_MAX_DISTINCT, quantiles.EXACT_MAX_DISTINCT = saved


def main() -> None:
    """Run the benchmark and print (and optionally record) the table."""
    if len(sys.argv) == 3 and sys.argv[1] == "--floor-only":
        floor(Path(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=BENCH / "data" / "reference.parquet")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = ap.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} is missing: run python bench/generate.py first")
    sys.path.insert(0, str(ROOT / "src"))
    import tripwire

    # interleave the contenders, round by round: on a shared machine the load drifts, and a
    # block of runs per contender would compare different loads
    ins = {"floor": [], "api": [], "sketch": []}
    procs: dict[str, list[tuple[float, float]]] = {"floor": [], "cli": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.json"
        cli = [PY, "-m", "tripwire", "profile", str(args.file), "-o", str(out), "-q"]
        floor_cmd = [PY, str(Path(__file__).resolve()), "--floor-only", str(args.file)]
        for _ in range(args.repeat):
            ins["floor"].append(best_of(lambda: floor(args.file), 1))
            ins["api"].append(best_of(lambda: tripwire.profile(args.file), 1))
            ins["sketch"].append(best_of(lambda: sketches_only(args.file), 1))
            procs["cli"].append(run_timed(cli, tripwire_env()))
            procs["floor"].append(run_timed(floor_cmd))
        size_kb = out.stat().st_size / 1024
    t_floor, t_api, t_sketch = (min(ins[k]) for k in ("floor", "api", "sketch"))
    t_cli, rss = min(r[0] for r in procs["cli"]), max(r[1] for r in procs["cli"])
    t_floor_proc = min(r[0] for r in procs["floor"])
    rows = [("Polars floor (read + stats + top-10)", t_floor),
            ("tripwire.profile() (API, exact below the limits)", t_api),
            ("tripwire.profile() with sketches only (exact off)", t_sketch),
            ("Polars floor as a process (interpreter start included)", t_floor_proc)]
    rows.append(("`tripwire profile` CLI (process start included)", t_cli))
    whylogs = BENCH / ".venv-whylogs" / "bin" / "python"
    if whylogs.exists():
        proc = subprocess.run([str(whylogs), "-c", WHYLOGS_SCRIPT, str(args.file), str(args.repeat)],
                              capture_output=True, text=True, check=True)
        rows.append(("whylogs why.log(pandas df) (own venv, read excluded)", float(proc.stdout.strip())))
    t_import = best_of(lambda: subprocess.run([PY, "-c", "import tripwire"], env=tripwire_env(),
                                              check=True), 5)
    lines = [f"File: `{args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}`"
             f" ({args.file.stat().st_size / 2**20:.0f} MB), best of {args.repeat}.", "",
             "| what | seconds | ratio to floor |", "|---|---:|---:|"]
    lines += [f"| {label} | {secs:.2f} | {secs / t_floor:.2f}× |" for label, secs in rows]
    lines += ["", f"- CLI process / floor process: {t_cli / t_floor_proc:.2f}× (target ≤ 1.5×)",
              f"- exact mode / sketches only: {t_api / t_sketch:.2f}×",
              f"- peak RSS of the CLI profile: {rss:.0f} MB; profile JSON: {size_kb:.0f} KB",
              f"- `python -c 'import tripwire'`: {t_import:.3f} s (target < 0.3 s, interpreter start included)",
              "- target: API profile ≤ 1.5× the floor",
              f"- load average during the run (2 cores, shared): {os.getloadavg()[0]:.1f}"]
    print("\n".join(lines))
    if args.record:
        record("Profile of the 1M × 20 benchmark file", lines)


if __name__ == "__main__":
    main()
