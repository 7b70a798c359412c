"""`tripwire annotators`: do the annotators agree, who departs from the others, and since when."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, err_console, notes, write_html

EXAMPLES = """Examples:\n\n
  tripwire annotators ratings.csv --item tweet --annotator rater --label sentiment\n\n
  tripwire annotators ratings.csv --item id --annotator rater --label score --level ordinal\n\n
  tripwire annotators ratings.csv --item id --annotator rater --label y --time at --window 1mo\n\n
  tripwire annotators wide.csv --item id --raters ann1,ann2,ann3 --consensus consensus.csv\n\n
  tripwire annotators ratings.parquet --item id --annotator rater --label y --format json -o agreement.json
"""


def register(app: typer.Typer) -> None:
    """Add the annotators command."""
    app.command("annotators", cls=Command, epilog=EXAMPLES)(annotators_command)


def annotators_command(
    data: str = typer.Argument(..., help=DATA_HELP + " One row per rating (or per item with --raters)."),
    item: str | None = typer.Option(None, "--item", help="The column naming the rated item."),
    annotator: str | None = typer.Option(None, "--annotator", help="The column naming who rated it."),
    label: str | None = typer.Option(None, "--label", help="The column holding the label given."),
    raters: str | None = typer.Option(None, "--raters", help="A wide table instead: the annotators' columns, "
                                      "comma-separated (one row per item)."),
    time: str | None = typer.Option(None, "--time", help="When each rating was made: agreement over time."),
    window: str | None = typer.Option(None, "--window", help="Calendar windows for --time: 1d, 1w, 1mo, 1q, 1y "
                                      "(default: four equal parts in time order)."),
    level: str = typer.Option("nominal", "--level", help="Alpha's distance: nominal, ordinal or interval."),
    consensus: Path | None = typer.Option(None, "--consensus", help="Write the consensus label per item here "
                                          "(.csv or .parquet)."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples per interval (0: none)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resamples (same seed, same intervals)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    html: Path | None = typer.Option(None, "--html", help="Also write the HTML report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Judge inter-annotator agreement in DATA: alpha and kappas with intervals, consensus, bias, drift.

    Exit code 0: no error-level finding; 1: some (agreement unreliable); 2: could not run.
    """
    from tripwire.evaluation.table import metrics_text
    from tripwire.run import annotators

    columns = [c.strip() for c in raters.split(",") if c.strip()] if raters else None
    report = annotators(data, item=item, annotator=annotator, label=label, raters=columns, time=time, window=window,
                        level=level, resamples=resamples, confidence=confidence, seed=seed, consensus=consensus,
                        name=name, encoding=encoding, progress=sys.stderr.isatty())
    notes(report.notes)
    if consensus is not None:
        err_console.print(f"wrote the consensus per item to {consensus}")
    if fmt is Format.text and output is None:
        console.print(metrics_text(report.metrics or ()), markup=False, highlight=False)
    if html is not None:
        write_html(report, html)
    raise typer.Exit(emit_report(report, fmt, output))
