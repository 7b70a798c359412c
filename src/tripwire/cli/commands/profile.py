"""`tripwire profile` and `tripwire show`: profile data, print the summary, save the JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tripwire.cli.common import Command, console, err_console, escape, notes
from tripwire.report.format import cut, number, pct, timestamp

if TYPE_CHECKING:
    from collections.abc import Collection

    from tripwire.profiling import ColumnProfile, DatasetProfile

ENCODING_HELP = "Read CSV files in this encoding (e.g. cp1252, latin-1) instead of detecting it."
DATA_HELP = ("A file (CSV, TSV, Parquet, JSON Lines, Arrow/Feather), a folder or glob of such files, "
             "or 'sql:SELECT ... FROM \\'file.parquet\\'' (DuckDB).")

IMAGES_HELP = ("DATA is a folder of images (or, with --image-column, a table of image paths): profile one row "
               "of properties per image (size, brightness, sharpness, glare, hash, ...; see docs/images.md).")
IMAGE_COLUMN_HELP = "With --images: the column of DATA holding image paths (relative to the table's folder)."
WORKERS_HELP = "With --images: worker processes measuring images (default 2)."


def register(app: typer.Typer) -> None:
    """Add the profile and show commands."""
    app.command("profile", cls=Command, epilog=PROFILE_EXAMPLES)(profile_command)
    app.command("show", cls=Command, epilog=SHOW_EXAMPLES)(show_command)


PROFILE_EXAMPLES = """Examples:\n\n
  tripwire profile flights.parquet -o flights.profile.json --html flights.html\n\n
  tripwire profile 'data/2026-11-*.csv' --name orders\n\n
  tripwire profile "sql:SELECT * FROM 'events.parquet' WHERE country = 'NL'"\n\n
  tripwire profile 's3a://lake/orders/day=2026-11-24/' --spark yarn -o orders.profile.json\n\n
  tripwire profile photos/ --images -o photos.profile.json
"""
SHOW_EXAMPLES = """Examples:\n\n
  tripwire show flights.profile.json\n\n
  tripwire show flights.profile.json --column dep_delay
