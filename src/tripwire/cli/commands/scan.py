"""`tripwire scan`: find what is wrong with a batch (and how it differs from a reference)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.privacy import SHOW_PII_HELP
from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, emit_report, notes

EXAMPLES = """Examples:\n\n
  tripwire scan orders.csv\n\n
  tripwire scan feb.parquet --reference jan.parquet --format json -o report.json\n\n
  tripwire scan feb.parquet --reference jan.profile.json --only schema,data\n\n
  tripwire scan train.csv --label churned --format junit -o scan.xml\n\n
  tripwire scan survey.csv --population census.yaml --weights-out weights.parquet
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
    show_pii: list[str] = typer.Option([], "--show-pii", help=SHOW_PII_HELP),
) -> None:
    """Scan DATA for quality issues, ranked, each with evidence, rows and a fix.

    Exit code 0: no error-level finding; 1: some; 2: the scan could not run.
    """
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
    if show_pii:
        options["show_pii"] = show_pii
    if proba_columns:
        options["proba_columns"] = [c.strip() for c in proba_columns.split(",") if c.strip()]
    families = [f.strip() for f in only.split(",") if f.strip()] if only else None
    report = scan(data, reference, label=label, prediction=prediction, only=families, options=options,
                  name=name, progress=sys.stderr.isatty(), encoding=encoding)
    notes(report.notes)
    raise typer.Exit(emit_report(report, fmt, output))


def load_yaml_mapping(path: Path) -> dict:
    """Read a YAML file that must hold a mapping; errors name the file and line."""
    from tripwire.errors import InputError
    from tripwire.yamlfile import read_yaml

    data = read_yaml(path, "settings file")
    if not isinstance(data, dict):
        raise InputError("expected a mapping of settings", path=str(path))
    return data
