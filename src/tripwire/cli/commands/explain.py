"""`tripwire explain`: which features a model needs: permutation importance and feature ablation."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, notes

EXAMPLES = """Examples:\n\n
  tripwire explain held_out.parquet --label late --model mymodels.delay:model\n\n
  tripwire explain flights.parquet --label late --fit mymodels.delay:fit --group route=origin,dest,distance
  --add dep_delay --folds 5\n\n
  tripwire explain held_out.csv --label price --model m:predict --metric rmse --format json -o explain.json\n\n
  tripwire explain penguins.csv --label species --model m:model (three species: one-vs-rest AUC; --positive Gentoo)
"""


def register(app: typer.Typer) -> None:
    """Add the explain command."""
    app.command("explain", cls=Command, epilog=EXAMPLES)(explain_command)


def explain_command(
    data: str = typer.Argument(..., help=DATA_HELP + " Held-out rows with the label.", metavar="DATA"),
    label: str = typer.Option(..., "--label", help="The truth column."),
    model: str | None = typer.Option(None, "--model", "-m", help="package.module:attribute of a predict "
                                     "callable or a fitted object (permutation importance)."),
    fit: str | None = typer.Option(None, "--fit", help="package.module:attribute of fit(train_rows) -> predict "
                                   "(feature ablation under cross-validation)."),
    metric: str = typer.Option("auc", "--metric", help="auc, accuracy, log_loss, rmse, mae or r2."),
    positive: str | None = typer.Option(None, "--positive", help="The class AUC and log-loss score against "
                                        "the rest (default: the larger of two labels; of three or more, all of "
                                        "them: macro one-vs-rest AUC, multiclass log-loss)."),
    group: list[str] = typer.Option([], "--group", help="NAME=col1,col2: columns shuffled or dropped together."),
    add: list[str] = typer.Option([], "--add", help="A candidate column to add (ablation; left out of the model)."),
    train: str | None = typer.Option(None, "--train", help="Rows for the ablation's folds (default: DATA)."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds of the ablation."),
    repeats: int = typer.Option(5, "--repeats", help="Shuffles per feature (permutation importance)."),
    resamples: int = typer.Option(200, "--resamples", help="Bootstrap resamples of the permutation intervals."),
    workers: int = typer.Option(2, "--workers", help="Processes training the ablation's folds."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Retrain every fold (default: reuse .tripwire/cache)."),
    seed: int = typer.Option(0, "--seed", help="Seed of folds, shuffles and resamples."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Rank the features of a model by what losing them costs, with intervals.

    Exit code 0: explained; 2: could not run.
    """
    from tripwire.errors import UsageError
    from tripwire.explaining.text import ranking_text
    from tripwire.run import explain
    from tripwire.run.explanations import DEFAULT_CACHE

    groups = {}
    for item in group:
        name, sep, cols = item.partition("=")
        columns = [c.strip() for c in cols.split(",") if c.strip()]
        if not sep or not name.strip() or not columns:
            raise UsageError(f"--group {item!r}: write it as NAME=col1,col2")
        groups[name.strip()] = columns
    report = explain(model, data, label=label, metric=metric, fit=fit, groups=groups or None, add=tuple(add),
                     train=train, repeats=repeats, resamples=resamples, folds=folds, seed=seed, workers=workers,
                     cache=None if no_cache else DEFAULT_CACHE, positive=positive, encoding=encoding,
                     progress=sys.stderr.isatty())
    notes(report.notes)
    if fmt is Format.text and output is None:
        console.print(ranking_text(report.metrics or ()), markup=False, highlight=False)
    raise typer.Exit(emit_report(report, fmt, output))
