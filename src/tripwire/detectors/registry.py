"""The detector protocol and its registry: small units that each find one family of issues.

A detector declares what it needs on the class (`requires`, `extras`); `run_detectors` runs
every registered detector whose needs are met and records the others as skipped, with why.
Plugins register through the `tripwire.detectors` entry-point group.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import polars as pl

from tripwire.arrays import one_thread
from tripwire.errors import TripwireError
from tripwire.extras import EXTRA_OF, available
from tripwire.report.codes import code_info
from tripwire.report.finding import Finding, Severity
from tripwire.report.report import CheckResult

if TYPE_CHECKING:
    from tripwire.io.source import Source
    from tripwire.profiling.dataset import DatasetProfile

#: what a detector may need; each maps to the reason given when it is missing
NEEDS: dict[str, str] = {
    "profile": "needs a profile of the data",
    "reference": "needs --reference",
    "rows": "needs the rows (not available from a saved profile)",
    "sample": "needs a row sample (the profile was made with sample_rows=0)",
    "labels": "needs --label",
    "predictions": "needs --prediction",
    "population": "needs --population (a census table of known shares)",
}


@dataclass(frozen=True)
class ScanContext:
    """What detectors can look at: the batch's profile, and optionally more."""

    profile: DatasetProfile
    reference: DatasetProfile | None = None
    source: Source | None = None
    label: str | None = None
    prediction: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def available(self) -> set[str]:
        """Return the needs this context can satisfy."""
        have = {"profile"}
        if self.reference is not None:
            have.add("reference")
        if self.source is not None:
            have.add("rows")
        if self.profile.sample.num_rows:
            have.add("sample")
        if self.label:
            have.add("labels")
        if self.prediction:
            have.add("predictions")
        if self.options.get("population") is not None:
            have.add("population")
        return have


class RowTask(Protocol):
    """Work a detector does on the rows, fed batch by batch in the run's one shared row pass."""

    def update(self, df: pl.DataFrame, offset: int) -> None:
        """Look at one batch (rows `offset` .. `offset + df.height - 1`)."""
        ...

    def finish(self) -> Iterable[Finding]:
        """Return the findings once every batch was seen."""
        ...


