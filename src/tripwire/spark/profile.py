"""Profile a Spark DataFrame: the batch profiler per partition (`mapInArrow`), a merge tree.

Each partition is profiled by `tripwire.profiling.profile_batch`, the code every other input
goes through, and returns one partial profile with its partition's row count, packed compact
(`tripwire.spark.partial`: exact states consolidated, buffers compressed). Partials are not
written as JSON and never settled: they carry the full value counts that keep merges exact
(the JSON form is cut to the top values and would merge only within the stated error).
Partials stay Arrow rows all the way (no Python-object hop through the JVM): while there
are more than FAN_IN of them, Spark groups them by partition into fewer tasks that merge
them; the driver then collects at most FAN_IN partials, so its memory does not grow with
the number of partitions. A failed task attempt's output is thrown away by Spark and the
attempt that succeeds is the only one merged, so no partition is counted twice.

Row indices: row *i* of partition *p* is `offset(p) + i`, where `offset(p)` is the number of
rows in partitions before *p* (known once the profile pass is done). For a DataFrame made
from an ordered pandas/Arrow table or from files, that is the row's position in the input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from tripwire.io.normalise import conform, normal_schema
from tripwire.io.source import DEFAULT_BATCH_ROWS
from tripwire.profiling import ColumnProfile, DatasetProfile, ProfileConfig, profile_batch
from tripwire.profiling.stats.sample import ROW_COLUMN, RowSample
from tripwire.spark.partial import Partial, pack, unpack

#: a partition's rows are numbered `partition << ROW_SHIFT | i` while profiling (up to 2^40 rows
#: per partition), then renumbered to positions once every partition's size is known
ROW_SHIFT = 40
#: the driver merges at most this many partials; Spark merges the rest in rounds before
FAN_IN = 8
#: partials one merge task takes in at most (more partitions: more merge rounds)
MERGE_GROUP = 64
#: the schema of partial profiles as Spark rows: the first partition covered and the packed bytes
PARTIALS = "pid int, partial binary"


@dataclass
class SparkProfile:
    """A Spark DataFrame's profile and the row count of each of its partitions."""

    profile: DatasetProfile
    #: rows per unit of work: per partition, or per row group when `row_groups` is set
    partition_rows: dict[int, int] = field(default_factory=dict)
    #: a plain Parquet frame's row groups (tripwire.spark.direct.RowGroups): every pass reads them with pyarrow
    row_groups: Any = None

    def offsets(self) -> dict[int, int]:
        """Return, per partition, the index of its first row."""
        return first_rows(self.partition_rows)


def first_rows(partition_rows: dict[int, int]) -> dict[int, int]:
    """Return, per partition, the index of its first row, given each partition's row count."""
    out, total = {}, 0
    for pid in sorted(partition_rows):
        out[pid] = total
        total += partition_rows[pid]
    return out


def profile(frame: Any, *, name: str | None = None, config: ProfileConfig | None = None,
            sample_rows: int | None = None) -> DatasetProfile:
    """Profile a Spark DataFrame on the cluster; return the same DatasetProfile as `tripwire.profile`."""
    cfg = config or ProfileConfig()
    if sample_rows is not None:
        cfg = ProfileConfig(sample_rows=sample_rows, seed=cfg.seed, frequent_capacity=cfg.frequent_capacity)
    return profile_layout(frame, name=name, config=cfg).profile


def profile_layout(frame: Any, *, name: str | None = None, config: ProfileConfig | None = None) -> SparkProfile:
    """Profile the frame, reading a plain Parquet scan's row groups with pyarrow (tripwire.spark.direct).

    Every later pass over the frame (the row pass, the `key=` lookup) reads it the way the
    returned layout says, so rows have one numbering in the profile and in the report.
    """
    from tripwire.spark.direct import parquet_row_groups, profile_row_groups

    cfg = config or ProfileConfig()
    schema = arrow_schema(frame)
    groups = parquet_row_groups(frame, schema)
    if groups is None:
        return profile_partitions(frame, name=name, config=cfg)
    files = sorted(dict.fromkeys(uri for uri, _ in groups.groups))[:100]
    out = _finished(profile_row_groups(frame, groups, cfg), frame, schema, cfg, name, files)
    out.row_groups = groups
    out.profile.source = {**out.profile.source, "partitions": None, "row_groups": len(groups.groups),
                          "reader": "pyarrow"}
    return out


