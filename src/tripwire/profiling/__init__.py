"""Profile data in one streaming pass into a small, mergeable DatasetProfile."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tripwire.profiling.column import ColumnProfile, profile_column
from tripwire.profiling.dataset import DatasetProfile, ProfileConfig, merge_all, profile_batch

__all__ = [
    "ColumnProfile",
    "DatasetProfile",
    "ProfileConfig",
    "as_profile",
    "merge_all",
    "profile",
    "profile_batch",
    "profile_column",
]

#: show a progress bar only when profiling takes longer than this many seconds
PROGRESS_AFTER_SECONDS = 1.5


def profile(data: Any, *, name: str | None = None, config: ProfileConfig | None = None,
            sample_rows: int | None = None, progress: bool = False) -> DatasetProfile:
    """Profile any supported input (path, glob, DataFrame, Arrow table, SQL query) in one pass.

    `sample_rows=0` turns the row sample off. `progress=True` shows a progress bar on
    stderr once profiling has run for a moment.
    """
    from tripwire.io import open_source

    cfg = config or ProfileConfig()
    if sample_rows is not None:
        cfg = ProfileConfig(sample_rows=sample_rows, seed=cfg.seed,
                            frequent_capacity=cfg.frequent_capacity)
    source = open_source(data, name=name)
    result = DatasetProfile.empty(source.name, cfg)
    offset = 0
    bar = _LazyProgress(source.num_rows, source.name) if progress else None
    try:
        for batch in source.batches():
            result = result.merge(profile_batch(batch, offset, cfg))
            offset += batch.num_rows
            if bar is not None:
                bar.advance(offset)
    finally:
        if bar is not None:
            bar.close()
    if not result.columns:  # no batch at all (empty input): still list the columns
        result.columns = {n: ColumnProfile.empty(n) for n in source.schema.names}
    result.settle()  # consolidate the exact states with the columns side by side
    result.name = source.name
    result.source = {"kind": source.kind, "files": source.files[:100]}
    result.notes = list(source.notes)
    from datetime import UTC, datetime

    result.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def as_profile(data: Any, *, name: str | None = None, progress: bool = False) -> DatasetProfile:
    """Return `data` as a profile: a DatasetProfile as is, `store:NAME` (the dataset's stored
    reference), a saved profile.json loaded, else profiled."""
    if isinstance(data, DatasetProfile):
        return data
    if isinstance(data, str) and data.startswith("store:"):  # the dataset's stored reference
        from tripwire.store import resolve_reference

        return resolve_reference(data)  # type: ignore[return-value]
    if isinstance(data, (str, Path)) and str(data).endswith(".json") and _is_profile_file(Path(data)):
        return DatasetProfile.load(data)
    return profile(data, name=name, progress=progress)


def _is_profile_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return b'"tripwire-profile"' in head


class _LazyProgress:
    """A Rich progress bar on stderr that appears only when the work takes a while."""

    def __init__(self, total: int | None, label: str) -> None:
        self.total, self.label = total, label
        self.start = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def advance(self, done: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_AFTER_SECONDS:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("profiling {task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
