"""Time `rescaled_share` alone (CPU) against another revision's version of its modules, interleaved.

    python bench/rescaled_bench.py [--base REV] [--repeat 5] [--profile] [--record]

Profiles the 1M × 20 benchmark files once, then runs `RescaledShare().run` on the two profiles
with this checkout's modules and with REV's (`rescaled`, `share_tests`, `row_model`,
`mixture_lr`, `units` read from git and loaded beside them), alternately, timing the CPU of
the calling thread (`time.thread_time`) and of the process, and keeping the best of each. It
also checks both give the same findings (code, columns, title, evidence, the rows' expression).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import pstats
import subprocess
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, drifted_pair, record

MODULES = ("units", "mixture_lr", "row_model", "share_tests", "rescaled")
PACKAGE = "tripwire.detectors.data"


def load_base(rev: str) -> type:
    """Return REV's RescaledShare, its modules loaded under a private package name."""
    from tripwire.detectors import registry

    name = "_rescaled_base"
    sys.modules[name] = types.ModuleType(name)
    kept = dict(registry.DETECTORS)
    for mod in MODULES:
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:src/tripwire/detectors/data/{mod}.py"],
                             check=True, capture_output=True, text=True).stdout
        for other in MODULES:
            src = src.replace(f"{PACKAGE}.{other} import", f"{name}.{other} import")
        spec = importlib.util.spec_from_loader(f"{name}.{mod}", loader=None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(src, f"{rev}:{mod}.py", "exec"), module.__dict__)
    registry.DETECTORS.clear()
    registry.DETECTORS.update(kept)  # REV's class does not replace this checkout's
    return sys.modules[f"{name}.rescaled"].RescaledShare


def summary(findings: list) -> list[tuple]:
    """Return what a user sees of each finding (its rows through the expression listing them)."""
    return [(f.code, f.severity, f.columns, f.title, repr(sorted(f.evidence.items())), str(f.locate))
            for f in findings]


def main() -> None:
    """Run the timing and print (and optionally record) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main", help="git revision to compare with")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of this checkout's run")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    ref, cur = drifted_pair()
    sys.path.insert(0, str(ROOT / "src"))
    import tripwire
    from tripwire.detectors.data.rescaled import RescaledShare
    from tripwire.detectors.registry import ScanContext

    base = load_base(args.base)
    ctx = ScanContext(profile=tripwire.profile(cur), reference=tripwire.profile(ref))
    runs = {f"{args.base}": base, "this checkout": RescaledShare}
    found = {k: summary(list(cls().run(ctx))) for k, cls in runs.items()}  # first-call costs, not timed
    best: dict[str, tuple[float, float]] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for k, cls in runs.items():
            t, p = time.thread_time(), time.process_time()
            list(cls().run(ctx))
            took = (time.thread_time() - t, time.process_time() - p)
            best[k] = min(best.get(k, took), took)
        loads.append(os.getloadavg()[0])
    same = found[args.base] == found["this checkout"]
    b, a = best[args.base], best["this checkout"]
    lines = [f"`RescaledShare().run` on `{cur.name}` against `{ref.name}` (1M rows × 20 columns), "
             f"best of {args.repeat}, interleaved, load {min(loads):.1f}-{max(loads):.1f}.", "",
             "| code | thread CPU s | process CPU s |", "|---|---:|---:|",
             f"| {args.base} | {b[0]:.3f} | {b[1]:.3f} |",
             f"| this checkout | {a[0]:.3f} | {a[1]:.3f} |", "",
             f"- ratio (thread CPU): {b[0] / a[0]:.2f}× cheaper; findings: {len(found[args.base])}, "
             f"{'the same' if same else 'DIFFERENT'}"]
    print("\n".join(lines))
    if not same:
        for x, y in zip(found[args.base], found["this checkout"], strict=False):
            if x != y:
                print("base:", x, "\nthis:", y, sep="\n")
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(lambda: list(RescaledShare().run(ctx)))
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    if args.record:
        record("rescaled_share CPU against another revision (rescaled_bench.py)", lines)


if __name__ == "__main__":
    main()