def profile_partitions(frame: Any, *, name: str | None = None,
                       config: ProfileConfig | None = None) -> SparkProfile:
    """Profile every partition and merge them; keep each partition's row count for the row pass."""
    cfg = config or ProfileConfig()
    schema = arrow_schema(frame)
    partials = frame.mapInArrow(partition_profiler(cfg, schema), PARTIALS)
    return _finished(merge_tree(partials, _partitions(frame)), frame, schema, cfg, name)


def _finished(merged: Partial | None, frame: Any, schema: pa.Schema, cfg: ProfileConfig,
              name: str | None, files: list[str] | None = None) -> SparkProfile:
    """Return the merged partial as the frame's profile: rows renumbered, settled, named."""
    prof, counts = merged if merged is not None else (DatasetProfile.empty(config=cfg), {})
    if not prof.columns:  # no rows anywhere: still list the columns
        prof.columns = {f.name: ColumnProfile.empty(f.name) for f in schema}
    out = SparkProfile(prof, dict(counts))
    prof.sample = _renumbered(prof.sample, out.offsets())
    prof.settle()
    prof.name = name or "spark dataframe"
    # files the caller listed already (a plain Parquet scan's) are not listed by Spark again
    prof.source = {"kind": "spark", "files": files if files is not None else _input_files(frame),
                   "partitions": len(out.partition_rows)}
    prof.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    unsupported = unsupported_columns(schema)
    if unsupported:
        prof.notes = [*prof.notes, "profiled as text only (counts, nulls, distinct, frequent values): "
                      + ", ".join(f"{c} ({t})" for c, t in unsupported.items())]
    return out


def _partitions(frame: Any) -> int:
    """Return how many partitions the frame has (Spark Connect cannot say: then one merge round)."""
    try:
        return int(frame.rdd.getNumPartitions())
    except Exception:  # Connect has no RDDs
        return FAN_IN + 1


def merge_tree(partials: Any, partitions: int) -> Partial | None:
    """Merge a DataFrame of packed partials (`PARTIALS`); return the merged partial, None without rows.

    Rounds of Spark tasks merge groups of up to MERGE_GROUP partials until at most FAN_IN
    are left, which the driver collects (as Arrow) and merges one at a time.
    """
    n = partitions
    while n > FAN_IN:
        n = max(FAN_IN, math.ceil(n / MERGE_GROUP))
        # grouped by their first partition: a hash of a column, the same on a retried task
        partials = partials.repartition(n, "pid").mapInArrow(_merge_packed, PARTIALS)
    merged: Partial | None = None
    for blob in collect_arrow(partials).column("partial").to_pylist():
        merged = _merge(merged, unpack(blob))
    return merged


def collect_arrow(frame: Any) -> pa.Table:
    """Run a Spark job and return its rows as Arrow; a failed job (unreadable data, say) is one InputError line.

    An exception in tripwire's own Python code on an executor is not the data's fault and
    is raised as it is.
    """
    from pyspark.errors import PythonException

    from tripwire.errors import InputError

    try:
        return frame.toArrow()
    except PythonException as exc:  # tripwire's code, or pyarrow reading a file in a task (tripwire.spark.direct)
        from tripwire.spark.direct import unreadable_reason

        reason = unreadable_reason(exc)
        if reason is None:
            raise
        raise InputError(f"the Spark job failed: {reason}", hint="check the input files") from exc
    except Exception as exc:
        if "Py4J" not in type(exc).__name__ and not type(exc).__module__.startswith("pyspark"):
            raise
        from tripwire.spark.session import spark_reason

        raise InputError(f"the Spark job failed: {spark_reason(exc)}",
                         hint="check the input files and the Spark logs of the failed task") from exc