class Detector:
    """Base class of detectors: set the class attributes, implement `run` (and `row_task`).

    `run` decides from profiles; a finding may carry a `locate` expression for its rows.
    A detector that must see every row (e.g. to hash whole rows) returns a `RowTask` from
    `row_task`: the run layer feeds it in the one shared row pass instead of the detector
    reading the input itself.
    """

    name: ClassVar[str] = ""
    #: family for `--only` (schema, data, labels, drift, ...)
    family: ClassVar[str] = "data"
    #: codes this detector may emit (each must be in the catalogue)
    codes: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[frozenset[str]] = frozenset({"profile"})
    #: optional packages (import names) this detector needs, e.g. ("sklearn",)
    extras: ClassVar[tuple[str, ...]] = ()
    #: run `run` in a thread beside the row pass (slow work, e.g. a classifier, whose
    #: findings carry no `locate`): its findings arrive in `DetectorRun.complete()`. Its
    #: `row_task` is asked for first, on the caller's thread, and fed while `run` runs:
    #: keep the two apart (no state shared between them)
    background: ClassVar[bool] = False
    #: rough relative cost of `run` (1: a pass over the profiles); background detectors are
    #: queued heaviest first, so the thread that takes the last light one is not left waiting
    weight: ClassVar[float] = 1.0

    def run(self, ctx: ScanContext) -> Iterable[Finding]:
        """Return the findings this detector can decide from profiles (nothing when all is well)."""
        return ()

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Return work to do in the shared row pass, or None (only called when rows exist)."""
        return None

    def finding(
        self,
        code: str,
        severity: Severity,
        columns: str | Iterable[str],
        title: str,
        evidence: dict[str, Any] | None = None,
        *,
        fix: str | None = None,
        locate: Any = None,
        rows: Iterable[int] = (),
        message: str = "",
    ) -> Finding:
        """Build a Finding stamped with this detector's name and the code's default fix."""
        cols = (columns,) if isinstance(columns, str) else tuple(columns)
        return Finding(code=code, severity=severity, columns=cols, title=title,
                       evidence=evidence or {}, rows=tuple(rows),
                       fix=fix if fix is not None else code_info(code).fix,
                       detector=self.name, message=message, locate=locate)


DETECTORS: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Add a detector class to the registry (use as a class decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    for code in cls.codes:
        code_info(code)  # fails loudly on a code that is not in the catalogue
    unknown = set(cls.requires) - set(NEEDS)
    if unknown:
        raise ValueError(f"{cls.__name__} requires unknown needs {sorted(unknown)}")
    DETECTORS[cls.name] = cls
    return cls


_loaded = False


def load_detectors() -> dict[str, type[Detector]]:
    """Import the built-in detector modules and entry-point plugins once; return the registry."""
    global _loaded
    if not _loaded:
        _loaded = True
        import importlib

        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        from importlib.metadata import entry_points

        for ep in entry_points(group="tripwire.detectors"):
            ep.load()
    return DETECTORS


#: modules whose import registers the built-in detectors
BUILTIN_MODULES: list[str] = [
    "tripwire.detectors.schema.columns",
    "tripwire.detectors.schema.types",
    "tripwire.detectors.schema.format",
    "tripwire.detectors.data.missing",
    "tripwire.detectors.data.outliers",
    "tripwire.detectors.data.magnitude",
    "tripwire.detectors.data.rescaled",
    "tripwire.detectors.data.duplicates",
    "tripwire.detectors.data.columns",
    "tripwire.detectors.data.variants",
    "tripwire.detectors.data.encoding",
    "tripwire.detectors.data.vocabulary",
    "tripwire.detectors.data.sampling_bias",
    "tripwire.detectors.labels.classes",
    "tripwire.detectors.labels.noisy",
    "tripwire.detectors.labels.conflicting",
    "tripwire.detectors.labels.leakage",
    "tripwire.drift_detection.features",
    "tripwire.drift_detection.targets",
    "tripwire.drift_detection.multivariate",
    "tripwire.drift_detection.correlation",
    "tripwire.drift_detection.text",
    "tripwire.privacy.detector",
]


def select_detectors(ctx: ScanContext, only: Iterable[str] | None = None,
                     names: Iterable[str] | None = None) -> tuple[list[type[Detector]], list[CheckResult]]:
    """Return the registered detectors that can run on this context, and the skipped ones with why.

    `only` limits to families (or detector names); `names` to exactly these detectors.
    """
    registry = load_detectors()
    wanted = set(only) if only else None
    named = set(names) if names is not None else None
    have = ctx.available()
    runnable: list[type[Detector]] = []
    skipped: list[CheckResult] = []
    for cls in registry.values():
        if named is not None and cls.name not in named:
            continue
        if wanted is not None and cls.family not in wanted and cls.name not in wanted:
            continue
        missing = [n for n in sorted(cls.requires) if n not in have]
        if missing:
            skipped.append(CheckResult(cls.name, "skipped", NEEDS[missing[0]]))
            continue
        absent = [m for m in cls.extras if not available(m)]
        if absent:
            extra = EXTRA_OF.get(absent[0], "all")
            skipped.append(CheckResult(cls.name, "skipped", f"install tripwire[{extra}] (needs {absent[0]})"))
            continue
        runnable.append(cls)
    return runnable, skipped


@dataclass
class DetectorRun:
    """Detectors started on a context: profile findings now, row tasks to feed, then `complete()`."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, RowTask] = field(default_factory=dict)
    skipped: list[CheckResult] = field(default_factory=list)
    #: background detectors not finished: name -> future of their findings
    pending: dict[str, Future[list[Finding]]] = field(default_factory=dict)
    #: the thread that runs them in order (None until one is started)
    executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    #: background detectors not started yet: the worker takes them in order, and so does the
    #: caller's thread once its own work (the row pass) is done, so neither thread idles
    queue: deque[tuple[str, Detector, ScanContext]] = field(default_factory=deque, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: the run's thread holds BLAS/OpenMP to one thread while its worker works (two busy
    #: threads on their own pools oversubscribe the cores); released by close()
    limit: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    def submit(self, name: str, detector: Detector, ctx: ScanContext) -> None:
        """Queue a background detector's `run` for this run's worker thread."""
        self.pending[name] = Future()
        with self.lock:
            self.queue.append((name, detector, ctx))
        if self.executor is None:
            self.limit.enter_context(one_thread())
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tripwire-detector")
            self.executor.submit(self._drain)

    def _drain(self) -> None:
        """Run queued background detectors until none is left (on whichever thread calls it)."""
        while True:
            with self.lock:
                if not self.queue:
                    return
                name, detector, ctx = self.queue.popleft()
            future = self.pending.get(name)
            if future is None or not future.set_running_or_notify_cancel():
                continue  # cancelled: the run stopped early
            try:
                future.set_result(list(detector.run(ctx)))
            except BaseException as exc:  # handed to complete(), which decides what a crash means
                future.set_exception(exc)

    def close(self) -> None:
        """Cancel the background detectors not started, wait for the running one, end the thread.

        Called when the run stops early (a row pass that raised): no thread is left working
        for a run that is over. A Python thread cannot be interrupted, so a detector already
        running is waited for (its work is bounded by the row sample).
        """
        with self.lock:
            self.queue.clear()
        for future in self.pending.values():
            future.cancel()
        self.pending.clear()
        self.tasks.clear()
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        self.limit.close()  # on the run's thread, after the worker stopped

    def feed(self, df: pl.DataFrame, offset: int) -> None:
        """Give every row task one batch (a task that raises is dropped, its detector failed)."""
        for name, task in list(self.tasks.items()):
            try:
                task.update(df, offset)
            except Exception as exc:
                self._crashed(name, exc)

    def complete(self) -> tuple[list[Finding], list[CheckResult]]:
        """Wait for the background detectors, finish the row tasks; return every finding and one result per detector, in order."""
        finishers = [*((n, f.result) for n, f in self.pending.items()),
                     *((n, t.finish) for n, t in self.tasks.items())]
        try:
            self._drain()  # help the worker with the background detectors it has not started
            for name, finish in finishers:  # background detectors' findings, then the row tasks'
                try:
                    self.findings[name].extend(finish())
                except Exception as exc:
                    self._crashed(name, exc)
        finally:
            self.close()
        findings: list[Finding] = []
        checks: list[CheckResult] = []
        for name, found in self.findings.items():
            if name in self.failed:
                checks.append(CheckResult(name, "skipped", self.failed[name]))
                continue
            findings.extend(found)
            bad = any(f.severity in ("error", "warning") for f in found)
            checks.append(CheckResult(name, "failed" if bad else "passed"))
        return findings, [*checks, *self.skipped]

    def _crashed(self, name: str, exc: Exception) -> None:
        # a bad input the user gave a detector (a census file, say) is the user's to fix: say it
        if isinstance(exc, TripwireError):
            raise exc
        # a detector bug must not lose the rest of the run; the test suite re-raises it
        if os.environ.get("TRIPWIRE_STRICT") == "1":
            raise exc
        self.tasks.pop(name, None)
        self.failed[name] = f"internal error: {exc!r}"


def start_detectors(ctx: ScanContext, only: Iterable[str] | None = None,
                    names: Iterable[str] | None = None, *, rows: bool | None = None) -> DetectorRun:
    """Run the profile phase of every detector that can run; collect their row tasks.

    `rows` says whether a row pass will follow (default: when the context has a source).
    """
    runnable, skipped = select_detectors(ctx, only, names)
    rows = ctx.source is not None if rows is None else rows
    out = DetectorRun(skipped=skipped)
    try:
        for cls in runnable:  # findings keep the registry's order
            out.findings[cls.name] = []
        # background work starts first, the heaviest first: the two threads then finish together
        for cls in sorted(runnable, key=lambda c: -c.weight):
            if cls.background and rows:
                detector = cls()
                _start_row_task(out, cls.name, detector, ctx)
                if cls.name not in out.failed:
                    out.submit(cls.name, detector, ctx)
        for cls in runnable:
            if cls.name in out.pending or cls.name in out.failed:  # started, or its row task already crashed
                continue
            detector = cls()
            try:
                out.findings[cls.name].extend(detector.run(ctx))
            except Exception as exc:
                out._crashed(cls.name, exc)
                continue
            if rows:
                _start_row_task(out, cls.name, detector, ctx)
    except BaseException:
        out.close()  # a user's bad input raised: stop the background work before saying so
        raise
    return out


def _start_row_task(out: DetectorRun, name: str, detector: Detector, ctx: ScanContext) -> None:
    """Ask a detector for its row task and add it to the run (a crash marks the detector failed)."""
    try:
        task = detector.row_task(ctx)
    except Exception as exc:
        out._crashed(name, exc)
        return
    if task is not None:
        out.tasks[name] = task


def run_detectors(ctx: ScanContext, only: Iterable[str] | None = None,
                  names: Iterable[str] | None = None) -> tuple[list[Finding], list[CheckResult]]:
    """Run every registered detector whose needs are met, on its own; skip the rest with the reason.

    Row tasks get a pass of their own over `ctx.source`; commands go through the run layer,
    which shares one row pass between detectors and contract checks instead.
    """
    started = start_detectors(ctx, only, names)
    try:
        if started.tasks and ctx.source is not None:
            offset = 0
            for batch in ctx.source.batches():
                df = pl.from_arrow(batch)
                assert isinstance(df, pl.DataFrame)
                started.feed(df, offset)
                offset += batch.num_rows
    except BaseException:
        started.close()
        raise
    return started.complete()
