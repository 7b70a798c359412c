"""A plan of what one run does, and its execution in the fewest passes.

Execution order: detectors decide from the profiles; contract checks decide from the
profile; everything that still needs rows (rows behind findings, failing rows of checks,
detector row tasks, the quarantine) is collected in one shared row pass; then history
judgements add their findings, the Report is built once, and the sinks (store, alerts)
see the finished Report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tripwire.contracts.model import Contract
from tripwire.contracts.unit import FAILED, PASSED, UNKNOWN, Check, Decision, RowEvidence, expand, parse_as_of
from tripwire.detectors.registry import start_detectors
from tripwire.locators import as_locator
from tripwire.report import CheckResult, Finding, Report, RunInfo
from tripwire.report.codes import code_info
from tripwire.report.finding import MAX_ROWS
from tripwire.run.context import RunContext
from tripwire.run.rowpass import Quarantine, RowFindings, RowRequest, row_pass

#: a history judgement: findings from what the store remembers (volume, cadence, ...)
Judge = Callable[[RunContext], Iterable[Finding]]
#: a step after the Report exists (store the batch, send alerts); returns what it did
Sink = Callable[[Report, RunContext], dict[str, Any]]


@dataclass(frozen=True)
class Plan:
    """What a run does. Commands differ only in the plan they build."""

    command: str
    #: run the registered detectors (limited to `only` families/names when given)
    detectors: bool = True
    only: tuple[str, ...] | None = None
    contract: Contract | None = None
    as_of: datetime | None = None
    #: a folder for kept/rejected Parquet, True to count what the contract would drop, or None
    quarantine: Path | bool | None = None
    #: a check that cannot judge fails instead of being reported as unknown
    strict: bool = False
    #: findings and check results computed elsewhere (e.g. posted with an ingested profile)
    given_findings: tuple[Finding, ...] = ()
    given_checks: tuple[CheckResult, ...] = ()
    judges: tuple[Judge, ...] = ()
    sinks: tuple[tuple[str, Sink], ...] = field(default=())


def execute(plan: Plan, ctx: RunContext) -> Report:
    """Run the plan on the context; return the one Report (sinks' results in `report.extra`)."""
    prof = ctx.profile
    has_rows = ctx.source is not None
    started = start_detectors(ctx.detector_context(), plan.only, rows=has_rows) if plan.detectors else None
    profile_findings = [f for found in started.findings.values() for f in found] if started else []
    # remember which detector each finding came from: a crashed detector's findings are dropped
    checks: Sequence[Check] = ()
    skipped: Sequence[tuple[str, str]] = ()
    decisions: dict[str, Decision] = {}
    if plan.contract is not None:
        expansion = expand(plan.contract, prof, parse_as_of(plan.as_of))
        checks, skipped = expansion.checks, expansion.skipped
        decisions = {c.name: c.decide(prof) for c in checks}

    requests: list[RowRequest] = []
    if has_rows:
        for i, f in enumerate(profile_findings):
            loc = as_locator(f.locate)
            if loc is not None:
                requests.append(RowRequest(f"finding:{i}", loc))
        for c in checks:
            if decisions[c.name].status in (FAILED, UNKNOWN):
                loc = c.locator(prof)
                if loc is not None:
                    requests.append(RowRequest(f"check:{c.name}", loc, c.columns))
    quarantine = None
    if has_rows and plan.quarantine not in (None, False):
        keys = tuple(r.key for r in requests if r.key.startswith("check:")
                     and _check(checks, r.key).severity == "error")
        folder = None if plan.quarantine is True else Path(plan.quarantine)  # type: ignore[arg-type]
        quarantine = Quarantine(keys, folder)
    rows: dict[str, RowFindings] = {}
    quarantine_counts = None
    tasks = started is not None and bool(started.tasks)
    if ctx.source is not None and (requests or tasks or quarantine is not None):
        rows, quarantine_counts = row_pass(ctx.source, requests, started, quarantine)
    if quarantine_counts is not None:
        quarantine_counts["per_check"] = {k[len("check:"):]: v for k, v in quarantine_counts["per_check"].items()}

    findings: list[Finding] = []
    results: list[CheckResult] = []
    if started is not None:
        located = [_with_rows(f, rows.get(f"finding:{i}")) for i, f in enumerate(profile_findings)]
        kept_ids = {id(f) for name, found in started.findings.items() if name not in started.failed for f in found}
        findings.extend(g for f, g in zip(profile_findings, located, strict=True) if id(f) in kept_ids)
        row_findings, detector_results = started.complete()
        known = set(map(id, profile_findings))
        findings.extend(f for f in row_findings if id(f) not in known)
        results.extend(detector_results)
    for c in checks:
        finding, result = _judge(c, decisions[c.name], rows.get(f"check:{c.name}"), prof.rows, plan.strict)
        results.append(result)
        if finding is not None:
            findings.append(finding)
    results.extend(CheckResult(name, "skipped", reason) for name, reason in skipped)
    findings.extend(plan.given_findings)
    results.extend(plan.given_checks)
    for judge in plan.judges:
        findings.extend(judge(ctx))
    extra: dict[str, Any] = {"profile": prof, "reference": ctx.reference}
    if plan.contract is not None:
        extra["contract"] = plan.contract
    report = Report(command=plan.command, dataset=ctx.dataset_info(), reference=ctx.reference_info(),
                    findings=tuple(findings), checks=tuple(results), quarantine=quarantine_counts,
                    notes=tuple(prof.notes), extra=extra,
                    run=RunInfo(passes=tuple(dict(p) for p in ctx.passes.passes)))
    named_rows = getattr(ctx.source, "named_rows", None)  # rows named by a key column (tripwire.spark key=)
    if named_rows is not None:
        report = named_rows(report)
    for name, sink in plan.sinks:
        report.extra[name] = sink(report, ctx)
    return report


def _check(checks: Sequence[Check], key: str) -> Check:
    name = key[len("check:"):]
    return next(c for c in checks if c.name == name)


def _with_rows(f: Finding, found: RowFindings | None) -> Finding:
    if f.locate is None:
        return f
    if found is None or found.error is not None:
        return f.with_rows(list(f.rows))
    return f.with_rows(found.rows, found.count)


def _judge(c: Check, decision: Decision, found: RowFindings | None, rows: int,
           strict: bool) -> tuple[Finding | None, CheckResult]:
    """Return a check's finding (when it failed) and its result line."""
    if found is not None and found.error is not None:
        decision = Decision(UNKNOWN, decision.evidence, reason=f"cannot be evaluated on this data: {found.error}",
                            columns=decision.columns)
    elif found is not None:
        decision = c.settle(decision, RowEvidence(found.count, tuple(found.rows[:MAX_ROWS]),
                                                  tuple(found.examples), found.value))
    if decision.status == UNKNOWN:
        reason = decision.reason or "the profile cannot decide it and there are no rows to read"
        if not strict:
            return None, CheckResult(c.name, "unknown", reason)
        decision = Decision(FAILED, decision.evidence, reason=reason, columns=decision.columns)
    if decision.status == PASSED:
        return None, CheckResult(c.name, "passed")
    evidence = dict(decision.evidence)
    count = evidence.get("count") if isinstance(evidence.get("count"), int) else None
    if count is not None and rows:
        evidence["share"] = count / rows
    if decision.reason:
        evidence.setdefault("reason", decision.reason)
    finding = Finding(code=c.code, severity=c.severity,  # type: ignore[arg-type]
                      columns=decision.columns if decision.columns is not None else c.columns,
                      title=c.title(count, evidence), evidence=evidence,
                      rows=tuple(found.rows[:MAX_ROWS]) if found is not None else (),
                      fix=code_info(c.code).fix, detector=c.name)
    return finding, CheckResult(c.name, "failed", decision.reason if decision.status == FAILED and
                                decision.reason else "")
