"""Run tripwire commands on inputs in a worker subprocess and sort each outcome into a class.

The worker (`python -m tests.fuzz.worker`) runs the CLI's `main()` in-process, one command at
a time, so a segfault or an abort kills only the worker: the harness records a *crash*,
starts a new worker and goes on. A command that runs past the time limit is a *hang*: the
worker is killed. Outcome classes:

- ``result``: exit 0 or 1 (the command ran);
- ``clean``: exit 2 with one line on stderr from a TripwireError (bad input said so);
- ``uncaught``: any other exception reached the CLI's boundary (a bug, even though the user
  sees one line), or the output was not one line;
- ``hang``: the command ran longer than the limit (CPU seconds, or wall seconds at 6x);
- ``crash``: the process died (a signal, e.g. -11 for a segfault).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.malformed import Malformed, reference_file

REPO = Path(__file__).resolve().parents[2]
OUTCOMES = ("result", "clean", "uncaught", "hang", "crash")
#: the command sequence each input goes through; {input}, {ref} and {dir} are filled in
OPERATIONS: dict[str, list[str]] = {
    "profile": ["profile", "{input}", "-q", "-o", "{dir}/profile.json", "--html",
                "{dir}/profile.html"],
    "scan": ["scan", "{input}", "--format", "html", "-o", "{dir}/scan.html"],
    "infer": ["infer", "{input}", "-o", "{dir}/contract.yaml"],
    "check": ["check", "{input}", "-c", "{contract}", "--format", "json", "-o",
              "{dir}/check.json"],
    "drift": ["drift", "{input}", "--reference", "{ref}"],
}


@dataclass
class Outcome:
    """What one command did on one input."""

    input: str
    family: str
    operation: str
    outcome: str
    exit: int | None
    seconds: float
    message: str = ""
    traceback: str = ""


@dataclass
class Tally:
    """Counts of outcomes over a run, and the outcomes that are failures."""

    inputs: int = 0
    operations: int = 0
    counts: Counter = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    slowest: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.operations += 1
        self.counts[outcome.outcome] += 1
        if outcome.outcome in ("uncaught", "hang", "crash"):
            self.failures.append(outcome)
        self.slowest = sorted([*self.slowest, outcome], key=lambda o: -o.seconds)[:10]


class Worker:
    """A subprocess that runs CLI commands on request, restarted after a crash or a hang."""

    def __init__(self, time_limit: float = 20.0, nice: int = 0) -> None:
        self.time_limit = time_limit
        self.nice = nice
        self.proc: subprocess.Popen | None = None
        self.served = 0

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
                   POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1", TRIPWIRE_STRICT="1",
                   TRIPWIRE_STORE=str(Path(tempfile.gettempdir()) / "tripwire-fuzz-unused.db"))
        env.pop("TRIPWIRE_DEBUG", None)
        prefix = ["nice", "-n", str(self.nice)] if self.nice else []
        return subprocess.Popen(
            [*prefix, sys.executable, "-m", "tests.fuzz.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env, cwd=REPO, start_new_session=True,
        )

    def run(self, argv: list[str]) -> tuple[str, int | None, float, str, str]:
        """Run one command; return (outcome, exit code, seconds, message, traceback)."""
        if self.proc is None or self.proc.poll() is not None or self.served >= 200:
            self.close()
            self.proc = self._start()
            self.served = 0
        self.served += 1
        assert self.proc.stdin and self.proc.stdout
        started = time.monotonic()
        self.proc.stdin.write(json.dumps(argv) + "\n")
        self.proc.stdin.flush()
        # wall time is generous: under `nice` on a shared machine it runs far past CPU time
        line = _read_line(self.proc, deadline=started + self.time_limit * 6)
        wall = time.monotonic() - started
        if line is None:
            code = self.proc.poll()
            if code is None:  # still running: a hang
                self.close()
                return "hang", None, wall, f"killed after {wall:.0f} s wall", ""
            self.proc = None
            name = signal.Signals(-code).name if code < 0 else f"exit {code}"
            return "crash", code, wall, f"worker died ({name})", ""
        reply = json.loads(line)
        if reply["cpu"] > self.time_limit:
            return "hang", reply["exit"], reply["cpu"], f"{reply['cpu']:.1f} s CPU", ""
        return (reply["outcome"], reply["exit"], reply["cpu"], reply["message"],
                reply["traceback"])

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def _read_line(proc: subprocess.Popen, deadline: float) -> str | None:
    import selectors

    assert proc.stdout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                return None
            line = proc.stdout.readline()
            return line or None


def run_input(worker: Worker, item: Malformed, workdir: Path) -> Iterator[Outcome]:
    """Write `item` to a fresh folder and run every operation on it."""
    folder = workdir / "case"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / item.name
    path.write_bytes(item.data)
    suffix = "." + item.name.split(".", 1)[1]
    ref = workdir / ("reference" + suffix)
    if not ref.exists():
        ref.write_bytes(reference_file(suffix))
    fallback = workdir / "reference.contract.yaml"
    if not fallback.exists():
        fallback.write_text("columns:\n  id: {type: int, required: true}\n")
    for op, template in OPERATIONS.items():
        contract = folder / "contract.yaml"
        values = {"input": str(path), "ref": str(ref), "dir": str(folder),
                  "contract": str(contract if contract.exists() else fallback)}
        argv = [part.format(**values) for part in template]
        outcome, code, seconds, message, trace = worker.run(argv)
        yield Outcome(item.name, item.family, op, outcome, code, round(seconds, 3), message,
                      trace)


def run_many(items: Iterable[Malformed], *, time_limit: float = 20.0, nice: int = 0,
             jobs: int = 1, on_outcome=None, tally_out: list | None = None) -> Tally:
    """Run every operation on every input, in `jobs` workers side by side; return the tally.

    `tally_out`, if given, receives the tally at the start (to read figures while it runs).
    """
    import threading

    tally = Tally()
    if tally_out is not None:
        tally_out.append(tally)
    lock = threading.Lock()
    pending = iter(items)

    def serve(tmp: Path) -> None:
        worker = Worker(time_limit=time_limit, nice=nice)
        try:
            while True:
                with lock:
                    item = next(pending, None)
                    if item is None:
                        return
                    tally.inputs += 1
                for outcome in run_input(worker, item, tmp):
                    with lock:
                        tally.add(outcome)
                        if on_outcome is not None:
                            on_outcome(item, outcome)
        finally:
            worker.close()

    with tempfile.TemporaryDirectory(prefix="tripwire-fuzz-") as tmp:
        threads = [threading.Thread(target=serve, args=(Path(tmp) / f"w{i}",))
                   for i in range(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return tally
