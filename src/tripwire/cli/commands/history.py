"""`tripwire log`, `history`, `lineage`, `reference`: every batch remembered, every alarm delivered."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from tripwire.cli.commands.privacy import SHOW_PII_HELP
from tripwire.cli.commands.profile import DATA_HELP, ENCODING_HELP
from tripwire.cli.common import FLAG, Command, Format, console, emit_report, err_console, escape, notes
from tripwire.report.format import number
from tripwire.report.format import pct as format_pct

STORE_HELP = "Store URL (default: $TRIPWIRE_STORE, else sqlite:///.tripwire/history.db; postgresql://... works)."
LOG_EXAMPLES = """Examples:\n\n
  tripwire log landing/2026-11-24.parquet --dataset orders\n\n
  tripwire log batch.csv --dataset orders --contract orders.yaml --reference store:orders --alerts alerts.yaml\n\n
  tripwire log scored.parquet --dataset scoring --model churn@3.1 --trained-on rowhash64:9f2c...
"""

HISTORY_EXAMPLES = """Examples:\n\n
  tripwire history                         # every dataset and its latest status\n\n
  tripwire history orders --column amount  # batches, with one column's trend\n\n
  tripwire history orders --alerts         # alerts sent and failed
"""


def register(app: typer.Typer) -> None:
    """Add the history commands."""
    app.command("log", cls=Command, epilog=LOG_EXAMPLES)(log_command)
    app.command("history", cls=Command, epilog=HISTORY_EXAMPLES)(history_command)
    app.command("lineage", cls=Command, epilog="Examples:\n\n  tripwire lineage churn\n\n  tripwire lineage churn@3.1 --store postgresql://...")(
        lineage_command)
    app.command("reference", cls=Command, epilog="Example:\n\n  tripwire reference orders 12    # then --reference store:orders")(
        reference_command)


def log_command(
    data: str = typer.Argument(..., help=DATA_HELP, metavar="DATA"),
    dataset: str = typer.Option(..., "--dataset", "-d", help="The dataset this batch belongs to."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    contract: Path | None = typer.Option(None, "--contract", "-c", help="Also check this contract."),
    reference: str | None = typer.Option(None, "--reference", "-r",
                                         help="Data, a profile.json, or store:NAME (the stored reference)."),
    alerts: Path | None = typer.Option(None, "--alerts", help="Alert rules YAML (see docs/alerts.md)."),
    model: str | None = typer.Option(None, "--model", help="NAME@VERSION of the model this batch feeds."),
    trained_on: str | None = typer.Option(None, "--trained-on", help="Fingerprint of the model's training data."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge freshness as of this time."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format of the batch's report."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report here."),
    label: str | None = typer.Option(None, "--label", help="The label column (enables label checks and drift)."),
    prediction: str | None = typer.Option(None, "--prediction", help="The model-output column."),
    skip_duplicate: bool = typer.Option(False, "--skip-duplicate", metavar=FLAG,
                                        help="Do not store a batch whose content the dataset already holds."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    show_pii: list[str] = typer.Option([], "--show-pii", help=SHOW_PII_HELP),
    rolling: str | None = typer.Option(None, "--rolling", metavar="7d|24h|2w|all",
                                       help="Compare with the merge of the stored batches of this window "
                                            "(no old data re-read)."),
) -> None:
    """Profile and scan a batch, judge it against the history, store it, then evaluate alerts.

    A failed notification never fails the run: it is recorded (`tripwire history NAME --alerts`).
    """
    from tripwire.run import log
    from tripwire.store import Store

    st = Store(store)
    done = log(data, dataset, store=st, reference=reference, contract=contract, alerts=alerts, model=model,
               trained_on=trained_on, as_of=as_of, progress=sys.stderr.isatty(), label=label,
               prediction=prediction, encoding=encoding, skip_duplicate=skip_duplicate,
               options={"show_pii": show_pii} if show_pii else None, rolling=rolling)
    notes(done.report.notes)
    for d in done.deliveries:
        state = "sent" if d["ok"] else f"FAILED after {d['attempts']} attempt(s): {d['error']}"
        err_console.print(f"alert {escape(d['rule'])} → {d['notifier']}: {escape(state)}")
    if done.duplicate:
        err_console.print(f"not logged again: batch {done.batch_id} of {escape(dataset)} holds the same content")
    else:
        err_console.print(f"logged batch {done.batch_id} of {escape(dataset)} in {escape(_redacted(st.url))}")
    raise typer.Exit(emit_report(done.report, fmt, output))


def history_command(
    dataset: str | None = typer.Argument(None, help="A dataset name; omit to list every dataset."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    column: str | None = typer.Option(None, "--column", help="Show this column's trend (null share, drift, mean)."),
    alerts: bool = typer.Option(False, "--alerts", help="List alert deliveries and failures instead."),
    limit: int = typer.Option(30, "--limit", help="Most recent batches shown."),
) -> None:
    """List a dataset's batches over time with their key figures (or every dataset's status)."""
    from rich.table import Table

    from tripwire.store import Store
    from tripwire.store.history import overdue

    st = Store(store, create=False)  # reading never creates a store
    if dataset is None:
        table = Table(title="datasets", title_justify="left")
        for h in ("dataset", "batches", "last batch", "rows", "errors", "warnings", "status"):
            table.add_column(h)
        for d in st.datasets():
            when = d["last_logged_at"].strftime("%Y-%m-%d %H:%M") if d["last_logged_at"] else ""
            table.add_row(escape(d["name"]), str(d["batches"]), when, f"{d['rows'] or 0:,}", str(d["errors"] or 0),
                          str(d["warnings"] or 0), d["status"] or "")
        console.print(table)
        return
    if alerts:
        st.batches(dataset, 1)  # an unknown dataset is one clear error, not an empty table
        table = Table(title=f"alerts of {escape(dataset)}", title_justify="left")
        for h in ("when", "rule", "notifier", "status", "attempts", "error / message"):
            table.add_column(h, overflow="fold")
        for a in st.alerts(dataset):
            table.add_row(a["at"].strftime("%Y-%m-%d %H:%M:%S"), escape(a["rule"]), a["notifier"], a["status"],
                          str(a["attempts"]), escape(a["error"] or a["message"]))
        console.print(table)
        return
    rows = st.batches(dataset, limit)
    table = Table(title=f"{escape(dataset)}: last {len(rows)} batches", title_justify="left")
    heads = ["batch", "logged", "rows", "errors", "warnings", "kept"]
    if column:
        heads += [f"{column} null share", f"{column} drift", f"{column} mean"]
    for h in heads:
        table.add_column(escape(h), justify="right")
    series = {}
    if column:
        for m in ("null_share", "drift_score", "mean"):
            series[m] = {bid: v for bid, _, v in st.series(dataset, m, column, limit)}
    for b in rows:
        kept = format_pct(1 - b["rows_dropped_share"]) if b["rows_dropped_share"] is not None else ""
        cells = [str(b["id"]), b["logged_at"].strftime("%Y-%m-%d %H:%M"), f"{b['rows']:,}",
                 str(b["errors"]), str(b["warnings"]), kept]
        if column:
            cells += [_fmt(series["null_share"].get(b["id"]), pct=True), _fmt(series["drift_score"].get(b["id"])),
                      _fmt(series["mean"].get(b["id"]))]
        table.add_row(*cells)
    console.print(table)
    if rows:
        console.print("rows per batch: " + _spark([b["rows"] for b in rows]))
        late = overdue(st, dataset, datetime.now(UTC))
        if late:
            console.print(f"[yellow]{escape(late)}[/]")


def lineage_command(
    model: str = typer.Argument(..., help="NAME or NAME@VERSION."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Answer: what data was this model trained on, and what has it seen since?"""
    from tripwire.errors import UsageError
    from tripwire.store import Store

    info = Store(store, create=False).lineage(model)
    if not info["seen"] and not info["training_batches"]:
        raise UsageError(f"no batch logged for model {model!r}; log batches with "
                         "`tripwire log DATA --dataset NAME --model NAME@VERSION`")
    console.print(f"[bold]{escape(model)}[/]")
    console.print("trained on: " + (", ".join(info["trained_on"]) or "unknown (log with --trained-on FINGERPRINT)"))
    for b in info["training_batches"]:
        console.print(f"  batch {b['id']} of {escape(b['dataset'])} logged {b['logged_at']:%Y-%m-%d %H:%M}: "
                      f"{b['rows']:,} rows from {escape(b['source'] or '?')}")
    console.print(f"seen since: {len(info['seen'])} batch(es)")
    for b in info["seen"][-20:]:
        console.print(f"  batch {b['id']} of {escape(b['dataset'])} {b['logged_at']:%Y-%m-%d %H:%M}"
                      f" (version {escape(b['model_version'] or '?')}): {b['rows']:,} rows, "
                      f"{b['errors']} errors, {b['warnings']} warnings")


def reference_command(
    dataset: str = typer.Argument(..., help="The dataset."),
    batch: int = typer.Argument(..., help="The batch id to use as reference (see tripwire history)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Make a logged batch the dataset's reference, used by --reference store:NAME."""
    from tripwire.store import Store

    Store(store, create=False).set_reference(dataset, batch)
    console.print(f"reference of {escape(dataset)} is now batch {batch}; use --reference store:{escape(dataset)}")


def _fmt(value: float | None, pct: bool = False) -> str:
    if value is None:
        return ""
    return format_pct(value) if pct else number(value)


def _spark(values: list[float]) -> str:
    bars = "▁▂▃▄▅▆▇█"
    lo, hi = min(values), max(values)
    if hi == lo:
        return bars[3] * len(values)
    return "".join(bars[int((v - lo) / (hi - lo) * (len(bars) - 1))] for v in values)


def _redacted(url: str) -> str:
    from tripwire.store.store import _redact

    return _redact(url)
