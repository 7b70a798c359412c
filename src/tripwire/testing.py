"""Assertions for a team's own test suite: data checks and behavioural model tests in pytest.

    from tripwire.testing import assert_clean, assert_behaviour

    def test_training_data():
        assert_clean("data/train.parquet", contract="contracts/train.yaml")

    def test_model_behaviour():
        assert_behaviour("tests/model_suite.yaml", my_model)

A failure raises `TripwireAssertion` (an AssertionError) whose message lists the findings as
a readable diff: `-` what was expected, `+` what was found, with the failing examples. The
pytest plugin (registered by the `pytest11` entry point) shows that message alone, without
the assertion's repr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tripwire.report import Finding, Report
from tripwire.report.format import evidence_line, rows_line


class TripwireAssertion(AssertionError):
    """Data or a model broke its promises; the message is the readable diff of the findings."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def findings_diff(report: Report, severities: tuple[str, ...] = ("error",)) -> str:
    """Return the report's findings of these severities as a diff: expected (-) against found (+)."""
    bad = [f for f in report.findings if f.severity in severities]
    head = f"tripwire {report.command}: {report.dataset.name}: {len(bad)} finding(s)"
    lines = [head, "- expected: " + _promise(report.command), "+ found:"]
    for f in bad:
        lines += _finding_lines(f)
    failed = [c.name for c in report.checks if c.status == "failed"]
    if failed:
        lines.append(f"  checks failed: {', '.join(failed[:20])}" + (" …" if len(failed) > 20 else ""))
    return "\n".join(lines)


def _promise(command: str) -> str:
    return "every behavioural test at its min_pass_rate" if command == "test-model" else "no error-level finding"


def _finding_lines(f: Finding) -> list[str]:
    lines = [f"+   [{f.code}] {f.title}"]
    if f.message:
        lines += [f"+       {line}" for line in f.message.splitlines()[:40]]
    else:
        ev = evidence_line({k: v for k, v in f.evidence.items() if k != "examples"})
        if ev:
            lines.append("+       evidence: " + ev)
        if f.rows:
            lines.append("+       rows: " + rows_line(f))
    return lines


def assert_clean(data: Any, *, contract: str | Path | Any = None, reference: Any = None,
                 severities: tuple[str, ...] = ("error",)) -> list[Report]:
    """Fail unless the data has no finding of these severities; return the reports when clean.

    With `contract`, the data is checked against it (`tripwire check`); with `reference`, or
    without a contract, it is also scanned (against the reference when given).
    """
    from tripwire.run import check, scan

    reports = []
    if contract is not None:
        reports.append(check(contract, data))
    if reference is not None or contract is None:
        reports.append(scan(data, reference=reference))
    failing = [r for r in reports if any(f.severity in severities for f in r.findings)]
    if failing:
        raise TripwireAssertion("\n\n".join(findings_diff(r, severities) for r in failing), failing[0])
    return reports


def assert_behaviour(suite: str | Path | Any, model: Any, data: Any = None) -> Report:
    """Fail unless every test of the behavioural suite reaches its min_pass_rate against the model."""
    from tripwire.run import test_model

    report = test_model(suite, model, data)
    if not report.ok:
        raise TripwireAssertion(findings_diff(report), report)
    return report


assert_behavior = assert_behaviour
