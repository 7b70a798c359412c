"""Profile a Spark DataFrame: the batch profiler per partition (`mapInArrow`), a tree merge.

Each partition is profiled by `tripwire.profiling.profile_batch`, the code every other input
goes through, and returns one partial profile (pickled, with its partition's row count).
Partials are pickled, not written as JSON, and never settled: they carry the full value
counts that keep merges exact (the JSON form is cut to the top values and would merge only
within the stated error). The
partials merge with `treeAggregate`, so executors merge most of them and the driver receives
about √(partitions) of them. A failed task attempt's output is thrown away by Spark and the
attempt that succeeds is the only one merged, so no partition is counted twice.

Row indices: row *i* of partition *p* is `offset(p) + i`, where `offset(p)` is the number of
rows in partitions before *p* (known once the profile pass is done). For a DataFrame made
from an ordered pandas/Arrow table or from files, that is the row's position in the input.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from tripwire.io.normalise import conform, normal_schema
from tripwire.io.source import DEFAULT_BATCH_ROWS
from tripwire.profiling import ColumnProfile, DatasetProfile, ProfileConfig, profile_batch
from tripwire.profiling.stats.sample import ROW_COLUMN, RowSample

#: a partition's rows are numbered `partition << ROW_SHIFT | i` while profiling (up to 2^40 rows
#: per partition), then renumbered to positions once every partition's size is known
ROW_SHIFT = 40
_PARTIAL = "partial"


@dataclass
class SparkProfile:
    """A Spark DataFrame's profile and the row count of each of its partitions."""

    profile: DatasetProfile
    partition_rows: dict[int, int] = field(default_factory=dict)

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
            sample_rows: int | None = None, depth: int = 2) -> DatasetProfile:
    """Profile a Spark DataFrame on the cluster; return the same DatasetProfile as `tripwire.profile`.

    `depth` is the depth of the merge tree (2: the driver merges about √partitions partials).
    """
    cfg = config or ProfileConfig()
    if sample_rows is not None:
        cfg = ProfileConfig(sample_rows=sample_rows, seed=cfg.seed, frequent_capacity=cfg.frequent_capacity)
    return profile_partitions(frame, name=name, config=cfg, depth=depth).profile


def profile_partitions(frame: Any, *, name: str | None = None, config: ProfileConfig | None = None,
                       depth: int = 2) -> SparkProfile:
    """Profile every partition and merge them; keep each partition's row count for the row pass."""
    cfg = config or ProfileConfig()
    schema = arrow_schema(frame)
    partials = frame.mapInArrow(partition_profiler(cfg, schema), f"{_PARTIAL} binary")
    merged = partials.rdd.map(_unpickle).treeAggregate(None, _merge, _merge, depth=depth)
    prof, counts = merged if merged is not None else (DatasetProfile.empty(config=cfg), {})
    if not prof.columns:  # no rows anywhere: still list the columns
        prof.columns = {f.name: ColumnProfile.empty(f.name) for f in schema}
    out = SparkProfile(prof, dict(counts))
    prof.sample = _renumbered(prof.sample, out.offsets())
    prof.settle()
    prof.name = name or "spark dataframe"
    prof.source = {"kind": "spark", "files": _input_files(frame),
                   "partitions": len(out.partition_rows)}
    prof.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    unsupported = unsupported_columns(schema)
    if unsupported:
        prof.notes = [*prof.notes, "profiled as text only (counts, nulls, distinct, frequent values): "
                      + ", ".join(f"{c} ({t})" for c, t in unsupported.items())]
    return out


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
    """Return the function `mapInArrow` runs on each partition: its profile, pickled, in one row."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        base = pid << ROW_SHIFT
        result: DatasetProfile | None = None
        rows = 0
        # Spark hands over batches of 10,000 rows: profile in the batch size every input uses
        for chunk in _chunks(batches, schema, batch_rows):
            part = profile_batch(chunk, base + rows, cfg)
            result = part if result is None else result.merge(part)
            rows += chunk.num_rows
        if result is None:
            return  # an empty partition adds nothing
        blob = pickle.dumps((result, {pid: rows}), protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], pa.binary())], names=[_PARTIAL])

    return run


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


Partial = tuple[DatasetProfile, dict[int, int]]


def _unpickle(row: Any) -> Partial:
    return pickle.loads(row[0])


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
        return list(frame.inputFiles())[:100]
    except Exception:  # not every plan can list files (e.g. a DataFrame built in memory)
        return []
