"""Time `scan` of the 1M × 20 current file against the 1M-row reference, vs profiling both.

    python bench/scan_bench.py [--repeat 3] [--record]
    python bench/scan_bench.py --interleaved 4 [--src /other/checkout/src]

`--interleaved N` alternates profile-both and scan N times in one process and keeps the
best of each (the fairest comparison on a shared machine), printing the load average and
the CPU seconds of the best runs; `--src` imports tripwire from another checkout (e.g.
main's), to time its code on the same files right after.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, best_of, drifted_pair, record


def main() -> None:
    """Run the scan benchmark and print (and optionally record) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--interleaved", type=int, default=0, metavar="N",
                    help="alternate profile-both and scan N times; print the best of each")
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="import tripwire from this src folder")
    args = ap.parse_args()
    ref, cur = drifted_pair()
    sys.path.insert(0, str(args.src.resolve()))
    import tripwire

    if args.interleaved:
        interleaved(tripwire, cur, ref, args.interleaved)
        return

    t_profile = best_of(lambda: (tripwire.profile(cur), tripwire.profile(ref)), args.repeat)
    reports = []
    t_scan = best_of(lambda: reports.append(tripwire.scan(cur, ref)), args.repeat)
    report = reports[-1]
    families = sorted({c.name for c in report.checks if c.status != "skipped"})
    lines = [f"Current `{cur.name}` against reference `{ref.name}` (1M rows × 20 columns each), "
             f"best of {args.repeat}.", "",
             "| what | seconds | ratio |", "|---|---:|---:|",
             f"| profile both files | {t_profile:.2f} | 1.00× |",
             f"| `tripwire.scan(current, reference)` (profiles both, runs every detector, finds rows) "
             f"| {t_scan:.2f} | {t_scan / t_profile:.2f}× |", "",
             f"- detectors run: {', '.join(families)}",
             f"- findings: {report.summary}", "- target: scan ≤ 3× profiling both"]
    print("\n".join(lines))
    if args.record:
        record("Scan of the 1M × 20 benchmark file against a 1M-row reference", lines)


def interleaved(tripwire: object, cur: Path, ref: Path, n: int) -> None:
    """Alternate profile-both and scan `n` times; print the best wall (and its CPU) of each and the ratio."""
    tripwire.scan(cur, ref)  # type: ignore[attr-defined]  # imports and first-call costs, not timed
    best: dict[str, tuple[float, float]] = {}
    jobs = {"profile both": lambda: (tripwire.profile(cur), tripwire.profile(ref)),  # type: ignore[attr-defined]
            "scan": lambda: tripwire.scan(cur, ref)}  # type: ignore[attr-defined]
    if (Path(tripwire.__file__).parent / "io" / "kept.py").exists():  # type: ignore[attr-defined]
        jobs["scan, row pass reading the file"] = lambda: _without_kept_rows(tripwire, cur, ref)
    started = _mark_detector_phase(tripwire)
    phases: list[tuple[float, float]] = []
    loads = [os.getloadavg()[0]]
    for _ in range(n):
        for name, job in jobs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            job()
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            best[name] = min(best.get(name, took), took)
            if name == "scan" and started:
                phases.append((time.perf_counter() - started[-1][0], time.process_time() - started[-1][1]))
        loads.append(os.getloadavg()[0])
    pw, pc = best["profile both"]
    print(f"tripwire from {Path(tripwire.__file__).parent}; best of {n}, interleaved; "  # type: ignore[attr-defined]
          f"load {min(loads):.1f}-{max(loads):.1f}")
    for name, (wall, cpu) in best.items():
        print(f"  {name}: {wall:.2f} s (cpu {cpu:.2f}); {wall / pw:.2f}x profile both (cpu {cpu / pc:.2f}x)")
    if phases:
        # the scan after both profiles: its detectors and row pass, timed inside the same scans (the
        # ratio above also carries the profiles' own run-to-run swing)
        walls, cpus = sorted(p[0] for p in phases), sorted(p[1] for p in phases)
        print(f"  scan's detector phase (detectors, row pass, report): best {walls[0]:.2f} s, "
              f"median {walls[len(walls) // 2]:.2f} s (cpu best {cpus[0]:.2f}, median {cpus[len(cpus) // 2]:.2f}); "
              f"{walls[0] / pw:.2f}x profile both")


def _mark_detector_phase(tripwire: object) -> list[tuple[float, float]]:
    """Record (wall, cpu) when each scan starts its detectors (after both profiles); [] if it cannot."""
    import functools
    import importlib

    marks: list[tuple[float, float]] = []
    try:
        plan = importlib.import_module("tripwire.run.plan")
    except ImportError:
        return marks
    start = getattr(plan, "start_detectors", None)
    if start is None:
        return marks

    @functools.wraps(start)
    def marked(*args: object, **kwargs: object) -> object:
        marks.append((time.perf_counter(), time.process_time()))
        return start(*args, **kwargs)

    plan.start_detectors = marked
    return marks


def _without_kept_rows(tripwire: object, cur: Path, ref: Path) -> None:
    """Scan with no batches kept from the profile pass (the row pass reads the file again)."""
    os.environ["TRIPWIRE_KEEP_ROWS_MB"] = "0"
    try:
        tripwire.scan(cur, ref)  # type: ignore[attr-defined]
    finally:
        del os.environ["TRIPWIRE_KEEP_ROWS_MB"]


if __name__ == "__main__":
    main()
