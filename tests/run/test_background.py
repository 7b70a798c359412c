"""Background detectors: their row tasks are fed, and their thread ends with the run, even a failed one."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from tripwire.detectors import DETECTORS, Detector, load_detectors, register
from tripwire.detectors.registry import DetectorRun
from tripwire.errors import InputError
from tripwire.run import scan


@pytest.fixture
def temporary_detectors():
    load_detectors()
    before = dict(DETECTORS)
    yield
    DETECTORS.clear()
    DETECTORS.update(before)


def _detector_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tripwire-detector")]


class _CountRows:
    def __init__(self, detector: Detector) -> None:
        self.detector, self.rows = detector, 0

    def update(self, df, offset):
        self.rows += df.height

    def finish(self):
        yield self.detector.finding("data.outliers", "info", "x", f"row task saw {self.rows} rows")


def test_a_background_detectors_row_task_is_fed_in_the_row_pass(temporary_detectors):
    @register
    class SlowWithRows(Detector):
        name, codes, background = "test.slow_rows", ("data.outliers",), True
        requires = frozenset({"profile", "rows"})

        def run(self, ctx):
            yield self.finding("data.outliers", "info", "x", "decided beside the row pass")

        def row_task(self, ctx):
            return _CountRows(self)

    report = scan(pd.DataFrame({"x": range(1000)}), only=["test.slow_rows"])
    assert [f.title for f in report.findings] == ["decided beside the row pass", "row task saw 1000 rows"]
    assert {c.name: c.status for c in report.checks}["test.slow_rows"] == "passed"
    assert not _detector_threads()


def test_a_row_pass_that_raises_stops_the_background_work_and_the_error_reaches_the_user(temporary_detectors):
    finished = threading.Event()

    @register
    class Slow(Detector):
        name, codes, background = "test.slow_until_told", ("data.outliers",), True

        def run(self, ctx):
            finished.wait(timeout=0.5)  # still running when the row pass fails
            finished.set()
            return []

    class _BadInput:
        def update(self, df, offset):
            raise InputError("no such census column", path="census.csv")

        def finish(self):
            return []

    @register
    class RaisesInRows(Detector):
        name, codes = "test.raises_in_rows", ("data.outliers",)
        requires = frozenset({"profile", "rows"})

        def row_task(self, ctx):
            return _BadInput()

    with pytest.raises(InputError, match=r"census\.csv: no such census column"):
        scan(pd.DataFrame({"x": range(100)}), only=["test.slow_until_told", "test.raises_in_rows"])
    assert finished.is_set()  # the running detector was waited for, not left behind
    assert not _detector_threads()


def test_closing_a_run_cancels_background_detectors_not_started():
    first_may_end = threading.Event()
    ran: list[str] = []

    class Blocks(Detector):
        name = "test.blocks"

        def run(self, ctx):
            first_may_end.wait(timeout=30)
            ran.append(self.name)
            return []

    class Waits(Detector):
        name = "test.waits"

        def run(self, ctx):
            ran.append(self.name)
            return []

    run = DetectorRun()
    run.submit("test.blocks", Blocks(), None)  # type: ignore[arg-type]
    run.submit("test.waits", Waits(), None)  # type: ignore[arg-type]
    waiting = run.pending["test.waits"]
    waiting.add_done_callback(lambda _: first_may_end.set())  # called by the cancel itself
    run.close()
    assert waiting.cancelled()
    assert ran == ["test.blocks"]
    assert run.executor is None and not run.pending and not _detector_threads()


def test_a_background_detector_whose_row_task_crashes_is_not_run_again_inline(temporary_detectors, monkeypatch):
    """A crashed row task marks the detector failed: its slow `run` is not then started on the caller's thread."""
    monkeypatch.delenv("TRIPWIRE_STRICT", raising=False)
    ran = []

    @register
    class BrokenRows(Detector):
        name, codes, background = "test.broken_rows", ("data.outliers",), True
        requires = frozenset({"profile", "rows"})

        def run(self, ctx):
            ran.append(1)
            return []

        def row_task(self, ctx):
            raise RuntimeError("a bug")

    report = scan(pd.DataFrame({"x": range(100)}), only=["test.broken_rows"])
    assert {c.name: c.status for c in report.checks}["test.broken_rows"] == "skipped"
    assert ran == []
    assert not _detector_threads()


def test_background_work_is_shared_by_both_threads_and_the_blas_limit_ends_with_the_run(temporary_detectors):
    from threadpoolctl import threadpool_info

    from tripwire.detectors.registry import ScanContext, start_detectors
    from tripwire.profiling import profile

    ran_on: dict[str, str] = {}
    release = threading.Event()

    def run(self, ctx):
        ran_on[self.name] = threading.current_thread().name
        if self.name == "test.first":  # hold the worker until the run's thread took the next one
            release.wait(10)
        yield self.finding("data.outliers", "info", "x", f"{self.name} ran")

    for name in ("test.first", "test.second"):
        register(type("Slow", (Detector,), {"name": name, "codes": ("data.outliers",), "background": True,
                                            "run": run}))

    blas = [lib["num_threads"] for lib in threadpool_info()]
    ctx = ScanContext(profile=profile(pd.DataFrame({"x": range(100)})))
    started = start_detectors(ctx, names=["test.first", "test.second"], rows=True)
    assert [lib["num_threads"] for lib in threadpool_info()] == [1] * len(blas)  # while both threads work
    for _ in range(1000):  # the worker has taken the first one
        if "test.first" in ran_on:
            break
        threading.Event().wait(0.01)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    findings, _ = started.complete()  # the worker waits in test.first: the run's thread runs test.second
    timer.join()
    assert [f.title for f in findings] == ["test.first ran", "test.second ran"]  # registry order
    assert ran_on["test.first"].startswith("tripwire-detector")
    assert not ran_on["test.second"].startswith("tripwire-detector")
    assert [lib["num_threads"] for lib in threadpool_info()] == blas
    assert not _detector_threads()


def test_background_detectors_are_queued_heaviest_first_and_reported_in_registry_order(temporary_detectors,
                                                                                      monkeypatch):
    from tripwire.detectors.registry import ScanContext, start_detectors
    from tripwire.profiling import profile

    queued: list[str] = []
    submit = DetectorRun.submit

    def recording(self, name, detector, ctx):
        queued.append(name)
        submit(self, name, detector, ctx)

    monkeypatch.setattr(DetectorRun, "submit", recording)

    def run(self, ctx):
        yield self.finding("data.outliers", "info", "x", f"{self.name} ran")

    for name, weight in (("test.light", 1.0), ("test.heavy", 5.0)):
        register(type("Queued", (Detector,), {"name": name, "codes": ("data.outliers",), "background": True,
                                              "weight": weight, "run": run}))
    ctx = ScanContext(profile=profile(pd.DataFrame({"x": range(100)})))
    findings, _ = start_detectors(ctx, names=["test.light", "test.heavy"], rows=True).complete()
    assert queued == ["test.heavy", "test.light"]
    assert [f.title for f in findings] == ["test.light ran", "test.heavy ran"]
