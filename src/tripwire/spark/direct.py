"""Plain Parquet scans without Spark's row round trip: Spark tasks read their row groups with pyarrow.

A DataFrame that is only `spark.read.parquet(files)` is handed to Python by Spark as columns
turned into rows turned into Arrow again, which cost 4× the whole single-process profile on
two cores (bench/RESULTS.md). For such a frame Spark still schedules the work, but each task
opens its row groups with pyarrow (the batch code every file input uses): the profile pass
and every row pass (failing rows, the quarantine, repeated keys, the `key=` lookup). Used
only where the result is provably the same: every file on a filesystem pyarrow opens from
the path Spark lists (`file:`, and `s3a:`/`s3:`, `gs:`, `hdfs:` when pyarrow can open them
with its own credentials), no partition columns, no filter or projection, and pyarrow's
schema, normalised, equal to the schema Spark hands over. Anything else goes through
`mapInArrow`.

Row numbers: a unit of work is one row group, numbered in sorted path order then row group,
so row *i* of the data is the *i*-th row of the files read in that order (a directory's
files as `tripwire.profile` reads them). The files come from the relation's file index, not
`DataFrame.inputFiles()`: that is a set in hash order, and a path given twice, which Spark
reads twice, would be read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tripwire.io.source import DEFAULT_BATCH_ROWS
from tripwire.profiling import DatasetProfile, ProfileConfig
from tripwire.spark.partial import Partial, pack
from tripwire.spark.profile import PARTIALS, ROW_SHIFT, merge_tree

#: tasks per core: enough to keep every core busy while row groups differ in size
TASKS_PER_CORE = 4
#: Parquet footers read at once on the driver (each is one small read; waits overlap)
FOOTER_THREADS = 16
#: Hadoop's names for filesystems pyarrow knows by another
_SCHEMES = {"s3a": "s3", "s3n": "s3"}

#: what a unit of work runs: (unit number, its Arrow batches) -> output batches
UnitFunction = Callable[[int, Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]
#: how a task's failed pyarrow read starts: the driver tells the data's fault from a bug by it
UNREADABLE = "tripwire cannot read "


class UnreadableFileError(OSError):
    """A row group pyarrow cannot read in a task (a corrupt page, a file gone): the data's fault."""


def unreadable_reason(exc: BaseException) -> str | None:
    """Return the one line an UnreadableFileError in a Spark task gave, None for any other failure."""
    import re

    found = re.findall(re.escape(UNREADABLE) + r"[^\n]*", str(exc))
    return found[-1].strip()[:300] if found else None


@dataclass(frozen=True)
class RowGroups:
    """The row groups a plain Parquet frame reads, in row order: (file URI, row group)."""

    groups: tuple[tuple[str, int], ...]
    schema: pa.Schema

    def tasks(self, spark: Any) -> int:
        """Return how many Spark tasks share the row groups."""
        return max(1, min(len(self.groups), TASKS_PER_CORE * spark.sparkContext.defaultParallelism))


def parquet_row_groups(frame: Any, schema: pa.Schema) -> RowGroups | None:
    """Return the row groups a plain Parquet frame reads, None when it is not one pyarrow can read."""
    try:
        plan = frame._jdf.queryExecution().optimizedPlan()
        if plan.getClass().getSimpleName() != "LogicalRelation":
            return None
        relation = plan.relation()
        if relation.getClass().getSimpleName() != "HadoopFsRelation" or \
                str(relation.fileFormat().toString()).lower() != "parquet" or relation.partitionSchema().length():
            return None
        files = sorted(str(f) for f in relation.location().inputFiles())
    except Exception:  # Spark Connect, another plan shape: not a plain scan as far as we can tell
        return None
    if not files:
        return None
    from tripwire.io.normalise import normal_schema

    groups: list[tuple[str, int]] = []
    for uri, footer in zip(files, footers(files), strict=True):
        if footer is None or normal_schema(footer[0])[0] != schema:  # Spark reads some types otherwise
            return None
        groups += [(uri, g) for g in range(footer[1])]
    return RowGroups(tuple(groups), schema)


def footers(files: Sequence[str]) -> list[tuple[pa.Schema, int] | None]:
    """Return each Parquet file's Arrow schema and number of row groups (None where pyarrow cannot open it), in order.

    Read side by side: a footer is one small read, and on an object store its wait, not its
    work, is the cost (a thousand files read one after another wait a thousand times).
    """
    from concurrent.futures import ThreadPoolExecutor

    def read(uri: str) -> tuple[pa.Schema, int] | None:
        file = _Files().get(uri)
        return None if file is None else (file.schema_arrow, file.metadata.num_row_groups)

    if len(files) < 2:
        return [read(uri) for uri in files]
    with ThreadPoolExecutor(max_workers=min(FOOTER_THREADS, len(files)), thread_name_prefix="tripwire-footer") as pool:
        return list(pool.map(read, files))


