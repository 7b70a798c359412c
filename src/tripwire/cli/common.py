"""Pieces every command shares: the console, report output, and one-line errors."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    import click

    from tripwire.report import Report

#: width of tables written to a pipe or a file: wide enough that no row wraps, so `grep` and
#: `cut` see one line per row (a terminal, or $COLUMNS when set, keeps its own width)
PIPE_WIDTH = 1000
#: the metavar of on/off options: Typer's help would otherwise show `<bool>` beside them
FLAG = ""


def _width(stream: Any) -> int | None:
    return None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH


console = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


class Command(TyperCommand):
    """A command whose help shows on/off options and -h/--help as flags (no `<bool>` beside them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = FLAG

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Return the help option with an empty metavar."""
        return _flag(super().get_help_option(ctx))


class Group(TyperGroup):
    """The root command group, its -h/--help shown as a flag like every command's."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Return the help option with an empty metavar."""
        return _flag(super().get_help_option(ctx))


def _flag(option: click.Option | None) -> click.Option | None:
    if option is not None:
        option.metavar = FLAG
    return option


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


def write_html(report: Report, path: Path) -> None:
    """Write the report's HTML page beside whatever --format prints (the `--html FILE` option)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.to_html(), encoding="utf-8")
    err_console.print(f"wrote the HTML report to {escape(str(path))}")


def notes(lines: list[str] | tuple[str, ...]) -> None:
    """Tell the user how their input was read (encoding guessed, types widened, ...)."""
    for line in lines:
        err_console.print(f"[yellow]note:[/] {escape(line)}")


def escape(text: Any) -> str:
    """Escape Rich markup in data values."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))
