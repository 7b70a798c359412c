"""Render a Report as the ranked plain-text list a person reads in a terminal or CI log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tripwire.report.report import Report

_MARK = {"error": "ERROR", "warning": "WARN ", "info": "info "}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(report: Report, *, color: bool = False, max_findings: int | None = None) -> str:
    """Return the findings ranked by severity, each with its evidence, rows and fix."""
    ds = report.dataset
    lines = [f"tripwire {report.command}: {ds.name or 'data'} ({ds.rows:,} rows × {ds.columns} columns)"]
    if report.reference:
        ref = report.reference
        lines.append(f"  reference: {ref.name or 'reference'} ({ref.rows:,} rows)")
    for note in report.notes:
        lines.append(f"  note: {note}")
    lines.append("")
    shown = report.findings if max_findings is None else report.findings[:max_findings]
    for f in shown:
        mark = _MARK[f.severity]
        head = f"{mark} [{f.code}] {f.title}"
        if color:
            head = f"[{_STYLE[f.severity]}]{_escape(head)}[/]"
        lines.append(head)
        ev = _evidence_line(f.evidence)
        if ev:
            lines.append(f"      evidence: {ev}")
        if f.rows:
            more = f" (+{len(f.evidence.get('all_rows', f.rows)) - len(f.rows)} more)" if "all_rows" in f.evidence else ""
            lines.append(f"      rows: {', '.join(map(str, f.rows[:10]))}{' …' if len(f.rows) > 10 else ''}{more}")
        if f.fix:
            lines.append(f"      fix: {f.fix}")
    if max_findings is not None and len(report.findings) > max_findings:
        lines.append(f"… and {len(report.findings) - max_findings} more findings (use --format json)")
    if not report.findings:
        lines.append("No issues found.")
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
        lines.append(f"  unknown {c.name}: {c.reason} (--strict fails it)")
    for c in skipped:
        lines.append(f"  skipped {c.name}: {c.reason}")
    if report.quarantine:
        q = report.quarantine
        kept = q.get("rows_kept", 0)
        rows_in = q.get("rows_in", 0) or 1
        lines.append(f"quarantine: kept {kept:,} of {q.get('rows_in', 0):,} rows ({kept / rows_in:.1%})")
    return "\n".join(lines) + "\n"


def _evidence_line(evidence: dict[str, Any], limit: int = 220) -> str:
    parts = []
    for key, value in evidence.items():
        if key == "all_rows":
            continue
        if isinstance(value, float):
            text = f"{value:.4g}"
        elif isinstance(value, (list, tuple)):
            text = "[" + ", ".join(_short(v) for v in value[:5]) + (", …" if len(value) > 5 else "") + "]"
        elif isinstance(value, dict):
            items = list(value.items())[:5]
            text = "{" + ", ".join(f"{_short(k)}: {_short(v)}" for k, v in items)
            text += ", …}" if len(value) > 5 else "}"
        else:
            text = _short(value)
        parts.append(f"{key}={text}")
    line = "; ".join(parts)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    return text.replace("[", "\\[")