"""


def profile_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the profile JSON here."),
    name: str | None = typer.Option(None, "--name", help="Name of the data set (default: file name)."),
    sample_rows: int = typer.Option(10_000, "--sample-rows", min=0,
                                    help="Rows kept in the profile's uniform sample (0: none)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing but errors."),
    html: Path | None = typer.Option(None, "--html", help="Also write the per-column summary and charts as HTML."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    images: bool = typer.Option(False, "--images", help=IMAGES_HELP),
    image_column: str | None = typer.Option(None, "--image-column", help=IMAGE_COLUMN_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    spark: str | None = typer.Option(None, "--spark", metavar="MASTER",
                                     help="Profile on Spark (e.g. local[4], yarn); DATA is read with "
                                          "spark.read (Parquet, ORC, CSV with a header, JSON Lines)."),
    show_pii: list[str] = typer.Option([], "--show-pii", help="Show this column's top values although it "
                                        "looks personal (repeat for more; 'all' for every column)."),
) -> None:
    """Profile DATA in one pass: counts, types, quantiles, distinct values, patterns, a row sample."""
    show = sys.stderr.isatty() and not quiet
    if spark is not None:
        from tripwire.spark.profile import profile as spark_profile
        from tripwire.spark.session import read, session

        prof = spark_profile(read(session(spark), data), name=name or Path(data).name, sample_rows=sample_rows)
    elif images or image_column:
        from tripwire.run import profile_images

        prof = profile_images(data, image_column=image_column, name=name, workers=workers,
                              sample_rows=sample_rows, progress=show)
    else:
        from tripwire.run import profile

        prof = profile(data, name=name, sample_rows=sample_rows, progress=show, encoding=encoding)
    notes(prof.notes)
    if not quiet:
        print_summary(prof, show_pii)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        prof.save(output)
        if not quiet:
            err_console.print(f"wrote profile to {escape(output)}")
    if html is not None:
        from tripwire.html import render_profile

        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_profile(prof), encoding="utf-8")
        if not quiet:
            err_console.print(f"wrote the HTML summary to {escape(html)}")


def show_command(
    profile_path: Path = typer.Argument(..., help="A profile JSON written by `tripwire profile -o`.",
                                        metavar="PROFILE"),
    column: str | None = typer.Option(None, "--column", "-c", help="Show one column in detail."),
    show_pii: list[str] = typer.Option([], "--show-pii", help="Show this column's top values although it "
                                        "looks personal (repeat for more; 'all' for every column)."),
) -> None:
    """Print the summary of a saved profile."""
    from tripwire.profiling import DatasetProfile

    prof = DatasetProfile.load(profile_path)
    if column:
        print_column(prof, column, show_pii)
    else:
        print_summary(prof, show_pii)


def _personal(prof: DatasetProfile, show: Collection[str]) -> set[str]:
    """Return the columns whose values are shown masked (found personal, minus `show`)."""
    from tripwire.privacy.masking import personal_columns

    return personal_columns(prof, show=show)


def _value(v: object, masked: bool) -> str:
    if not masked:
        return _short(v)
    from tripwire.privacy.masking import mask_value

    return mask_value(v)


def print_summary(prof: DatasetProfile, show_pii: Collection[str] = ()) -> None:
    """Print one row per column with the figures a person looks at first (personal values masked)."""
    from rich.table import Table

    personal = _personal(prof, show_pii)

    title = f"{cut(prof.name or 'data')}: {prof.rows:,} rows × {len(prof.columns)} columns"
    table = Table(title=escape(title), title_justify="left", header_style="bold")
    for head, justify in (("column", "left"), ("type", "left"), ("missing", "right"),
                          ("distinct", "right"), ("min", "right"), ("median", "right"),
                          ("max", "right"), ("top values", "left")):
        table.add_column(head, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r, col in zip(prof.summary_rows(), prof.columns.values(), strict=True):
        missing = col.missing
        miss = f"{missing:,} ({pct(missing / col.count)})" if col.count else "0"
        top = ", ".join(f"{_value(v, col.name in personal)} ({n:,})" for v, n in r["top"])
        table.add_row(escape(cut(r["column"])), r["type"], miss, f"{r['distinct']:,.0f}",
                      _num(r["min"], col), _num(r["median"], col), _num(r["max"], col), escape(top))
    console.print(table)
    console.print(f"fingerprint {prof.fingerprint} · sample {prof.sample.num_rows:,} rows")


def print_column(prof: DatasetProfile, name: str, show_pii: Collection[str] = ()) -> None:
    """Print everything the profile knows about one column (its values masked when personal)."""
    from tripwire.errors import UsageError

    if name not in prof:
        raise UsageError(f"no column {name!r} in the profile; columns: {', '.join(prof.columns)}")
    col = prof[name]
    lines = [f"[bold]{escape(name)}[/]  {col.inferred_type} ({escape(col.physical_type)})",
             f"rows {col.count:,} · nulls {col.nulls:,} · NaN {col.nan:,} · inf {col.inf:,}"
             f" · distinct {'' if col.distinct_exact else '≈ '}{col.distinct_count:,.0f}"]
    num = col.numbers
    if num.n:
        qs = col.quantiles([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) or []
        lines.append(f"numbers {num.n:,}: min {_num(num.min, col, 6)} · mean {_num(num.moments.mean, col, 6)}"
                     f" · std {number(num.moments.std or 0, 6)} · max {_num(num.max, col, 6)}")
        lines.append("quantiles 1/5/25/50/75/95/99%: " + " · ".join(_num(float(q), col, 6) for q in qs))
    if col.text is not None:
        t = col.text
        lines.append(f"length {t.min_length}–{t.max_length} (mean {t.lengths.mean:.1f})"
                     f" · disguised nulls {t.disguised_nulls:,}")
        parses = {k: v for k, v in t.parses.items() if v}
        if parses:
            lines.append("parse as: " + escape(", ".join(f"{k} {v:,}" for k, v in parses.items())))
        classes = {k: v for k, v in t.char_classes.items() if v}
        if classes:
            lines.append("characters: " + escape(", ".join(f"{k} {v:,}" for k, v in classes.items())))
        lines.append("patterns: " + escape(", ".join(f"{p} ({n:,})" for p, n in t.patterns.top(5))))
    masked = name in _personal(prof, show_pii)
    lines.append("top: " + escape(", ".join(f"{_value(v, masked)} ({n:,})" for v, n in col.top(10))))
    for line in lines:
        console.print(line)


def _short(value: object, limit: int = 24) -> str:
    text = number(value, 6) if isinstance(value, (int, float)) else str(value)[: limit + 1]
    return cut(text, limit)


def _num(value: float | None, col: ColumnProfile, digits: int = 4) -> str:
    """Write a column's figure as the HTML report does: timestamps as dates, numbers by `number`."""
    if value is None:
        return ""
    return timestamp(value, col.physical_type) if col.kind == "temporal" else number(value, digits)
