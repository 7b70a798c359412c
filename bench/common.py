"""Shared pieces of the benchmark scripts: timing, the machine description, recording."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"


def drifted_pair() -> tuple[Path, Path]:
    """Return the benchmark's reference and drifted files; exit saying how to make them if missing."""
    ref, cur = BENCH / "data" / "reference.parquet", BENCH / "data" / "current.parquet"
    if not (ref.exists() and cur.exists()):
        sys.exit("run python bench/generate.py and python bench/generate.py --drifted first")
    return ref, cur


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Return the fastest of `repeat` wall-clock timings of fn()."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: measure big runs first
    return wall, max(after, before) / 1024.0


def machine() -> str:
    """Describe the machine and library versions in one line."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy
    import polars
    import pyarrow

    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, polars {polars.__version__}, "
            f"pyarrow {pyarrow.__version__}, numpy {numpy.__version__}")


def record(title: str, lines: list[str]) -> None:
    """Append a dated section to bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = [f"\n## {title} — {stamp}\n", f"Machine: {machine()}\n", *lines, ""]
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(text))
    print(f"recorded in {RESULTS}")


def tripwire_env() -> dict[str, str]:
    """Return an environment where `python -m tripwire` runs this checkout."""
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"))


PY = sys.executable
