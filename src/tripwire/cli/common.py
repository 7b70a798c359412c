"""Pieces every command shares: the console, report output, and one-line errors."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from tripwire.report import Report

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    """Output formats every report-producing command takes."""

    text = "text"
    json = "json"
    junit = "junit"
    html = "html"


def emit_report(report: Report, fmt: Format, output: Path | None) -> int:
    """Print or write the report in the chosen format; return the exit code (0 or 1)."""
    text = report.render(fmt.value) if fmt is not Format.text else report.to_text()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {fmt.value} report to {output}")
        if fmt is not Format.text:
            return report.exit_code
    if fmt is Format.text:
        if output is None:
            console.print(report.to_text(color=sys.stdout.isatty()), markup=sys.stdout.isatty(), end="")
    elif output is None:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
    return report.exit_code


def notes(lines: list[str] | tuple[str, ...]) -> None:
    """Tell the user how their input was read (encoding guessed, types widened, ...)."""
    for line in lines:
        err_console.print(f"[yellow]note:[/] {escape(line)}")


def escape(text: Any) -> str:
    """Escape Rich markup in data values."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))
