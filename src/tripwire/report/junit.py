"""Render a Report as JUnit XML: one test case per check, failures carrying their findings."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from tripwire.report.format import cut, evidence_line, rows_line

if TYPE_CHECKING:
    from tripwire.report.finding import Finding
    from tripwire.report.report import Report


def render_junit(report: Report) -> str:
    """Return JUnit XML where failed checks fail and skipped checks are skipped."""
    by_check: dict[str, list] = {}
    for f in report.findings:
        by_check.setdefault(f.detector, []).append(f)
    suite = ET.Element(
        "testsuite",
        name=_clean(f"tripwire {report.command}: {cut(report.dataset.name or 'data')}"),
        tests=str(len(report.checks)),
        failures=str(sum(c.status == "failed" for c in report.checks)),
        skipped=str(sum(c.status in ("skipped", "unknown") for c in report.checks)),
        errors="0",
    )
    for check in report.checks:
        case = ET.SubElement(suite, "testcase", classname=f"tripwire.{report.command}", name=_clean(cut(check.name)))
        if check.status == "skipped":
            ET.SubElement(case, "skipped", message=_clean(cut(check.reason or "skipped", 500)))
        elif check.status == "unknown":  # could not judge: never a pass (--strict makes it a failure)
            ET.SubElement(case, "skipped", message=_clean(cut(f"unknown: {check.reason or 'could not judge'}", 500)))
        elif check.status == "failed":
            found = by_check.get(check.name, [])
            worst = found[0].severity if found else "error"
            title = "; ".join(cut(f.title, 500) for f in found[:3]) or check.reason or "failed"
            fail = ET.SubElement(case, "failure", message=_clean(cut(title, 1500)), type=worst)
            fail.text = _clean("\n".join(_failure(f) for f in found))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _failure(f: Finding) -> str:
    """Write one finding as the text view does: title, evidence and rows, the same figures."""
    lines = [f"[{f.severity}] {f.code}: {cut(f.title, 500)}"]
    ev = evidence_line(f.evidence)
    if ev:
        lines.append(f"    evidence: {ev}")
    if f.message:
        lines += [f"    {cut(line, 500)}" for line in f.message.splitlines()[:60]]
    if f.rows:
        lines.append(f"    rows: {rows_line(f)}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (data values may contain control characters)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
