"""What the Spark tests compare between a report made on Spark and one made in one process."""

from __future__ import annotations

from typing import Any


def report_keys(report: Any) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """Return each finding's code, severity, columns, title and rows, and each check's name and status."""
    return ([(f.code, f.severity, f.columns, f.title, f.rows) for f in report.findings],
            [(c.name, c.status) for c in report.checks])
