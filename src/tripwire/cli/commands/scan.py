"""`tripwire scan`: find what is wrong with a batch (and how it differs from a reference)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.privacy import SHOW_PII_HELP
from tripwire.cli.commands.profile import (
    DATA_HELP,
    ENCODING_HELP,
    IMAGE_COLUMN_HELP,
    IMAGES_HELP,
    WORKERS_HELP,
)
from tripwire.cli.common import Command, Format, emit_report, notes

EXAMPLES = """Examples:\n\n
  tripwire scan orders.csv\n\n
  tripwire scan feb.parquet --reference jan.parquet --format json -o report.json\n\n
  tripwire scan feb.parquet --reference jan.profile.json --only schema,data\n\n
  tripwire scan train.csv --label churned --format junit -o scan.xml\n\n
  tripwire scan survey.csv --population census.yaml --weights-out weights.parquet\n\n
  tripwire scan new_photos/ --images --reference train_photos/ --predictions preds.csv --format html -o images.html
"""


def register(app: typer.Typer) -> None:
    """Add the scan command."""
    app.command("scan", cls=Command, epilog=EXAMPLES)(scan_command)


def scan_command(
    data: str = typer.Argument(..., help=DATA_HELP + " Or a saved profile.json.", metavar="DATA"),
    reference: str | None = typer.Option(None, "--reference", "-r",
                                         help="Reference data or a saved profile.json to compare with."),
    label: str | None = typer.Option(None, "--label", help="The label column (enables label checks)."),
    prediction: str | None = typer.Option(None, "--prediction", help="The model-output column."),
    proba_columns: str | None = typer.Option(
        None, "--proba-columns",
        help="Comma-separated out-of-sample class probability columns, one per class in sorted class order "
             "(labels.noisy ranks rows with them instead of fitting a proxy model)."),
    label_time: str | None = typer.Option(None, "--time", help="When each row's label became known: features "
                                          "recorded after it leak the target (leakage.target)."),
    available: list[str] = typer.Option([], "--available", help="FEATURE=COLUMN: when FEATURE's value was "
                                        "recorded (repeatable; needs --time)."),
    only: str | None = typer.Option(None, "--only",
                                    help="Comma-separated families (schema, data, labels, drift) or detector names."),
    drift_config: Path | None = typer.Option(None, "--drift-config",
                                             help="YAML file of drift thresholds (see docs/drift.md)."),
    population: Path | None = typer.Option(None, "--population",
                                           help="YAML census table of known shares per column: checks the "
                                                "batch for sampling bias (see docs/scan.md)."),
    weights_out: Path | None = typer.Option(None, "--weights-out",
                                            help="With --population: write each row's raking weight "
                                                 "(CSV or Parquet, by the file's suffix)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    images: bool = typer.Option(False, "--images", help=IMAGES_HELP + " --reference is then images too."),
    image_column: str | None = typer.Option(None, "--image-column", help=IMAGE_COLUMN_HELP),
    predictions: Path | None = typer.Option(
        None, "--predictions",
        help="With --images: a table of file name, label and prediction (columns named by --label and "
             "--prediction, default 'label' and 'prediction'): finds the image properties where errors concentrate."),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    show_pii: list[str] = typer.Option([], "--show-pii", help=SHOW_PII_HELP),
) -> None:
    """Scan DATA for quality issues, ranked, each with evidence, rows and a fix.

    Exit code 0: no error-level finding; 1: some; 2: the scan could not run.
    """
    if images or image_column:
        from tripwire.run import scan_images

        ref_column = image_column if reference and not Path(reference).is_dir() else None  # a reference table
        report = scan_images(data, reference, image_column=image_column, reference_image_column=ref_column,
                             predictions=predictions,
                             label=label or "label", prediction=prediction or "prediction", name=name,
                             workers=workers, progress=sys.stderr.isatty())
        notes(report.notes)
        raise typer.Exit(emit_report(report, fmt, output))
    if predictions is not None:
        from tripwire.errors import UsageError

        raise UsageError("--predictions needs --images (for tables, use --label and --prediction)")
    from tripwire.run import scan

    options = {}
    if drift_config is not None:
        options["drift"] = load_yaml_mapping(drift_config)
    if population is not None:
        from tripwire.detectors.data.sampling_bias import load_population

        options["population"] = load_population(population)  # a bad file stops here, in one line
    if weights_out is not None:
        if population is None:
            from tripwire.errors import UsageError

            raise UsageError("--weights-out needs --population (the shares to weight towards)")
        options["weights_out"] = str(weights_out)
    if available and not label_time:
        from tripwire.errors import UsageError

        raise UsageError("--available needs --time: the column of when each label became known")
    if label_time:
        options["label_time"] = label_time
        options["available"] = dict(_pair(a) for a in available)
    if show_pii:
        options["show_pii"] = show_pii
    if proba_columns:
        options["proba_columns"] = [c.strip() for c in proba_columns.split(",") if c.strip()]
    families = [f.strip() for f in only.split(",") if f.strip()] if only else None
    report = scan(data, reference, label=label, prediction=prediction, only=families, options=options,
                  name=name, progress=sys.stderr.isatty(), encoding=encoding)
    notes(report.notes)
    raise typer.Exit(emit_report(report, fmt, output))


def _pair(text: str) -> tuple[str, str]:
    feature, sep, column = text.partition("=")
    if not sep or not feature.strip() or not column.strip():
        from tripwire.errors import UsageError

        raise UsageError(f"--available {text!r}: write FEATURE=COLUMN, e.g. --available lab_result=lab_result_at")
    return feature.strip(), column.strip()


def load_yaml_mapping(path: Path) -> dict:
    """Read a YAML file that must hold a mapping; errors name the file and line."""
    from tripwire.errors import InputError
    from tripwire.yamlfile import read_yaml

    data = read_yaml(path, "settings file")
    if not isinstance(data, dict):
        raise InputError("expected a mapping of settings", path=str(path))
    return data
