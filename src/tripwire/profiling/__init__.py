"""Profile data in one streaming pass into a small, mergeable DatasetProfile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tripwire.profiling.column import ColumnProfile, profile_column
from tripwire.profiling.dataset import DatasetProfile, ProfileConfig, merge_all, profile_batch

__all__ = [
    "ColumnProfile",
    "DatasetProfile",
    "ProfileConfig",
    "as_profile",
    "is_profile_file",
    "merge_all",
    "profile",
    "profile_batch",
    "profile_column",
]

def profile(data: Any, *, name: str | None = None, config: ProfileConfig | None = None,
            sample_rows: int | None = None,
            progress: Callable[[int, int | None], None] | None = None) -> DatasetProfile:
    """Profile any supported input (path, glob, DataFrame, Arrow table, SQL query) in one pass.

    `sample_rows=0` turns the row sample off. `progress` is called with (rows done, total
    rows or None) after each batch; the faces pass a progress bar (`tripwire.progress`).
    """
    from tripwire.io import open_source

    cfg = config or ProfileConfig()
    if sample_rows is not None:
        cfg = ProfileConfig(sample_rows=sample_rows, seed=cfg.seed,
                            frequent_capacity=cfg.frequent_capacity)
    source = open_source(data, name=name)
    result = DatasetProfile.empty(source.name, cfg)
    offset = 0
    for batch in source.batches():
        result = result.merge(profile_batch(batch, offset, cfg))
        offset += batch.num_rows
        if progress is not None:
            progress(offset, source.num_rows)
    if not result.columns:  # no batch at all (empty input): still list the columns
        result.columns = {n: ColumnProfile.empty(n) for n in source.schema.names}
    result.settle()  # consolidate the exact states with the columns side by side
    result.name = source.name
    result.source = {"kind": source.kind, "files": source.files[:100]}
    result.notes = list(source.notes)
    from datetime import UTC, datetime

    result.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def as_profile(data: Any, *, name: str | None = None,
               progress: Callable[[int, int | None], None] | None = None) -> DatasetProfile:
    """Return `data` as a profile: a DatasetProfile as is, a saved profile.json loaded, else profiled.

    `store:NAME` references are resolved by the run layer (`tripwire.run.context`).
    """
    if isinstance(data, DatasetProfile):
        return data
    if isinstance(data, (str, Path)) and str(data).endswith(".json") and is_profile_file(Path(data)):
        return DatasetProfile.load(data)
    return profile(data, name=name, progress=progress)


def is_profile_file(path: Path) -> bool:
    """Tell whether a file is a saved tripwire profile (its first bytes name the format)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return b'"tripwire-profile"' in head
