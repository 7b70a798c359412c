"""Profile a plain Parquet scan without Spark's row round trip: tasks read their row groups with pyarrow.

A DataFrame that is only `spark.read.parquet(local files)` is handed to Python by Spark as
columns turned into rows turned into Arrow again, which cost 4× the whole single-process
profile on two cores (bench/RESULTS.md). For such a frame, Spark still schedules the work,
but each task opens its row groups with pyarrow (the batch code every file input uses) and
profiles them. Used only where the result is provably the same: every file local, no
partition columns, no filter or projection, and pyarrow's schema, normalised, equal to the
schema Spark hands over. Anything else goes through `mapInArrow`.

Row numbers: row groups are numbered in sorted path order, then row group, so the sample's
row indices are positions in the files read in that order (a directory's files as
`tripwire.profile` reads them). The files come from the relation's file index, not
`DataFrame.inputFiles()`: that is a set in hash order, and a path given twice, which Spark
reads twice, would be read once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlparse

import pyarrow as pa

from tripwire.io.source import DEFAULT_BATCH_ROWS
from tripwire.profiling import DatasetProfile, ProfileConfig
from tripwire.spark.partial import Partial, pack
from tripwire.spark.profile import PARTIALS, ROW_SHIFT, merge_tree

#: tasks per core: enough to keep every core busy while row groups differ in size
TASKS_PER_CORE = 4


def parquet_row_groups(frame: Any, schema: pa.Schema) -> list[tuple[str, int]] | None:
    """Return the (local file, row group) pairs a plain Parquet frame reads, None when it is not one."""
    import pyarrow.parquet as pq

    from tripwire.io.normalise import normal_schema

    try:
        plan = frame._jdf.queryExecution().optimizedPlan()
        if plan.getClass().getSimpleName() != "LogicalRelation":
            return None
        relation = plan.relation()
        if relation.getClass().getSimpleName() != "HadoopFsRelation" or \
                str(relation.fileFormat().toString()).lower() != "parquet" or relation.partitionSchema().length():
            return None
        files = sorted(_local_path(str(f)) or "" for f in relation.location().inputFiles())
    except Exception:  # Spark Connect, another plan shape: not a plain scan as far as we can tell
        return None
    if not files or not all(files):
        return None
    groups = []
    for path in files:
        try:
            meta = pq.ParquetFile(path)
        except (OSError, pa.ArrowException):
            return None
        if normal_schema(meta.schema_arrow)[0] != schema:  # Spark reads some types otherwise
            return None
        groups += [(path, g) for g in range(meta.metadata.num_row_groups)]  # type: ignore[misc]
    return groups


def profile_row_groups(frame: Any, groups: list[tuple[str, int]], schema: pa.Schema,
                       cfg: ProfileConfig) -> Partial | None:
    """Profile the row groups in Spark tasks (pyarrow reads them) and merge the partials."""
    spark = frame.sparkSession
    tasks = max(1, min(len(groups), TASKS_PER_CORE * spark.sparkContext.defaultParallelism))

    def work(task: int, _: Iterator[Any]) -> Iterator[tuple[int, bytes]]:
        import pyarrow.parquet as pq

        from tripwire.io.normalise import conform
        from tripwire.profiling import profile_batch

        result: DatasetProfile | None = None
        rows: dict[int, int] = {}
        opened: tuple[str, pq.ParquetFile] | None = None  # the file last read: its footer read once
        for number in range(task, len(groups), tasks):
            path, group = groups[number]
            if opened is None or opened[0] != path:
                opened = (path, pq.ParquetFile(path))
            done = 0
            for batch in opened[1].iter_batches(batch_size=DEFAULT_BATCH_ROWS, row_groups=[group]):
                part = profile_batch(conform(batch, schema), (number << ROW_SHIFT) + done, cfg)
                result = part if result is None else result.merge(part)
                done += batch.num_rows
            rows[number] = done
        if result is not None:
            yield min(rows), pack((result, rows))

    packed = spark.sparkContext.parallelize(range(tasks), tasks).mapPartitionsWithIndex(work)
    return merge_tree(spark.createDataFrame(packed, PARTIALS), tasks)


def _local_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme not in ("file", ""):
        return None
    return unquote(parsed.path)
