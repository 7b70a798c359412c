"""Profile 10,000 images of 512×512 with `tripwire profile FOLDER --images` (target ≤ 60 s on 2 cores).

The images are generated on disk in a temp dir (JPEG, quality 90): 500 shifted, mirrored and
re-lit crops of scikit-image's bundled photos, each hard-linked under 20 names (decoding
costs the same for a repeated file; encoding 10,000 distinct JPEGs took 6 minutes here). Baseline, same run,
same files, same two worker processes: Pillow's plain open + full decode to a NumPy array
(`Image.open(p).convert("RGB")`), nothing measured. Memory: peak RSS of the largest process
(the CLI or a worker), each run in its own wrapper process, at a quarter of the images and
at all of them: flat means equal.

    PYTHONPATH=src python bench/images_bench.py [--images 10000] [--record]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, record, tripwire_env

SIDE = 512
CHUNK = 32


def _photos() -> list[np.ndarray]:
    from skimage import data

    out = []
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera", "brick", "grass", "coins", "moon", "gravel"):
        a = getattr(data, name)()
        out.append(np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a[:, :, :3])
    return out


def _write(job: tuple[str, int, int]) -> int:
    from PIL import Image

    folder, start, stop = job
    photos = _photos()
    for i in range(start, stop):
        rng = np.random.default_rng(i)
        a = photos[i % len(photos)]
        big = Image.fromarray(a).resize((SIDE + 64, SIDE + 64))
        x, y = rng.integers(0, 64, 2)
        crop = np.asarray(big)[y:y + SIDE, x:x + SIDE].astype(np.float32) * rng.uniform(0.6, 1.3)
        if i % 2:
            crop = crop[:, ::-1]
        Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).save(Path(folder) / f"img_{i:05d}.jpg", quality=90)
    return stop - start


DISTINCT = 500


def generate(folder: Path, n: int) -> None:
    distinct = folder.parent / "distinct"
    distinct.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    k = min(n, DISTINCT)
    jobs = [(str(distinct), s, min(s + 50, k)) for s in range(0, k, 50)]
    with ProcessPoolExecutor(2) as pool:
        assert sum(pool.map(_write, jobs)) == k
    for i in range(n):
        os.link(distinct / f"img_{i % k:05d}.jpg", folder / f"img_{i:05d}.jpg")


def _decode(paths: list[str]) -> int:
    from PIL import Image

    total = 0
    for p in paths:
        with Image.open(p) as im:
            total += np.asarray(im.convert("RGB")).shape[0]
    return total


def baseline(folder: Path) -> None:
    """Open and fully decode every image with Pillow in two worker processes (the same chunking)."""
    files = sorted(str(p) for p in folder.glob("*.jpg"))
    chunks = [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]
    with ProcessPoolExecutor(2) as pool:
        sum(pool.map(_decode, chunks))


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command in a wrapper process; return (wall seconds, peak RSS MB of its largest process)."""
    import json
    import subprocess

    wrapper = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
               "print(json.dumps([time.perf_counter() - t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))")
    out = subprocess.run([PY, "-c", wrapper, *cmd], check=True, env=env, capture_output=True, text=True)
    wall, rss = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--baseline-only", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.baseline_only:
        baseline(args.baseline_only)
        return
    tmp = Path(tempfile.mkdtemp(prefix="tripwire-images-bench-"))
    try:
        small, big = tmp / "quarter", tmp / "all"
        started = time.perf_counter()
        generate(big, args.images)
        small.mkdir()
        for p in sorted(big.glob("*.jpg"))[: args.images // 4]:
            os.link(p, small / p.name)
        print(f"generated {args.images:,} images in {time.perf_counter() - started:.0f} s")
        load_before = os.getloadavg()
        env = tripwire_env()
        t_q, rss_q = run_measured([PY, "-m", "tripwire", "profile", str(small), "--images", "-q",
                                   "-o", str(tmp / "q.json")], env)
        t_all, rss_all = run_measured([PY, "-m", "tripwire", "profile", str(big), "--images", "-q",
                                       "-o", str(tmp / "all.json")], env)
        t_base, rss_base = run_measured([PY, __file__, "--baseline-only", str(big)], env)
        load_after = os.getloadavg()
        lines = [
            f"{args.images:,} JPEG images of {SIDE}×{SIDE} (generated, quality 90), `tripwire profile DIR --images` "
            "with 2 worker processes; baseline: Pillow open + full decode to NumPy of the same files in 2 processes.",
            f"Load average before/after (1 min): {load_before[0]:.1f} / {load_after[0]:.1f} (the machine is shared).",
            "",
            "| run | images | wall s | images/s | peak RSS MB (largest process) |",
            "|---|---:|---:|---:|---:|",
            f"| tripwire profile --images | {args.images:,} | {t_all:.1f} | {args.images / t_all:,.0f} | {rss_all:.0f} |",
            f"| tripwire profile --images | {args.images // 4:,} | {t_q:.1f} | {args.images / 4 / t_q:,.0f} | {rss_q:.0f} |",
            f"| baseline: Pillow decode only | {args.images:,} | {t_base:.1f} | {args.images / t_base:,.0f} | {rss_base:.0f} |",
            "",
            f"- ratio to the baseline: {t_all / t_base:.2f}× the time of decoding alone "
            f"(tripwire decodes JPEGs at 1/2 scale, then measures 13 properties and a hash).",
            f"- target ≤ 60 s for 10,000 images: {'met' if t_all <= 60 * args.images / 10_000 else 'NOT met'}.",
        ]
        print("\n".join(lines))
        if args.record:
            record("Images: profile 10,000 images of 512×512 (bench/images_bench.py)", lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