def _merge_packed(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Merge every partial a task is given into one (a mapInArrow function)."""
    merged: Partial | None = None
    for batch in batches:
        for blob in batch.column("partial").to_pylist():
            merged = _merge(merged, unpack(blob))
    if merged is not None:
        yield _partial_row(merged)


def _partial_row(partial: Partial) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([min(partial[1])], pa.int32()), pa.array([pack(partial)], pa.binary())],
                                      names=["pid", "partial"])


def arrow_schema(frame: Any) -> pa.Schema:
    """Return the normalised Arrow schema of a Spark DataFrame's rows as tripwire reads them."""
    from pyspark.sql.pandas.types import to_arrow_schema

    zone = frame.sparkSession.conf.get("spark.sql.session.timeZone") or "UTC"
    return normal_schema(to_arrow_schema(frame.schema, timezone=zone, prefers_large_types=False))[0]


def unsupported_columns(schema: pa.Schema) -> dict[str, str]:
    """Return the columns with nested or binary types, which have no numeric or text statistics."""
    out = {}
    for f in schema:
        t = f.type
        if pa.types.is_map(t) or pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
            out[f.name] = str(t)
        elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
            out[f.name] = "binary"
    return out


def partition_profiler(cfg: ProfileConfig, schema: pa.Schema,
                       batch_rows: int = DEFAULT_BATCH_ROWS) -> Callable[[Iterator[pa.RecordBatch]],
                                                                        Iterator[pa.RecordBatch]]:
    """Return the function `mapInArrow` runs on each partition: its profile, packed, in one row."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        # Spark hands over batches of 10,000 rows: profile in the batch size every input uses
        result, rows = profile_unit(_chunks(batches, schema, batch_rows), pid, cfg)
        if result is None:
            return  # an empty partition adds nothing
        yield _partial_row((result, {pid: rows}))

    return run


def profile_unit(batches: Iterable[pa.RecordBatch], unit: int, cfg: ProfileConfig,
                 into: DatasetProfile | None = None) -> tuple[DatasetProfile | None, int]:
    """Profile one unit of work's batches (a partition, or a row group read with pyarrow) and its rows.

    Its rows are numbered `unit << ROW_SHIFT` onward (`_finished` turns them into positions);
    each batch's profile is merged into `into` (a task's earlier units), in order.
    """
    result = into
    rows = 0
    for batch in batches:
        part = profile_batch(batch, (unit << ROW_SHIFT) + rows, cfg)
        result = part if result is None else result.merge(part)
        rows += batch.num_rows
    return result, rows


def _chunks(batches: Iterator[pa.RecordBatch], schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Regroup Spark's small Arrow batches into batches of about `batch_rows`, typed as `schema`."""
    held: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        held.append(conform(batch, schema))
        n += batch.num_rows
        if n >= batch_rows:
            yield _combined(held, schema)
            held, n = [], 0
    if held:
        yield _combined(held, schema)


def _combined(batches: list[pa.RecordBatch], schema: pa.Schema) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches, schema=schema).combine_chunks().to_batches()[0]


def _merge(a: Partial | None, b: Partial | None) -> Partial | None:
    if a is None:
        return b
    if b is None:
        return a
    return a[0].merge(b[0]), {**a[1], **b[1]}


def positions(encoded: np.ndarray, offsets: dict[int, int]) -> np.ndarray:
    """Return `partition << ROW_SHIFT | i` row numbers as positions in the frame."""
    if not encoded.size:
        return np.zeros(0, np.int64)
    pids = encoded >> ROW_SHIFT
    lookup = np.array([offsets.get(p, 0) for p in range(int(pids.max()) + 1)], dtype=np.int64)
    return lookup[pids] + (encoded & ((1 << ROW_SHIFT) - 1))


def _renumbered(sample: RowSample, offsets: dict[int, int]) -> RowSample:
    """Return the sample with partition-local row numbers replaced by positions in the frame."""
    table = sample.table
    if table is None or not table.num_rows:
        return sample
    rows = positions(table.column(ROW_COLUMN).to_numpy().astype(np.int64), offsets)
    i = table.schema.get_field_index(ROW_COLUMN)
    return RowSample(sample.capacity, table.set_column(i, ROW_COLUMN, pa.array(rows)), sample.seed)


def _input_files(frame: Any) -> list[str]:
    try:
        return sorted(frame.inputFiles())[:100]  # a set in hash order: sorted, the first 100 are the first
    except Exception:  # not every plan can list files (e.g. a DataFrame built in memory)
        return []
