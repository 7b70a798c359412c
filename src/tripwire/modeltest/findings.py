"""Turn test outcomes into the report's findings, check results and metrics rows (one source of figures)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tripwire.intervals import wilson
from tripwire.modeltest.runner import TestOutcome
from tripwire.report import CheckResult, Finding, code_info

FIX = code_info("model.behavior_test_failed").fix


def pass_rate_interval(passed: int, n: int) -> tuple[float | None, float | None]:
    """Return the 95% Wilson interval of a pass rate, or no interval for a test without cases."""
    return wilson(passed, n) if n else (None, None)


def example_lines(outcome: TestOutcome) -> str:
    """Return the failing examples as readable lines: input, perturbed input, expected, actual."""
    lines = []
    for ex in outcome.examples:
        lines.append(f"case {ex.case}: input: {ex.input!r}")
        if ex.perturbed is not None:
            lines.append(f"    perturbed: {ex.perturbed!r}")
        lines.append(f"    expected: {ex.expected}")
        lines.append(f"    actual:   {ex.actual!r}" + (f"  ({ex.reason})" if ex.reason else ""))
    return "\n".join(lines)


def outcome_finding(outcome: TestOutcome) -> Finding:
    """Return the `model.behavior_test_failed` finding of a failed test."""
    spec = outcome.spec
    rate = outcome.pass_rate or 0.0
    title = (f"{spec.kind} test {spec.name!r}: {outcome.failed:,} of {outcome.cases:,} cases fail "
             f"({rate:.1%} pass, needs {spec.min_pass_rate:.0%})")
    evidence: dict[str, Any] = {"test": spec.name, "kind": spec.kind, "cases": outcome.cases,
                                "count": outcome.failed, "pass_rate": rate, "min_pass_rate": spec.min_pass_rate}
    if spec.perturb:
        evidence["perturb"] = spec.perturb
    if outcome.errors:
        evidence["model_errors"] = outcome.errors
    evidence["examples"] = [ex.to_dict() for ex in outcome.examples]
    return Finding("model.behavior_test_failed", "error", list(spec.columns), title, evidence,
                   fix=FIX, detector=check_name(outcome), message=example_lines(outcome))


def check_name(outcome: TestOutcome) -> str:
    """Return the name of the test's check (its finding's detector, so JUnit pairs them)."""
    return f"{outcome.spec.kind}: {outcome.spec.name}"


def outcome_check(outcome: TestOutcome) -> CheckResult:
    """Return the test as a check (one JUnit test case per behavioural test)."""
    name = check_name(outcome)
    if outcome.skipped:
        return CheckResult(name, "skipped", outcome.skipped)
    return CheckResult(name, "passed" if outcome.passed else "failed")


def outcome_row(outcome: TestOutcome) -> dict[str, Any]:
    """Return the test's row of the metrics table: pass rate with its Wilson interval."""
    low, high = pass_rate_interval(outcome.cases - outcome.failed, outcome.cases)
    return {"metric": "pass_rate", "value": outcome.pass_rate, "ci_low": low, "ci_high": high, "n": outcome.cases,
            "test": outcome.spec.name, "kind": outcome.spec.kind, "failed": outcome.failed,
            "min_pass_rate": outcome.spec.min_pass_rate}


def outcomes_text(rows: Iterable[dict[str, Any]]) -> str:
    """Return the per-test pass rates as an aligned table."""
    rows = [r for r in rows if r.get("metric") == "pass_rate"]
    if not rows:
        return ""
    width = min(60, max(len(str(r["test"])) for r in rows))
    lines = [f"  {'test':<{width}} {'kind':<11} {'pass rate':>9}  {'95% interval':<16} {'cases':>6} {'failed':>6}"]
    for r in rows:
        rate = "n/a" if r["value"] is None else f"{r['value']:.1%}"
        ci = "" if r["ci_low"] is None else f"[{r['ci_low']:.1%}, {r['ci_high']:.1%}]"
        mark = "" if r["value"] is None or r["value"] >= r["min_pass_rate"] - 1e-12 else \
            f"  < {r['min_pass_rate']:.0%}"
        test = str(r["test"]) if len(str(r["test"])) <= width else str(r["test"])[: width - 1] + "…"
        lines.append(f"  {test:<{width}} {r['kind']:<11} {rate:>9}  {ci:<16} {r['n']:>6,} {r['failed']:>6,}{mark}")
    return "tests:\n" + "\n".join(lines) + "\n"
