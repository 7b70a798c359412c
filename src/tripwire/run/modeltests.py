"""`test-model` as a run-layer composition: read the suite and the rows once, run the tests, one Report.

The suite (tripwire.modeltest) generates each test's cases from its listed inputs, templates
and a seeded sample of the `data` rows, calls the model in batches and judges every case;
this module reads the rows, loads the model named on the command line and turns the outcomes
into findings (`model.behavior_test_failed`), one check per test (JUnit test cases) and a
metrics table of pass rates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tripwire.modeltest import Suite, TestOutcome, load_model, run_suite
from tripwire.modeltest.findings import outcome_check, outcome_finding, outcome_row
from tripwire.report import DatasetInfo, Report, RunInfo
from tripwire.run.context import read_frame


def test_model(suite: str | Path | Suite, model: Any, data: Any = None, *, name: str | None = None,
               encoding: str | None = None, progress: bool = False) -> Report:
    """Run a behavioural test suite against a model; return the Report (one check per test).

    `model`: a callable `predict(rows) -> outputs`, an object with `predict`/`predict_proba`, or
    its import path "package.module:attribute". `data`: the real rows the suite's `rows:` tests
    sample (anything tripwire reads).
    """
    spec = suite if isinstance(suite, Suite) else Suite.load(suite)
    predictor = load_model(model) if isinstance(model, str) else model
    table, data_name = read_frame(data, name=name, encoding=encoding) if data is not None else (None, None)
    bar = None
    if progress:
        from tripwire.progress import ProgressBar

        bar = ProgressBar(spec.name, verb="testing")
    try:
        outcomes = run_suite(spec, predictor, table, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return suite_report(spec, outcomes, table, data_name, model if isinstance(model, str) else None)


test_model.__test__ = False  # type: ignore[attr-defined]  # imported into test modules: not a test itself


def suite_report(suite: Suite, outcomes: list[TestOutcome], table: pl.DataFrame | None = None,
                 data_name: str | None = None, model_name: str | None = None) -> Report:
    """Return the Report of a suite's outcomes: findings of failed tests, a check and a metrics row per test."""
    cases = sum(o.cases for o in outcomes)
    findings = tuple(outcome_finding(o) for o in outcomes if not o.skipped and not o.passed)
    notes = [f"suite {suite.name}: {len(outcomes)} tests, {cases:,} cases; "
             f"{sum(o.passed for o in outcomes)} passed, {len(findings)} failed, "
             f"{sum(bool(o.skipped) for o in outcomes)} skipped"]
    if model_name:
        notes.append(f"model: {model_name}")
    dataset = DatasetInfo(data_name or suite.name, cases, len(table.columns) if table is not None else 0)
    passes = ({"kind": "rows", "input": data_name},) if data_name else ()
    report = Report("test-model", dataset, findings, tuple(outcome_check(o) for o in outcomes),
                    notes=tuple(notes), run=RunInfo(passes), metrics=tuple(outcome_row(o) for o in outcomes))
    report.extra.update({"suite": suite.name, "cases": cases})
    return report
