"""The detector runner: needs and extras decide what runs; rows are found in one pass."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

from tripwire.detectors import DETECTORS, Detector, ScanContext, load_detectors, register, run_detectors
from tripwire.io import open_source
from tripwire.profiling import profile
from tripwire.run import locate_rows


@pytest.fixture
def temporary_detectors():
    load_detectors()  # snapshot the full registry, not an empty one that stays "loaded"
    before = dict(DETECTORS)
    yield
    DETECTORS.clear()
    DETECTORS.update(before)


def _ctx(**kw) -> ScanContext:
    table = pa.table({"x": [1, -2, 3, -4, 5], "y": ["a", "b", "c", "d", "e"]})
    src = open_source(table)
    return ScanContext(profile=profile(src), source=src, **kw)


def test_needs_and_extras_decide_what_runs(temporary_detectors, monkeypatch):
    monkeypatch.setenv("TRIPWIRE_STRICT", "0")

    @register
    class Negative(Detector):
        name, codes = "test.negative", ("data.outliers",)

        def run(self, ctx):
            col = ctx.profile["x"]
            if col.numbers.negatives:
                yield self.finding("data.outliers", "warning", "x", "x has negatives",
                                   {"count": col.numbers.negatives}, locate=pl.col("x") < 0)

    @register
    class NeedsLabels(Detector):
        name, codes, requires = "test.labels", ("labels.class_imbalance",), frozenset({"profile", "labels"})

        def run(self, ctx):
            return []

    @register
    class NeedsExtra(Detector):
        name, codes, extras = "test.extra", ("data.encoding",), ("surely_not_installed_pkg",)

        def run(self, ctx):
            return []

    @register
    class Crashes(Detector):
        name, codes = "test.crash", ("data.outliers",)

        def run(self, ctx):
            raise RuntimeError("boom")

    ctx = _ctx()
    findings, checks = run_detectors(ctx, names=["test.negative", "test.labels", "test.extra", "test.crash"])
    status = {c.name: (c.status, c.reason) for c in checks}
    assert status["test.negative"] == ("failed", "")
    assert status["test.labels"] == ("skipped", "needs --label")
    assert status["test.extra"][0] == "skipped" and "install tripwire[all]" in status["test.extra"][1]
    assert status["test.crash"][0] == "skipped" and "boom" in status["test.crash"][1]
    (f,) = locate_rows(findings, ctx.source)
    assert f.rows == (1, 3) and f.evidence["count"] == 2 and f.detector == "test.negative"
    assert f.fix  # the catalogue's fix is filled in


def test_crash_reraises_in_strict_mode(temporary_detectors, monkeypatch):
    monkeypatch.setenv("TRIPWIRE_STRICT", "1")

    @register
    class Crashes(Detector):
        name, codes = "test.crash", ("data.outliers",)

        def run(self, ctx):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_detectors(_ctx(), names=["test.crash"])


def test_register_refuses_unknown_codes_and_needs():
    with pytest.raises(KeyError):
        register(type("Bad", (Detector,), {"name": "bad", "codes": ("data.nonsense",)}))
    with pytest.raises(ValueError):
        register(type("Bad", (Detector,), {"name": "bad", "requires": frozenset({"crystal_ball"})}))


def test_locate_rows_counts_across_batches_and_caps_rows():
    n = 1_000
    table = pa.table({"x": list(range(n))})
    src = open_source(table, batch_rows=128)
    from tripwire.report import Finding

    f = Finding("data.outliers", "warning", ("x",), "even", {}, locate=pl.col("x") % 2 == 0)
    (out,) = locate_rows([f], src)
    assert out.evidence["count"] == 500
    assert list(out.rows) == list(range(0, 200, 2))
    assert out.evidence["all_rows"] == list(range(0, n, 2))


def test_background_detectors_report_at_completion_and_a_crash_is_a_skip(temporary_detectors, monkeypatch):
    monkeypatch.setenv("TRIPWIRE_STRICT", "0")
    from tripwire.detectors import start_detectors

    @register
    class Slow(Detector):
        name, codes, background = "test.slow", ("data.outliers",), True

        def run(self, ctx):
            yield self.finding("data.outliers", "warning", "x", "found beside the row pass")

    @register
    class SlowCrash(Detector):
        name, codes, background = "test.slow_crash", ("data.outliers",), True

        def run(self, ctx):
            raise RuntimeError("boom")
            yield

    started = start_detectors(_ctx(), names=["test.slow", "test.slow_crash"], rows=True)
    assert set(started.pending) == {"test.slow", "test.slow_crash"}
    findings, checks = started.complete()
    assert [f.title for f in findings] == ["found beside the row pass"]
    status = {c.name: (c.status, c.reason) for c in checks}
    assert status["test.slow"][0] == "failed"
    assert status["test.slow_crash"][0] == "skipped" and "boom" in status["test.slow_crash"][1]
    assert not started.pending
