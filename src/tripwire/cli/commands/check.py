"""`tripwire check` and `tripwire infer`: written assumptions as a file, checked on every batch."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.privacy import SHOW_PII_HELP
from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import FLAG, Command, Format, emit_report, err_console, escape, notes

CHECK_EXAMPLES = """Examples:\n\n
  tripwire check orders.csv --contract orders.contract.yaml\n\n
  tripwire check 'landing/2026-11-24/*.parquet' -c contract.yaml --quarantine out/ --format junit -o check.xml\n\n
  tripwire check events.parquet -c contract.yaml --as-of 2026-11-24T06:00Z
"""
INFER_EXAMPLES = """Examples:\n\n
  tripwire infer train.parquet -o contract.yaml\n\n
  tripwire infer train.parquet -o contract.yaml --freshness 1d --freshness-column event_time
"""


def register(app: typer.Typer) -> None:
    """Add the check and infer commands."""
    app.command("check", cls=Command, epilog=CHECK_EXAMPLES)(check_command)
    app.command("infer", cls=Command, epilog=INFER_EXAMPLES)(infer_command)


def check_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    contract: Path = typer.Option(..., "--contract", "-c", help="The YAML contract (see docs/contracts.md)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge freshness as of this time (default: now)."),
    quarantine: Path | None = typer.Option(None, "--quarantine",
                                           help="Write kept.parquet and rejected.parquet into this folder."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    strict: bool = typer.Option(False, "--strict", metavar=FLAG,
                                help="Fail a check that cannot judge (reported as unknown otherwise)."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    show_pii: list[str] = typer.Option([], "--show-pii", help=SHOW_PII_HELP),
) -> None:
    """Check DATA against a contract: every check passed, failed (with rows), unknown or skipped.

    A check the data cannot settle is listed as unknown with the reason; --strict fails it.

    Exit code 0: no error-level failure; 1: some; 2: the check could not run.
    """
    from tripwire.contracts import Contract

    spec = Contract.load(contract)
    report = spec.check(data, as_of=as_of, quarantine=quarantine, name=name, progress=sys.stderr.isatty(),
                        strict=strict, encoding=encoding, show_pii=show_pii)
    notes(report.notes)
    if quarantine is not None and report.quarantine:
        q = report.quarantine
        err_console.print(f"quarantine: kept {q['rows_kept']:,} of {q['rows_in']:,} rows in "
                          f"{escape(quarantine / 'kept.parquet')}; rejected rows in "
                          f"{escape(quarantine / 'rejected.parquet')}")
    raise typer.Exit(emit_report(report, fmt, output))


def infer_command(
    data: str = typer.Argument(..., help=DATA_HELP + " Or a saved profile.json.", metavar="DATA"),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the contract here (default: print it)."),
    name: str | None = typer.Option(None, "--name", help="Name of the contract."),
    freshness: str | None = typer.Option(None, "--freshness", help="Also propose freshness, e.g. 1d or 36h."),
    freshness_column: str | None = typer.Option(None, "--freshness-column",
                                                help="The time column for --freshness (default: the first one)."),
) -> None:
    """Propose a contract from reference DATA, to read, edit and then check batches with."""
    from tripwire.contracts import Contract

    spec = Contract.infer(data, name=name, freshness=freshness, freshness_column=freshness_column)
    if output is None:
        sys.stdout.write(spec.dumps())
        return
    spec.save(output)
    err_console.print(f"wrote {len(spec.columns)} column specs to {escape(output)}; review it, then "
                      f"`tripwire check DATA --contract {escape(output)}`")
