"""`tripwire log-labels` and `tripwire compare-models`: judge a guarded model once the labels arrive."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report

if TYPE_CHECKING:
    from tripwire.report import Report

LOG_LABELS_EXAMPLES = """Examples:\n\n
  tripwire log-labels arrivals.csv --dataset flights --id flight_id --label delayed --store sqlite:///h.db\n\n
  tripwire log-labels week.parquet --dataset flights --id flight_id --label delayed --window day --format json
"""
COMPARE_EXAMPLES = """Examples:\n\n
  tripwire compare-models --dataset flights --store sqlite:///h.db\n\n
  tripwire compare-models --dataset flights --window month --format json -o compare.json
"""
STORE_HELP = "History store URL (default: $TRIPWIRE_STORE, else ./.tripwire/history.db)."
WINDOW_HELP = "Time window of the per-window metrics: day, week or month of serving time."

# the options both commands share, declared once
STORE = typer.Option(None, "--store", help=STORE_HELP)
WINDOW = typer.Option("week", "--window", help=WINDOW_HELP)
TASK = typer.Option(None, "--task", help="classification or regression (default: inferred).")
RESAMPLES = typer.Option(1000, "--resamples", help="Bootstrap resamples per interval.")
SEED = typer.Option(0, "--seed", help="Seed of the resamples (same seed, same intervals).")
FORMAT = typer.Option(Format.text, "--format", "-f", help="Output format.")
OUTPUT = typer.Option(None, "-o", "--output", help="Write the report here.")


def register(app: typer.Typer) -> None:
    """Add the log-labels and compare-models commands."""
    app.command("log-labels", cls=Command, epilog=LOG_LABELS_EXAMPLES)(log_labels_command)
    app.command("compare-models", cls=Command, epilog=COMPARE_EXAMPLES)(compare_models_command)


def log_labels_command(
    data: str = typer.Argument(..., help=DATA_HELP + " One row per labelled request.", metavar="DATA"),
    dataset: str = typer.Option(..., "--dataset", help="The guarded dataset whose predictions the labels belong to."),
    id: str = typer.Option(..., "--id", help="The request id column (the guard's id=)."),
    label: str = typer.Option(..., "--label", help="The true label column."),
    store: str | None = STORE,
    window: str = WINDOW,
    task: str | None = TASK,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    fmt: Format = FORMAT,
    output: Path | None = OUTPUT,
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Join true labels that arrived later to the stored predictions by id; evaluate per model and window."""
    from tripwire.run import log_labels

    report = log_labels(data, dataset=dataset, id=id, label=label, store=store, window=window, task=task,
                        resamples=resamples, seed=seed, encoding=encoding)
    _emit(report, fmt, output)


def compare_models_command(
    dataset: str = typer.Option(..., "--dataset", help="The guarded dataset served by the champion and challenger."),
    store: str | None = STORE,
    window: str = WINDOW,
    task: str | None = TASK,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    fmt: Format = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Say whether the challenger beats the champion beyond the interval of the paired difference."""
    from tripwire.run import compare_models

    report = compare_models(dataset=dataset, store=store, window=window, task=task, resamples=resamples, seed=seed)
    _emit(report, fmt, output)


def _emit(report: Report, fmt: Format, output: Path | None) -> None:
    """Print the metrics table before the text report (as `tripwire evaluate` does); exit with its code."""
    from tripwire.evaluation.table import metrics_text

    if fmt is Format.text and output is None:
        console.print(metrics_text(report.metrics or ()), markup=False, highlight=False)
    raise typer.Exit(emit_report(report, fmt, output))
