"""`tripwire fix`: apply the repairs a report proposes, with an audit of every changed cell."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import FLAG, Command, console, err_console, escape

EXAMPLES = """Examples:\n\n
  tripwire scan stops.csv --format json -o report.json\n\n
  tripwire fix stops.csv --report report.json -o clean.parquet --save-mapping fixes.yaml\n\n
  tripwire fix stops.csv --report report.json --skip data.duplicates -o clean.csv --audit audit.parquet\n\n
  tripwire fix next-batch.csv --mapping fixes.yaml -o next-clean.parquet\n\n
  tripwire fix orders.csv --report report.json --rescale mrr=100 -o clean.parquet\n\n
  tripwire fix stops.csv --report report.json -o clean.parquet --format json
"""


class FixFormat(StrEnum):
    """How the summary is printed."""

    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the fix command."""
    app.command("fix", cls=Command, epilog=EXAMPLES)(fix_command)


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _rescale(items: list[str]) -> dict[str, float]:
    from tripwire.errors import UsageError

    out = {}
    for item in items:
        col, _, factor = item.partition("=")
        try:
            out[col.strip()] = float(factor)
        except ValueError:
            raise UsageError(f"--rescale {item!r}: write COLUMN=FACTOR, e.g. --rescale mrr=100") from None
    return out


def fix_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    output: Path = typer.Option(..., "-o", "--output", help="Write the repaired data here (.parquet, .csv, "
                                                            ".jsonl, .arrow); never the input."),
    report: Path | None = typer.Option(None, "--report", "-r", help="The JSON report of `tripwire scan` on DATA."),
    apply: str | None = typer.Option(None, "--apply", help="Only these codes or rules (comma-separated)."),
    skip: str | None = typer.Option(None, "--skip", help="Not these codes or rules (comma-separated)."),
    mapping: list[Path] = typer.Option([], "--mapping", help="Apply the repairs saved in this YAML file "
                                                             "(repeat it: later files win)."),
    save_mapping: Path | None = typer.Option(None, "--save-mapping",
                                             help="Save the applied repairs as editable YAML for later batches."),
    audit: Path | None = typer.Option(None, "--audit", help="The audit Parquet (default: beside -o, "
                                                            "NAME.audit.parquet)."),
    rescale: list[str] = typer.Option([], "--rescale", help="COLUMN=FACTOR: divide a magnitude error's values "
                                                            "by the factor the finding measured."),
    no_rescan: bool = typer.Option(False, "--no-rescan", metavar=FLAG, help="Do not scan the output again."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    fmt: FixFormat = typer.Option(FixFormat.text, "--format", "-f",
                                  help="Print the summary as text, or as JSON (per-rule counts, findings "
                                       "before/after, output and audit paths)."),
) -> None:
    """Apply the repairs DATA's report proposes (category variants, damaged text, disguised
    nulls, numbers stored as text, exact duplicates, named rescales); every changed cell is
    audited and the output re-scanned.

    Exit code 0: repaired; 2: could not run (nothing written).
    """
    from tripwire.run import fix

    result = fix(data, report, output=output, apply=_codes(apply), skip=_codes(skip), mapping=mapping or None,
                 save_mapping=save_mapping, audit=audit, rescale=_rescale(rescale), rescan=not no_rescan,
                 encoding=encoding)
    if fmt is FixFormat.json:
        import json

        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        console.print(escape(result.to_text()), end="")
    if result.after is not None:
        for line in result.after.notes:
            err_console.print(f"[yellow]note:[/] {escape(line)}")
