"""`tripwire drift`: how a batch moved from a reference, per column, jointly, in text, over time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from tripwire.cli.commands.privacy import SHOW_PII_HELP
from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, escape, notes
from tripwire.report.format import cut

EXAMPLES = """Examples:\n\n
  tripwire drift feb.parquet --reference jan.parquet\n\n
  tripwire drift today.csv --reference train.profile.json --format json -o drift.json\n\n
  tripwire drift scored.csv --reference train.csv --label churned --prediction score\n\n
  tripwire drift flights.csv --time-column time_hour --window 1mo\n\n
  tripwire drift feb.parquet --reference jan.parquet --drift-config drift.yaml
"""


def register(app: typer.Typer) -> None:
    """Add the drift command."""
    app.command("drift", cls=Command, epilog=EXAMPLES)(drift_command)


def drift_command(
    data: str = typer.Argument(..., help=DATA_HELP + " Or a saved profile.json.", metavar="DATA"),
    reference: str | None = typer.Option(None, "--reference", "-r",
                                         help="Reference data or a saved profile.json to compare with."),
    label: str | None = typer.Option(None, "--label", help="The label column (enables label drift)."),
    prediction: str | None = typer.Option(None, "--prediction", help="The model-output column (prediction drift)."),
    time_column: str | None = typer.Option(None, "--time-column",
                                           help="Split DATA into time windows on this column."),
    window: str | None = typer.Option(None, "--window", help="Window length: 1d, 1w, 1mo, 1q or 1y."),
    drift_config: Path | None = typer.Option(None, "--drift-config",
                                             help="YAML file of drift thresholds (see docs/drift.md)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    show_pii: list[str] = typer.Option([], "--show-pii", help=SHOW_PII_HELP),
) -> None:
    """Compare DATA with a reference: which columns moved, by how much, in words.

    Without --reference, --time-column and --window compare each window with the first.
    Exit code 0: no error-level drift; 1: some; 2: the comparison could not run.
    """
    from tripwire.cli.commands.scan import load_yaml_mapping
    from tripwire.run import drift

    options: dict[str, Any] = {}
    if drift_config is not None:
        options["drift"] = load_yaml_mapping(drift_config)
    if show_pii:
        options["show_pii"] = show_pii
    report = drift(data, reference, label=label, prediction=prediction, options=options,
                   time_column=time_column, window=window, name=name, progress=sys.stderr.isatty(),
                   encoding=encoding)
    notes(report.notes)
    if fmt is Format.text and output is None:
        _tables(report)
    raise typer.Exit(emit_report(report, fmt, output))


def _tables(report: Any) -> None:
    """Print the per-column table (or the per-window table) before the findings."""
    from rich.table import Table

    windows = report.extra.get("windows")
    if windows:
        from tripwire.drift_detection.windows import sparkline

        table = Table(title="drift by window", title_justify="left")
        for head in ("window", "rows", "severity", "drifted columns", "worst", "effect"):
            table.add_column(head, justify="right" if head in ("rows", "effect") else "left")
        for w in windows:
            table.add_row(escape(w["window"]), f"{w['rows']:,}", w["severity"] or "-",
                          escape(", ".join(w["drifted"][:6]) + (" …" if len(w["drifted"]) > 6 else "")),
                          escape(w["worst_column"] or "-"), f"{w['worst_effect']:.2f}")
        console.print(table)
        trend = report.extra.get("trend", {})
        if trend:
            top = max((v for s in trend.values() for v in s.values() if v < 1e8), default=0.0)
            console.print("effect per window (one bar per window, all columns on one scale):")
            for col, series in sorted(trend.items(), key=lambda kv: -max(kv[1].values(), default=0)):
                vals = [min(v, top) for v in series.values()]
                console.print(f"  {escape(cut(col, 80)):<24} {sparkline(vals, top)}")
        console.print()
        return
    columns = report.extra.get("columns")
    if columns:
        table = Table(title="per-column drift", title_justify="left")
        for head in ("column", "how", "effect", "p (BH)", "verdict", "change"):
            table.add_column(head, justify="right" if head in ("effect", "p (BH)") else "left")
        for c in sorted(columns, key=lambda c: -min(c["effect"], 1e9)):
            effect = "∞" if c["effect"] == float("inf") else f"{c['effect']:.2f}"
            unit = "SD" if c["metric"] == "wasserstein" else "PSI"
            table.add_row(escape(cut(c["column"], 80)), c["treatment"], f"{effect} {unit}", f"{c['p_adjusted']:.2g}",
                          c["severity"] or "stable", escape(c["change"][:70]))
        console.print(table, markup=sys.stdout.isatty())
        console.print()
