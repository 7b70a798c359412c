"""`tripwire evaluate`: is the model better than a baseline, for whom, and where does it fail."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, notes, write_html

EXAMPLES = """Examples:\n\n
  tripwire evaluate preds.parquet --label delayed --prediction pred --proba p_delayed\n\n
  tripwire evaluate preds.csv --label price --prediction pred --band 0.05 --band-target 0.8\n\n
  tripwire evaluate preds.csv --label y --prediction p --groups people.csv --on id --group sex\n\n
  tripwire evaluate preds.csv --label y --prediction p --train train.csv --format json -o eval.json\n\n
  tripwire evaluate preds.csv --label y --prediction p --proba p_yes --html eval.html\n\n
  tripwire evaluate recs.csv --task ranking --user user --item movie --prediction score --label liked --k 10
"""


def register(app: typer.Typer) -> None:
    """Add the evaluate command."""
    app.command("evaluate", cls=Command, epilog=EXAMPLES)(evaluate_command)


def evaluate_command(
    data: str = typer.Argument(..., help=DATA_HELP + " One row per prediction.", metavar="DATA"),
    label: str = typer.Option(..., "--label", help="The truth column (relevance, for ranking)."),
    prediction: str = typer.Option(..., "--prediction", help="The predicted label, value or ranking score."),
    proba: list[str] = typer.Option([], "--proba", help="Probability column(s): the positive class's, or one per class."),
    task: str | None = typer.Option(None, "--task", help="classification, regression or ranking (default: inferred)."),
    group: list[str] = typer.Option([], "--group", help="Column(s) of groups to compare (fairness)."),
    groups: str | None = typer.Option(None, "--groups", help="A separate file holding the group columns, joined by --on."),
    on: str | None = typer.Option(None, "--on", help="The key column DATA and the --groups file share."),
    baseline: list[str] = typer.Option([], "--baseline", help="Column(s) of baseline predictions to beat."),
    train: str | None = typer.Option(None, "--train", help="Training table: fit majority/mean and linear baselines."),
    model: str | None = typer.Option(None, "--model", help="The model as NAME@VERSION (recorded in the report)."),
    store: str | None = typer.Option(None, "--store", help="History store URL: compare with the model's last "
                                     "stored evaluation, then store this one (needs --model)."),
    positive: str | None = typer.Option(None, "--positive", help="The positive class (default: the larger label)."),
    user: str | None = typer.Option(None, "--user", help="Ranking: the user column."),
    item: str | None = typer.Option(None, "--item", help="Ranking: the item column."),
    k: int = typer.Option(10, "--k", help="Ranking: the list length judged."),
    band: float = typer.Option(0.05, "--band", help="Regression: the error band (0.01, 0.05, 0.1 or 0.2)."),
    band_target: float | None = typer.Option(None, "--band-target",
                                             help="Regression: the share within --band the model must reach."),
    min_group: int = typer.Option(30, "--min-group", help="Groups with fewer rows are left out, sizes unshown."),
    no_slices: bool = typer.Option(False, "--no-slices", help="Skip the weak-slice search."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples per interval."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resamples (same seed, same intervals)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    html: Path | None = typer.Option(None, "--html", help="Also write the HTML report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Evaluate predictions in DATA: metrics with intervals, baselines, weak slices, fairness, calibration.

    Exit code 0: no error-level finding; 1: some (e.g. worse than a baseline); 2: could not run.
    """
    from tripwire.errors import UsageError
    from tripwire.evaluation.table import metrics_text
    from tripwire.run import evaluate

    if not 0 < level < 1:
        raise UsageError(f"--level {level:g}: give a confidence level between 0 and 1, e.g. 0.95")
    if resamples < 10:
        raise UsageError(f"--resamples {resamples}: give at least 10 (1,000 is the default)")
    report = evaluate(data, label=label, prediction=prediction, proba=proba or None, task=task,
                      group=group or None, groups=groups, on=on, baseline=baseline or None, train=train,
                      model=model, user=user, item=item, k=k, positive=positive, band=band,
                      band_target=band_target, min_group=min_group, slices=not no_slices,
                      resamples=resamples, level=level, seed=seed, store=store, name=name, encoding=encoding,
                      progress=sys.stderr.isatty())
    notes(report.notes)
    if fmt is Format.text and output is None:
        console.print(metrics_text(report.metrics or ()), markup=False, highlight=False)
    if html is not None:
        write_html(report, html)
    raise typer.Exit(emit_report(report, fmt, output))
