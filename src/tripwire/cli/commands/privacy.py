"""`tripwire pseudonymise`, `tripwire k-anonymity`, `tripwire synthetic-check`: the privacy commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import Command, Format, console, emit_report, err_console, notes

SHOW_PII_HELP = ("Show the values of this column although it looks personal (repeat for more; "
                 "'all' for every column). Reports and the store mask them by default.")
PSEUDO_EXAMPLES = """Examples:\n\n
  export TW_KEY=$(openssl rand -hex 32)\n\n
  tripwire pseudonymise users.csv --columns id,email --key-env TW_KEY -o users.pseudo.parquet\n\n
  tripwire pseudonymise users.parquet --columns id --keep-format --key-file secret.key -o out.parquet
"""
KANON_EXAMPLES = """Examples:\n\n
  tripwire k-anonymity patients.csv --quasi age,zip,sex --k 5\n\n
  tripwire k-anonymity patients.csv --quasi age,zip,sex --sensitive diagnosis --l 2 --format json
"""
SYNTH_EXAMPLES = """Examples:\n\n
  tripwire synthetic-check real.parquet synthetic.parquet\n\n
  tripwire synthetic-check real.csv synth.csv --format html -o synthetic.html
"""


def register(app: typer.Typer) -> None:
    """Add the privacy commands."""
    app.command("pseudonymise", cls=Command, epilog=PSEUDO_EXAMPLES)(pseudonymise_command)
    app.command("k-anonymity", cls=Command, epilog=KANON_EXAMPLES)(k_anonymity_command)
    app.command("synthetic-check", cls=Command, epilog=SYNTH_EXAMPLES)(synthetic_check_command)


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def pseudonymise_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    columns: str = typer.Option(..., "--columns", help="Comma-separated columns to replace by pseudonyms."),
    output: Path = typer.Option(..., "-o", "--output", help="Write the copy here (.parquet, .csv, .arrow)."),
    key_env: str | None = typer.Option(None, "--key-env", help="Environment variable holding the secret key."),
    key_file: Path | None = typer.Option(None, "--key-file", help="File holding the secret key."),
    keep_format: bool = typer.Option(False, "--keep-format",
                                     help="Keep ids' look: integers and digit strings keep their digit count."),
    length: int = typer.Option(16, "--length", help="Hex characters kept of each HMAC-SHA256 digest."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Replace identifier columns by keyed HMAC-SHA256 pseudonyms, the same on every run with the same key.

    The key comes from an environment variable or a file, at least 16 bytes, and is never printed.
    """
    from tripwire.privacy.pseudonyms import read_key
    from tripwire.run.privacy import pseudonymise

    key = read_key(key_env, str(key_file) if key_file is not None else None)
    done = pseudonymise(data, _columns(columns), output, key=key, keep_format=keep_format, length=length,
                        encoding=encoding, progress=sys.stderr.isatty())
    err_console.print(f"wrote {done['rows']:,} rows to {done['output']} "
                      f"({', '.join(done['columns'])} pseudonymised)", markup=False, highlight=False)


def _metrics(rows: tuple[dict[str, Any], ...] | None) -> None:
    for m in rows or ():
        rest = ", ".join(f"{k} {_shown(v, k == 'share')}" for k, v in m.items()
                         if k not in ("metric", "value", "ci_low", "ci_high", "n", "step") and v is not None)
        share = "information lost" in str(m["metric"])
        console.print(f"  {m['metric']}: {_shown(m['value'], share)}" + (f" ({rest})" if rest else ""),
                      markup=False, highlight=False)


def _shown(value: Any, share: bool = False) -> str:
    """Return a figure as the text report writes numbers (shares as percentages)."""
    from tripwire.report.format import number, pct

    if share and isinstance(value, (int, float)):
        return pct(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def k_anonymity_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    quasi: str | None = typer.Option(None, "--quasi", help="Comma-separated quasi-identifiers "
                                     "(default: columns named like age, sex, zip, birth date, ...)."),
    k: int = typer.Option(5, "--k", help="The k every class of quasi-identifier values must reach."),
    sensitive: str | None = typer.Option(None, "--sensitive", help="A sensitive column: measure l-diversity."),
    l_target: int | None = typer.Option(None, "--l", help="The l every class must reach (with --sensitive)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Measure k-anonymity (and l-diversity) over quasi-identifiers and suggest generalisations reaching k.

    Exit code 0: k reached; 1: classes below k (or l); 2: could not run.
    """
    from tripwire.run.privacy import k_anonymity

    report = k_anonymity(data, _columns(quasi) if quasi else None, k=k, sensitive=sensitive, l_target=l_target,
                         name=name, encoding=encoding, progress=sys.stderr.isatty())
    notes(report.notes)
    if fmt is Format.text and output is None:
        _metrics(report.metrics)
    raise typer.Exit(emit_report(report, fmt, output))


def synthetic_check_command(
    real: str = typer.Argument(..., help="The real data the synthetic data imitates.", metavar="REAL"),
    synth: str = typer.Argument(..., help="The synthetic data (same columns).", metavar="SYNTH"),
    seed: int = typer.Option(0, "--seed", help="Seed of the holdout split and samples."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    name: str | None = typer.Option(None, "--name", help="Name of the synthetic data set in the report."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Measure synthetic data: fidelity (drift, correlations, a domain classifier) and privacy (copied rows).

    Exit code 0: no real rows copied beyond chance; 1: copies found; 2: could not run.
    """
    from tripwire.run.privacy import synthetic_check

    report = synthetic_check(real, synth, name=name, seed=seed, encoding=encoding, progress=sys.stderr.isatty())
    notes(report.notes)
    if fmt is Format.text and output is None:
        _metrics(report.metrics)
    raise typer.Exit(emit_report(report, fmt, output))
