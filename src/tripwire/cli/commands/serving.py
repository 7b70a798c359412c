"""`tripwire log-labels` and `tripwire compare-models`: judge a guarded model once the labels arrive."""

from __future__ import annotations

from pathlib import Path

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report

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


def register(app: typer.Typer) -> None:
    """Add the log-labels and compare-models commands."""
    app.command("log-labels", cls=Command, epilog=LOG_LABELS_EXAMPLES)(log_labels_command)
    app.command("compare-models", cls=Command, epilog=COMPARE_EXAMPLES)(compare_models_command)


def log_labels_command(
    data: str = typer.Argument(..., help=DATA_HELP + " One row per labelled request.", metavar="DATA"),
    dataset: str = typer.Option(..., "--dataset", help="The guarded dataset whose predictions the labels belong to."),
    id: str = typer.Option(..., "--id", help="The request id column (the guard's id=)."),
    label: str = typer.Option(..., "--label", help="The true label column."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    window: str = typer.Option("week", "--window", help=WINDOW_HELP),
    task: str | None = typer.Option(None, "--task", help="classification or regression (default: inferred)."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples per interval."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resamples (same seed, same intervals)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Join true labels that arrived later to the stored predictions by id; evaluate per model and window."""
    from tripwire.evaluation.table import metrics_text
    from tripwire.run import log_labels

    report = log_labels(data, dataset=dataset, id=id, label=label, store=store, window=window, task=task,
                        resamples=resamples, seed=seed, encoding=encoding)
    if fmt is Format.text and output is None:
        console.print(metrics_text(report.metrics or ()), markup=False, highlight=False)
    raise typer.Exit(emit_report(report, fmt, output))


def compare_models_command(
    dataset: str = typer.Option(..., "--dataset", help="The guarded dataset served by the champion and challenger."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    window: str = typer.Option("week", "--window", help=WINDOW_HELP),
    task: str | None = typer.Option(None, "--task", help="classification or regression (default: inferred)."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples per interval."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resamples (same seed, same intervals)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
) -> None:
    """Say whether the challenger beats the champion beyond the interval of the paired difference."""
    from tripwire.evaluation.table import metrics_text
    from tripwire.run import compare_models

    report = compare_models(dataset=dataset, store=store, window=window, task=task, resamples=resamples, seed=seed)
    if fmt is Format.text and output is None:
        console.print(metrics_text(report.metrics or ()), markup=False, highlight=False)
    raise typer.Exit(emit_report(report, fmt, output))
