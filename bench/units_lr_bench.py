"""Time rescaled_share's likelihood-ratio route (issue 21) against profiling both files.

    python bench/units_lr_bench.py [--repeat 3] [--record]

Profiles the 1M × 20 benchmark files once, then runs `rescaled_share` alone on the two profiles
with the likelihood-ratio route on and off, interleaved, and profiling both files again as the
baseline in the same loop: the route works on the profiles' 10,000-row samples, so its cost does
not grow with the rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, drifted_pair, record


def main() -> None:
    """Run the timing and print (and optionally record) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    ref, cur = drifted_pair()
    sys.path.insert(0, str(ROOT / "src"))
    import tripwire
    from tripwire.detectors.data.rescaled import RescaledShare

    with_lr = RescaledShare._likelihood_ratio
    cp, rp = tripwire.profile(cur), tripwire.profile(ref)
    times: dict[str, list[float]] = {"profile both": [], "rescaled_share": [], "without the LR route": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        tripwire.profile(cur), tripwire.profile(ref)
        times["profile both"].append(time.perf_counter() - t)
        for name, route in (("rescaled_share", with_lr), ("without the LR route", lambda *a: iter(()))):
            RescaledShare._likelihood_ratio = route
            t = time.perf_counter()
            tripwire.scan(cp, rp, only=["rescaled_share"])
            times[name].append(time.perf_counter() - t)
    RescaledShare._likelihood_ratio = with_lr
    base = min(times["profile both"])
    lines = [f"`{cur.name}` against `{ref.name}` (1M rows × 20 columns), best of {args.repeat}, interleaved.",
             "", "| what | seconds | ratio to profiling both |", "|---|---:|---:|"]
    lines += [f"| {k} | {min(v):.2f} | {min(v) / base:.2f}× |" for k, v in times.items()]
    print("\n".join(lines))
    if args.record:
        record("rescaled_share likelihood-ratio route (units_lr_bench.py)", lines)


if __name__ == "__main__":
    main()