def filesystem_path(uri: str) -> tuple[Any, str] | None:
    """Return pyarrow's filesystem and path for a file Spark lists, None when pyarrow cannot open it."""
    from pyarrow import fs

    scheme, sep, rest = uri.partition(":")
    if not sep or len(scheme) < 2:  # a bare path (or a Windows drive)
        return fs.LocalFileSystem(), uri
    scheme = _SCHEMES.get(scheme.lower(), scheme.lower())
    try:
        return fs.FileSystem.from_uri(f"{scheme}:{rest}")
    except (pa.ArrowException, OSError, ValueError):  # no such filesystem built in, or it cannot connect
        return None


class _Files:
    """Parquet files opened with pyarrow, the last one kept open (its footer read once)."""

    def __init__(self) -> None:
        self.uri: str | None = None
        self.file: Any = None

    def get(self, uri: str) -> Any:
        import pyarrow.parquet as pq

        if uri != self.uri:
            found = filesystem_path(uri)
            if found is None:
                return None
            filesystem, path = found
            try:
                self.file = pq.ParquetFile(filesystem.open_input_file(path))
            except (OSError, pa.ArrowException):
                return None
            self.uri = uri
        return self.file

    def batches(self, uri: str, group: int, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
        """Yield one row group's batches (only `columns` when given); UnreadableFileError when pyarrow cannot."""
        file = self.get(uri)
        if file is None:
            raise UnreadableFileError(f"{UNREADABLE}{uri}: pyarrow cannot open it any more")
        try:
            yield from file.iter_batches(batch_size=DEFAULT_BATCH_ROWS, row_groups=[group],
                                         columns=list(columns) if columns is not None else None)
        except (OSError, pa.ArrowException) as exc:  # a corrupt page behind a good footer, say
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UnreadableFileError(f"{UNREADABLE}{uri} (row group {group}): {first}") from exc


def map_units(frame: Any, groups: RowGroups | None, work: UnitFunction, schema: str,
              columns: Sequence[str] | None = None) -> Any:
    """Run `work` on every unit of the frame as Spark tasks; return the DataFrame of its output (`schema`).

    A unit is a partition (`mapInArrow`, numbered by partition id) or, for a plain Parquet
    frame, a row group its task reads with pyarrow (numbered as `RowGroups` says). `columns`
    limits what is read.
    """
    if groups is None:
        def by_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            from pyspark import TaskContext

            yield from work(TaskContext.get().partitionId(), batches)

        picked = frame.select(*columns) if columns is not None else frame
        return picked.mapInArrow(by_partition, schema)
    spark = frame.sparkSession
    tasks = groups.tasks(spark)
    listed = groups.groups

    def by_row_group(seed: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        for _ in seed:  # the one-row input that makes the task
            pass
        task = TaskContext.get().partitionId()
        files = _Files()
        for number in range(task, len(listed), tasks):
            uri, group = listed[number]
            yield from work(number, files.batches(uri, group, columns))

    return spark.range(0, tasks, 1, tasks).mapInArrow(by_row_group, schema)


def driver_batches(groups: RowGroups) -> Iterator[pa.RecordBatch]:
    """Yield every row in row order, read by this process with pyarrow (for detectors that need them all)."""
    from tripwire.io.normalise import conform

    files = _Files()
    for uri, group in groups.groups:
        for batch in files.batches(uri, group):
            yield conform(batch, groups.schema)


def profile_row_groups(frame: Any, groups: RowGroups, cfg: ProfileConfig) -> Partial | None:
    """Profile the row groups in Spark tasks (pyarrow reads them) and merge the partials."""
    spark = frame.sparkSession
    tasks = groups.tasks(spark)
    listed, schema = groups.groups, groups.schema

    def work(task: int, _: Iterator[Any]) -> Iterator[tuple[int, bytes]]:
        from tripwire.io.normalise import conform
        from tripwire.profiling import profile_batch

        result: DatasetProfile | None = None
        rows: dict[int, int] = {}
        files = _Files()
        for number in range(task, len(listed), tasks):
            done = 0
            for batch in files.batches(*listed[number]):
                part = profile_batch(conform(batch, schema), (number << ROW_SHIFT) + done, cfg)
                result = part if result is None else result.merge(part)
                done += batch.num_rows
            rows[number] = done
        if result is not None:
            yield min(rows), pack((result, rows))

    packed = spark.sparkContext.parallelize(range(tasks), tasks).mapPartitionsWithIndex(work)
    return merge_tree(spark.createDataFrame(packed, PARTIALS), tasks)
