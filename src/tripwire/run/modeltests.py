"""`test-model` as a run-layer composition: profile the rows once, hold them, run the tests, one Report.

The suite (tripwire.modeltest) generates each test's cases from its listed inputs, templates
and a seeded sample of the `data` rows, calls the model in batches and judges every case;
this module holds the rows (profiled like every command's data, then taken from the batches
the profile read: `hold_rows`), loads the model named on the command line and turns the outcomes
into findings (`model.behavior_test_failed`), one check per test (JUnit test cases) and a
metrics table of pass rates, which `execute` makes the Report of (dataset, notes and passes
as every command's). Without data the suite's own inputs are the run's: no input is read.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tripwire.modeltest import Suite, TestOutcome, load_model, run_suite
from tripwire.modeltest.findings import outcome_check, outcome_finding, outcome_row
from tripwire.report import DatasetInfo, Report
from tripwire.run.context import PassLog, RunContext, described_context, hold_rows, open_context
from tripwire.run.plan import Plan, execute


def test_model(suite: str | Path | Suite, model: Any, data: Any = None, *, name: str | None = None,
               encoding: str | None = None, progress: bool = False) -> Report:
    """Run a behavioural test suite against a model; return the Report (one check per test).

    `model`: a callable `predict(rows) -> outputs`, an object with `predict`/`predict_proba`, or
    its import path "package.module:attribute". `data`: the real rows the suite's `rows:` tests
    sample (anything tripwire reads).
    """
    spec = suite if isinstance(suite, Suite) else Suite.load(suite)
    predictor = load_model(model) if isinstance(model, str) else model
    ctx, table = None, None
    if data is not None:  # profiled as every command's data is; the rows then come from the batches it read
        ctx = open_context(data, name=name, encoding=encoding, keep_rows=True)
        table = hold_rows(ctx, "test-model")
    bar = None
    if progress:
        from tripwire.progress import ProgressBar

        bar = ProgressBar(spec.name, verb="testing")
    try:
        outcomes = run_suite(spec, predictor, table, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return suite_report(spec, outcomes, ctx, model if isinstance(model, str) else None)


test_model.__test__ = False  # type: ignore[attr-defined]  # imported into test modules: not a test itself


def suite_report(suite: Suite, outcomes: list[TestOutcome], ctx: RunContext | None = None,
                 model_name: str | None = None) -> Report:
    """Return the Report of a suite's outcomes: findings of failed tests, a check and a metrics row per test.

    `ctx`: the run's context when the suite sampled rows of data (else the suite is the run's input).
    """
    cases = sum(o.cases for o in outcomes)
    findings = tuple(outcome_finding(o) for o in outcomes if not o.skipped and not o.passed)
    notes = [f"suite {suite.name}: {len(outcomes)} tests, {cases:,} cases; "
             f"{sum(o.passed for o in outcomes)} passed, {len(findings)} failed, "
             f"{sum(bool(o.skipped) for o in outcomes)} skipped"]
    if model_name:
        notes.append(f"model: {model_name}")
    if ctx is None:  # the suite's templates are the only input: its cases are the rows, nothing was read
        ctx = described_context(DatasetInfo(suite.name, cases, 0), passes=PassLog())
    report = execute(Plan("test-model", detectors=False, given_findings=findings,
                          given_checks=tuple(outcome_check(o) for o in outcomes)), ctx)
    report = dataclasses.replace(report, notes=(*report.notes, *notes), metrics=tuple(outcome_row(o) for o in outcomes))
    report.extra.update({"suite": suite.name, "cases": cases})
    return report
