"""Time per-feature drift of the 1M-row current file against a saved reference profile.

Baseline measured in the same run: profiling the current file alone. Drift = profile the
current file + load the saved reference profile + compare every column (drift.feature only;
the classifiers run on 5,000-row samples and are timed separately). Also checks the answer:
the moved columns recorded in the file's metadata (`tripwire.moved`).

    python bench/generate.py && python bench/generate.py --drifted
    python bench/drift_bench.py [--record] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import BENCH, best_of, machine

DATA = BENCH / "data"


def main() -> None:
    """Run the benchmark and print (or record) the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = ap.parse_args()
    ref_path, cur_path = DATA / "reference.parquet", DATA / "current.parquet"
    if not ref_path.exists() or not cur_path.exists():
        sys.exit("run `python bench/generate.py` and `python bench/generate.py --drifted` first")
    import tripwire
    from tripwire.profiling import DatasetProfile, profile

    saved = Path(tempfile.mkdtemp()) / "reference.profile.json"
    profile(ref_path).save(saved)
    moved = set(json.loads(pq.read_schema(cur_path).metadata[b"tripwire.moved"]))

    reports = []

    def drift_features() -> None:
        reports.append(tripwire.scan(cur_path, str(saved), only=["drift.feature"], command="drift"))

    drift_features()  # warm-up: imports the detector modules once
    # interleaved, best of each: the machine is shared, and load shifts between runs
    t_profile = t_drift = float("inf")
    for _ in range(args.repeat):
        t_profile = min(t_profile, best_of(lambda: profile(cur_path), 1))
        t_drift = min(t_drift, best_of(drift_features, 1))
    start = time.perf_counter()
    cur_prof = profile(cur_path)
    full = tripwire.drift(cur_prof, DatasetProfile.load(saved))
    t_all = time.perf_counter() - start
    report = reports[-1]
    flagged = {f.columns[0] for f in report.findings if f.severity != "info"}
    info = {f.columns[0] for f in report.findings if f.severity == "info"}
    ratio = t_drift / t_profile
    lines = [
        f"drift_bench ({time.strftime('%Y-%m-%d')}): {machine()}",
        f"  profile current (1M x 20):                 {t_profile:6.2f} s",
        f"  per-feature drift vs saved profile:        {t_drift:6.2f} s  = {ratio:.2f}x profiling (target <= 1.2x)",
        f"  all drift detectors (incl. classifiers):   {t_all:6.2f} s",
        f"  moved columns (metadata): {sorted(moved)}",
        f"  flagged warning/error:    {sorted(flagged)}   info: {sorted(info)}",
        f"  multivariate: {[f.title for f in full.by_code('drift.multivariate')]}",
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        with (BENCH / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n```\n" + text + "\n```\n")


if __name__ == "__main__":
    main()
