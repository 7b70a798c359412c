"""Render a Report as the ranked plain-text list a person reads in a terminal or CI log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tripwire.report.format import cut, evidence_line, pct, rows_line

if TYPE_CHECKING:
    from tripwire.report.report import Report

_MARK = {"error": "ERROR", "warning": "WARN ", "info": "info "}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(report: Report, *, color: bool = False, max_findings: int | None = None) -> str:
    """Return the findings ranked by severity, each with its evidence, rows and fix."""
    ds = report.dataset
    esc = _escape if color else str  # data values must not be read as Rich markup
    lines = [esc(f"tripwire {report.command}: {cut(ds.name or 'data')} ({ds.rows:,} rows × {ds.columns} columns)")]
    if report.reference:
        ref = report.reference
        lines.append(esc(f"  reference: {cut(ref.name or 'reference')} ({ref.rows:,} rows)"))
    for note in report.notes:
        lines.append(esc(f"  note: {cut(note, 500)}"))
    lines.append("")
    shown = report.findings if max_findings is None else report.findings[:max_findings]
    for f in shown:
        mark = _MARK[f.severity]
        head = f"{mark} [{f.code}] {cut(f.title, 500)}"
        if color:
            head = f"[{_STYLE[f.severity]}]{_escape(head)}[/]"
        lines.append(head)
        ev = evidence_line(f.evidence)
        if ev:
            lines.append(esc(f"      evidence: {ev}"))
        if f.message:  # several lines of detail (e.g. failing examples of a behavioural test)
            lines += [esc(f"      {cut(line, 500)}") for line in f.message.splitlines()[:60]]
        if f.rows:
            lines.append(f"      rows: {rows_line(f)}")
        if f.fix:
            lines.append(esc(f"      fix: {cut(f.fix, 500)}"))
    if max_findings is not None and len(report.findings) > max_findings:
        lines.append(f"… and {len(report.findings) - max_findings} more findings (use --format json)")
    if not report.findings:
        if report.checks:
            lines.append("No issues found.")
        else:  # a measurement (e.g. explain's ranking) judges nothing: no verdict to give
            lines.append("Measured only: nothing here passes or fails." if report.metrics else "No checks ran.")
    s = report.summary
    skipped = [c for c in report.checks if c.status == "skipped"]
    passed = sum(c.status == "passed" for c in report.checks)
    failed = sum(c.status == "failed" for c in report.checks)
    unknown = [c for c in report.checks if c.status == "unknown"]
    lines.append("")
    lines.append(
        f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info — "
        f"checks: {passed} passed, {failed} failed, {len(skipped)} skipped"
        + (f", {len(unknown)} unknown" if unknown else "")
    )
    for c in unknown:
        lines.append(esc(f"  unknown {cut(c.name)}: {cut(c.reason, 500)} (--strict fails it)"))
    for c in skipped:
        lines.append(esc(f"  skipped {cut(c.name)}: {cut(c.reason, 500)}"))
    if report.quarantine:
        q = report.quarantine
        kept = q.get("rows_kept", 0)
        rows_in = q.get("rows_in", 0)
        lines.append(f"quarantine: kept {kept:,} of {rows_in:,} rows ({pct(kept / rows_in) if rows_in else '0%'})")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("[", "\\[")
