"""One run's context: the source, its one profile, the resolved reference, and every pass made.

Every command starts here. The data is opened once and profiled once; the reference (data,
a saved profile.json, a DatasetProfile, or `store:NAME`) is resolved once, here and nowhere
else; and every read of an input is written down, so a report can say how many passes it
took (`report.run.passes`) and a test can hold each command to its budget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from tripwire.engines import handed_over
from tripwire.errors import UsageError
from tripwire.io import Source, open_source
from tripwire.io.kept import KeptBatches, keep_budget, polars_frame
from tripwire.profiling import DatasetProfile, ProfileConfig, is_profile_file
from tripwire.profiling import profile as profile_source
from tripwire.progress import ProgressCallback, close, progress_for
from tripwire.report import DatasetInfo

if TYPE_CHECKING:  # detectors are imported only by the runs that use them
    from tripwire.detectors.registry import ScanContext


@dataclass
class PassLog:
    """Every read of an input this run made, in order: (kind, input name)."""

    passes: list[dict[str, str]] = field(default_factory=list)
    #: batches passes kept in memory for the next pass over the same input
    kept: list[KeptBatches] = field(default_factory=list, repr=False)

    def record(self, kind: str, name: str, *, from_memory: bool = False) -> None:
        """Write down one pass ("types", "profile" or "rows") over an input.

        `from_memory`: the pass replayed batches an earlier pass kept, and read nothing.
        """
        self.passes.append({"kind": kind, "input": name, **({"from": "memory"} if from_memory else {})})

    def counting(self, source: Source, kind_of_next: list[str], keep_bytes: int = 0) -> Source:
        """Return the source with every pass recorded (as the kind `kind_of_next[0]` says).

        With `keep_bytes`, the first pass keeps its batches when they fit that many bytes,
        and later passes replay them (recorded with `"from": "memory"`).
        """
        if source.kind == "csv":  # the CSV reader read the whole file once to decide types
            self.record("types", source.name)
        kept = KeptBatches(source.open_batches, keep_bytes)
        self.kept.append(kept)

        def batches() -> Iterator[pa.RecordBatch]:
            self.record(kind_of_next[0], source.name, from_memory=kept.in_memory)
            return kept.open()

        return dataclasses.replace(source, open_batches=batches)

    def release(self) -> None:
        """Drop every kept batch (once no pass needs them): later passes read their input again."""
        for kept in self.kept:
            kept.release()


@dataclass
class RunContext:
    """What every step of a run looks at."""

    profile: DatasetProfile
    source: Source | None
    reference: DatasetProfile | None
    label: str | None
    prediction: str | None
    options: Mapping[str, Any]
    passes: PassLog
    #: what the next read of `source` is for ("rows" once the profile exists)
    read_kind: list[str] = field(default_factory=lambda: ["profile"])
    #: the data and reference as described by a run that profiles neither (`described_context`)
    described: tuple[DatasetInfo, DatasetInfo | None] | None = None

    def detector_context(self) -> ScanContext:
        """Return the view detectors get."""
        from tripwire.detectors.registry import ScanContext

        return ScanContext(profile=self.profile, reference=self.reference, source=self.source,
                           label=self.label, prediction=self.prediction, options=dict(self.options))

    def dataset_info(self) -> DatasetInfo:
        """Return what a report says about the data."""
        return self.described[0] if self.described is not None else dataset_info(self.profile)

    def reference_info(self) -> DatasetInfo | None:
        """Return what a report says about the reference."""
        if self.described is not None:
            return self.described[1]
        return dataset_info(self.reference) if self.reference is not None else None


def dataset_info(prof: DatasetProfile) -> DatasetInfo:
    """Return what a report says about a profiled data set."""
    return DatasetInfo(prof.name, prof.rows, len(prof.columns), prof.fingerprint)


def open_context(data: Any, reference: Any = None, *, name: str | None = None, label: str | None = None,
                 prediction: str | None = None, options: Mapping[str, Any] | None = None,
                 encoding: str | None = None, progress: bool | ProgressCallback | None = None,
                 store: Any = None, config: ProfileConfig | None = None,
                 passes: PassLog | None = None, keep_rows: bool = False) -> RunContext:
    """Open and profile the data, resolve the reference, and check the named columns exist.

    `data` is anything `tripwire.profile` reads, a saved profile.json or a DatasetProfile
    (then there are no rows to read). `store` is the Store (or its URL) for `store:NAME`.
    `passes`: the log of reads the command made before (of another input), continued here.
    `keep_rows`: a row pass will follow; keep the batches the profile reads when they fit
    the memory budget (`tripwire.io.kept`), so the row pass replays them instead of reading
    the data again. The reference is then resolved (and profiled) first, so the kept batches
    are held only while the detectors and the row pass run: holding them while a second file
    is profiled cost more (fresh memory for its pass) than reading the data again saved.
    """
    passes = passes if passes is not None else PassLog()
    read_kind = ["profile"]
    prof, source = _saved(data)
    ref: DatasetProfile | None = None
    reference_first = keep_rows and prof is None
    if prof is None:
        source = passes.counting(open_source(data, name=name, encoding=encoding), read_kind,
                                 keep_budget() if keep_rows else 0)
        _check_named_columns(source.name, source.schema.names, label, prediction)  # before any pass
        if reference_first:
            ref = resolve_reference(reference, store=store, progress=progress, passes=passes, encoding=encoding)
        prof = _profile(source, name, progress, config)
    _check_named_columns(prof.name, list(prof.columns), label, prediction)
    read_kind[0] = "rows"
    if not reference_first:
        ref = resolve_reference(reference, store=store, progress=progress, passes=passes, encoding=encoding)
    return RunContext(profile=prof, source=source, reference=ref, label=label, prediction=prediction,
                      options=dict(options or {}), passes=passes, read_kind=read_kind)


def described_context(dataset: DatasetInfo, reference: DatasetInfo | None = None, *, passes: PassLog,
                      notes: Sequence[str] = ()) -> RunContext:
    """Return the context of a run that profiles none of its inputs, for `execute` to build its Report.

    For work that reads less than a profile (join-check reads only key columns) or no file at
    all (stored predictions, a suite's own inputs): the report's dataset and reference are as
    described, its notes are `notes` (the sources' notes), and its passes are those `passes` recorded.
    """
    stand_in = DatasetProfile(name=dataset.name, rows=dataset.rows, notes=list(notes))
    return RunContext(profile=stand_in, source=None, reference=None, label=None, prediction=None, options={},
                      passes=passes, described=(dataset, reference))


def _check_named_columns(name: str | None, columns: list[str], label: str | None,
                         prediction: str | None) -> None:
    for col, flag in ((label, "--label"), (prediction, "--prediction")):
        if col is not None and col not in columns:
            raise UsageError(f"{flag} {col!r} is not a column of {name}; columns: {', '.join(columns[:20])}")


def resolve_reference(reference: Any, *, store: Any = None, progress: bool | ProgressCallback | None = None,
                      passes: PassLog | None = None, encoding: str | None = None) -> DatasetProfile | None:
    """Return the reference as a profile: a DatasetProfile, `store:NAME`, a profile.json, or data."""
    if reference is None or isinstance(reference, DatasetProfile):
        return reference
    if isinstance(reference, str) and reference.startswith("store:"):
        from tripwire.store import Store

        st = store if isinstance(store, Store) else Store(store)
        return st.reference(reference[len("store:"):])
    prof, _ = _saved(reference)
    if prof is not None:
        return prof
    log = passes if passes is not None else PassLog()
    source = log.counting(open_source(reference, encoding=encoding), ["profile"])
    return _profile(source, None, progress, None)


def _profile(source: Source, name: str | None, progress: bool | ProgressCallback | None,
             config: ProfileConfig | None) -> DatasetProfile:
    bar = progress_for(progress, source.name)
    try:
        return profile_source(source, name=name, progress=bar, config=config)
    finally:
        close(bar)


def _saved(data: Any) -> tuple[DatasetProfile | None, None]:
    """Return a profile given as such or as a saved profile.json (no rows behind it)."""
    if isinstance(data, DatasetProfile):
        return data, None
    if isinstance(data, (str, Path)) and str(data).endswith(".json") and is_profile_file(Path(data)):
        return DatasetProfile.load(data), None
    return None, None


@handed_over("profile")  # a Spark DataFrame goes to tripwire.spark.profile
def profile(data: Any, *, name: str | None = None, sample_rows: int | None = None,
            progress: bool | ProgressCallback | None = False, encoding: str | None = None,
            config: ProfileConfig | None = None) -> DatasetProfile:
    """Profile any supported input (path, glob, DataFrame, Arrow table, SQL query) in one pass.

    `sample_rows=0` turns the row sample off; `progress=True` shows a bar on stderr once the
    work has run for a moment (or pass your own callback(rows_done, rows_total)).
    """
    cfg = config
    if sample_rows is not None:
        cfg = dataclasses.replace(config or ProfileConfig(), sample_rows=sample_rows)
    return open_context(data, name=name, progress=progress, encoding=encoding, config=cfg).profile


def read_frame(data: Any, *, name: str | None = None, encoding: str | None = None) -> tuple[pl.DataFrame, str]:
    """Read every row of `data` (anything tabular tripwire reads, or a Source) into one frame; return it and its name.

    For inputs a command holds whole (a training or groups table, model tests' rows); a run's
    own data is held with `hold_rows`, from the batches its profile read. A Source from a
    run's context counts as its row pass.
    """
    source = open_source(data, name=name, encoding=encoding)
    frames = [polars_frame(b) for b in source.batches()]  # a kept batch's: the profile converted it
    table = pl.concat(frames, how="vertical_relaxed") if frames else pl.from_arrow(source.schema.empty_table())
    assert isinstance(table, pl.DataFrame)
    return table, str(source.name)


def hold_rows(ctx: RunContext, command: str) -> pl.DataFrame:
    """Read every row of the context's source into one table (the run's row pass), then drop the kept batches.

    For commands that need all rows at once after the profile (k-anonymity, synthetic-check,
    evaluate, annotators): opened with `keep_rows=True`, the pass replays the batches the
    profile read (`"from": "memory"`); once the table holds the rows they are let go.
    """
    if ctx.source is None:
        raise UsageError(f"{ctx.profile.name}: {command} needs the rows, not a saved profile")
    table = read_frame(ctx.source)[0]
    ctx.passes.release()
    return table
