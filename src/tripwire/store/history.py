"""Judge a batch against its dataset's history: row count far from recent batches
(data.volume_change) and a batch later than the dataset's cadence (data.stale)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from tripwire.detectors.common import pct
from tripwire.errors import UsageError
from tripwire.report import Finding
from tripwire.report.codes import code_info
from tripwire.store.store import Store

RECENT = 10
MIN_HISTORY = 5
#: robust z-score (median/MAD) beyond which a row count is far from the recent batches'
Z_LIMIT = 5.0


def judge(store: Store, dataset: str, rows: int, now: datetime) -> list[Finding]:
    """Return volume and staleness findings for a batch about to be logged."""
    try:
        recent = store.batches(dataset, RECENT)
    except Exception:
        return []
    out = []
    counts = [b["rows"] for b in recent]
    if len(counts) >= MIN_HISTORY:
        med = statistics.median(counts)
        mad = statistics.median(abs(c - med) for c in counts) * 1.4826
        change = (rows - med) / med if med else float("inf")
        z = abs(rows - med) / mad if mad else (float("inf") if rows != med else 0.0)
        if z > Z_LIMIT and abs(change) >= 0.2:
            severity = "error" if abs(change) >= 0.5 else "warning"
            out.append(Finding(
                "data.volume_change", severity, (), f"{rows:,} rows, {pct(abs(change))} "
                f"{'more' if change > 0 else 'fewer'} than the recent median of {med:,.0f}",
                {"rows": rows, "median": med, "mad": mad, "change": change, "z": z if z != float("inf") else "inf",
                 "recent": counts}, fix=code_info("data.volume_change").fix, detector="history.volume"))
    times = [b["logged_at"] for b in recent if b["logged_at"] is not None]
    if times:
        gap = (now - times[-1]).total_seconds()
        cadence, learned = expected_cadence(store, dataset, times)
        if cadence and gap > 2 * cadence:
            out.append(Finding(
                "data.stale", "warning", (), f"this batch came {_human(gap)} after the previous one; "
                f"the {'usual' if learned else 'expected'} cadence is {_human(cadence)}",
                {"gap_seconds": gap, "cadence_seconds": cadence, "cadence_learned": learned,
                 "previous_batch_at": times[-1].isoformat()},
                fix="Check the upstream feed's schedule; batches arrive less often than agreed.",
                detector="history.cadence"))
    return out


def overdue(store: Store, dataset: str, now: datetime) -> str | None:
    """Return a sentence when no batch arrived within twice the cadence, else None."""
    recent = store.batches(dataset, RECENT)
    times = [b["logged_at"] for b in recent]
    if not times:
        return None
    cadence, _ = expected_cadence(store, dataset, times)
    gap = (now - times[-1]).total_seconds()
    if cadence and gap > 2 * cadence:
        return f"overdue: last batch {_human(gap)} ago, cadence {_human(cadence)}"
    return None


def expected_cadence(store: Store, dataset: str, times: list[datetime]) -> tuple[float | None, bool]:
    """Return (seconds between batches, learned?): the set cadence, else the median recent gap."""
    cadence = store.cadence(dataset)
    if cadence is not None:
        return cadence, False
    if len(times) >= 4:
        return statistics.median((b - a).total_seconds() for a, b in pairwise(times)), True
    return None, True


def _human(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


#: a batch of last year within this many days of the same date counts as "the same season"
SEASON_DAYS = 15


def seasonal_reference(store: Store, dataset: str, when: datetime) -> Any:
    """Return the merged profile of the batches logged around the same date a year earlier.

    None unless the history reaches back a year and holds batches in that window. Judging a
    July batch against last July, not against January, keeps seasons from being called drift.
    """
    from tripwire.profiling import merge_all

    try:
        batches = store.batches(dataset)
    except UsageError:
        return None
    target = when - timedelta(days=365)
    chosen = [b for b in batches if b["logged_at"] is not None
              and abs(b["logged_at"] - target) <= timedelta(days=SEASON_DAYS)]
    if not chosen:
        return None
    merged = merge_all(store.profile(b["id"]) for b in chosen)
    merged.name = f"{dataset}, {len(chosen)} batch(es) around {target:%Y-%m-%d}"
    merged.notes = [f"seasonal reference: batches {', '.join(str(b['id']) for b in chosen[:10])}"]
    return merged
