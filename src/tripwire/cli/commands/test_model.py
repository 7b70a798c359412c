"""`tripwire test-model`: run a behavioural test suite (YAML) against a model callable."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.commands.profile import ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, notes

EXAMPLES = """Examples:\n\n
  tripwire test-model suite.yaml --model mymodels.sentiment:predict\n\n
  tripwire test-model suite.yaml --model mymodels.topics:pipeline --data held_out.csv\n\n
  tripwire test-model suite.yaml --model mymodels.topics:pipeline --data rows.parquet --format junit -o tests.xml
"""


def register(app: typer.Typer) -> None:
    """Add the test-model command."""
    app.command("test-model", cls=Command, epilog=EXAMPLES)(test_model_command)


def test_model_command(
    suite: Path = typer.Argument(..., help="The test suite (YAML; see docs/model-tests.md).", metavar="SUITE"),
    model: str = typer.Option(..., "--model", "-m", help="The model as package.module:attribute: a callable "
                              "predict(rows) -> outputs, or an object with predict/predict_proba."),
    data: str | None = typer.Option(None, "--data", help="Real rows that the suite's `rows:` tests sample."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Run the behavioural tests of SUITE against a model: pass rate and failing examples per test.

    Exit code 0: every test reached its min_pass_rate; 1: some did not; 2: could not run.
    """
    from tripwire.modeltest.findings import outcomes_text
    from tripwire.run import test_model

    report = test_model(suite, model, data, name=name, encoding=encoding, progress=sys.stderr.isatty())
    notes(report.notes)
    if fmt is Format.text and output is None:
        console.print(outcomes_text(report.metrics or ()), markup=False, highlight=False)
    raise typer.Exit(emit_report(report, fmt, output))
