"""A rolling reference: the merge of a dataset's stored profiles over a window, no data re-read."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tripwire.errors import UsageError
from tripwire.profiling import DatasetProfile, merge_all

_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_rolling(window: str) -> timedelta | None:
    """Return the window of `7d`, `24h`, `2w` (None for `all`); UsageError on anything else."""
    text = window.strip().lower()
    if text == "all":
        return None
    m = re.fullmatch(r"(\d+)\s*([hdw])", text)
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"--rolling {window!r}: give a window such as 7d, 24h, 2w, or 'all'")
    return int(m.group(1)) * _UNITS[m.group(2)]


def rolling_reference(store: object, dataset: str, window: str, before: datetime) -> DatasetProfile | None:
    """Merge the stored profiles of `dataset`'s batches logged in `window` before `before`.

    Each batch's profile is already in the store, so folding in a new day costs one profile
    merge per stored batch in the window and never reads their data again. None when the
    dataset has no batch in the window (the first batch is judged on its own).
    """
    span = parse_rolling(window)
    try:
        batches = store.batches(dataset)  # type: ignore[attr-defined]
    except UsageError:  # a dataset not logged yet
        return None
    chosen = [b for b in batches if b["logged_at"] < before and (span is None or b["logged_at"] >= before - span)]
    if not chosen:
        return None
    merged = merge_all(store.profile(b["id"]) for b in chosen)  # type: ignore[attr-defined]
    merged.settle()
    merged.name = f"{dataset} rolling {window.strip().lower()} ({len(chosen)} batches)"
    merged.notes = [f"reference: the merged profiles of {len(chosen)} stored batches "
                    f"(ids {chosen[0]['id']}..{chosen[-1]['id']}), none re-read"]
    return merged
