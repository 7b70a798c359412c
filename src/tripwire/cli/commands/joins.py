"""`tripwire join-check`: will two sources join the way you think?"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.profile import ENCODING_HELP
from tripwire.cli.common import FLAG, Command, Format, emit_report, notes

EXAMPLES = """Examples:\n\n
  tripwire join-check flights.parquet planes.csv --on tailnum\n\n
  tripwire join-check flights.parquet airports.csv --on dest=faa --expect n:1\n\n
  tripwire join-check orders.csv 'sql: SELECT * FROM customers.parquet' --on customer_id,region --format json
"""
SIDE_HELP = "A CSV/Parquet/JSON Lines/Arrow file, a folder or glob, or 'sql: SELECT ...' (DuckDB)."


def register(app: typer.Typer) -> None:
    """Add the join-check command."""
    app.command("join-check", cls=Command, epilog=EXAMPLES)(join_check_command)


def join_check_command(
    left: str = typer.Argument(..., help="The left side. " + SIDE_HELP, metavar="LEFT"),
    right: str = typer.Argument(..., help="The right side. " + SIDE_HELP, metavar="RIGHT"),
    on: str = typer.Option(..., "--on", help="Key columns: KEY, LEFT_KEY=RIGHT_KEY, comma-separated for a "
                                             "composite key (a,b=c)."),
    expect: str | None = typer.Option(None, "--expect", help="Declared cardinality: 1:1, 1:n, n:1 or n:m."),
    no_fuzzy: bool = typer.Option(False, "--no-fuzzy", metavar=FLAG,
                                  help="Skip fuzzy candidates for unmatched keys."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Check how LEFT joins RIGHT on keys: orphans both ways, duplicates, cardinality, row
    multiplication, format mismatches with the normalisation that fixes them, fuzzy candidates.

    Exit code 0: no error-level finding; 1: some; 2: the check could not run.
    """
    from tripwire.run import join_check

    report = join_check(left, right, on, expect, fuzzy=not no_fuzzy, encoding=encoding,
                        progress=sys.stderr.isatty())
    if fmt is not Format.text:  # the text report shows its notes itself
        notes(report.notes)
    raise typer.Exit(emit_report(report, fmt, output))
