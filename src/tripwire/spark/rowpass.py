"""The shared row pass on Spark: locators, the quarantine and detector row tasks, as Spark jobs.

`tripwire.run.rowpass.row_pass` hands the whole pass to a source that has a
`distributed_row_pass` (this module's SparkSource). Each unit of work — a partition
(`mapInArrow`), or a row group of a plain Parquet scan that its task reads with pyarrow
(tripwire.spark.direct) — evaluates every locator with the same Polars code the
single-process pass uses, writes its kept and rejected rows as Parquet part files, and
returns counts, its first failing rows and a few examples; partials merge in a tree, keeping
the first rows in row order, so the driver never holds more than the report shows. Rows are
named `(unit, i)` on the executors and renumbered to positions with each unit's row count.

Not distributable as written: a detector's RowTask (whole-row hashes, say) keeps state
across every row in one process; its batches are streamed to the driver one partition at a
time (a plain Parquet scan: read by the driver with pyarrow) unless `row_tasks=False`, which
skips those detectors.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from tripwire.detectors.registry import DetectorRun
from tripwire.io.source import DEFAULT_BATCH_ROWS, Source
from tripwire.locators import ExprLocator, MaxLocator, OrderLocator, RepeatedKeyLocator
from tripwire.report.finding import MAX_ALL_ROWS
from tripwire.run.rowpass import (
    EXAMPLES,
    FAILED_CHECKS_COLUMN,
    Quarantine,
    RowFindings,
    RowRequest,
    _example,
    _first_line,
    _plain_masks,
    failed_checks,
)
from tripwire.spark.direct import RowGroups, UnitFunction, driver_batches, map_units
from tripwire.spark.profile import ROW_SHIFT, SparkProfile, _chunks, first_rows, positions
from tripwire.vocabulary import hash_rows

_LOCAL = (1 << ROW_SHIFT) - 1


@dataclass
class SparkSource(Source):
    """A Spark DataFrame as a Source: its row pass runs on the cluster (see the module doc)."""

    frame: Any = None
    layout: SparkProfile | None = None
    #: stream partitions to the driver for detector row tasks (False: skip those detectors)
    row_tasks: bool = True
    passes: Any = None
    #: a column of non-negative integers that names rows in reports instead of positions (`key=`)
    key: str | None = None
    #: position -> key value of the rows the row pass listed, read in that same pass (exact)
    named: dict[int, int] = field(default_factory=dict)

    def named_rows(self, report: Any) -> Any:
        """Return the report with its rows named by `key` (as it is without one); the run calls it before storing."""
        if self.key is None:
            return report
        from tripwire.spark.keyed import keyed_report

        layout = self.layout or SparkProfile(report.extra["profile"])
        return keyed_report(report, self.frame, layout.offsets(), self.key, layout.row_groups, known=self.named)

    def distributed_row_pass(self, requests: Sequence[RowRequest], detectors: DetectorRun | None,
                             quarantine: Quarantine | None,
                             progress: Callable[[int, int | None], None] | None = None
                             ) -> tuple[dict[str, RowFindings], dict[str, Any] | None]:
        """Run the row pass as Spark jobs; return what each request found and the quarantine counts."""
        if self.passes is not None:
            self.passes.record("rows", self.name)
        offsets = self.layout.offsets() if self.layout is not None else {}
        groups = self.layout.row_groups if self.layout is not None else None
        found, summary = spark_row_pass(self.frame, self.schema, requests, quarantine, offsets, groups,
                                        key=self.key, named=self.named)
        if detectors is not None and detectors.tasks:
            if self.row_tasks:
                if self.passes is not None:
                    self.passes.record("rows", self.name)
                offset = 0
                for batch in self.open_batches():
                    df = pl.from_arrow(batch)
                    assert isinstance(df, pl.DataFrame)
                    detectors.feed(df, offset)
                    offset += batch.num_rows
            else:
                for name in list(detectors.tasks):
                    detectors.tasks.pop(name)
                    detectors.failed[name] = ("not run on Spark: it needs every row in one process "
                                              "(row_tasks=True streams them to the driver)")
        return found, summary


def spark_source(frame: Any, name: str, layout: SparkProfile, schema: pa.Schema, *,
                 row_tasks: bool = True, passes: Any = None, key: str | None = None) -> SparkSource:
    """Return the Source of a profiled Spark DataFrame."""
    return SparkSource(name=name, kind="spark", schema=schema,
                       # a plain Parquet scan is read here with pyarrow, as tripwire.scan reads files
                       open_batches=(lambda: driver_batches(layout.row_groups)) if layout.row_groups is not None
                       else (lambda: stream_batches(frame, schema)),
                       num_rows=layout.profile.rows, frame=frame, layout=layout, row_tasks=row_tasks,
                       passes=passes, key=key)


def stream_batches(frame: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Yield the frame's rows to the driver in partition order, one partition in memory at a time."""
    def serialise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for chunk in _chunks(batches, schema, DEFAULT_BATCH_ROWS):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, schema) as writer:
                writer.write_batch(chunk)
            yield pa.RecordBatch.from_arrays([pa.array([sink.getvalue().to_pybytes()], pa.binary())],
                                             names=["ipc"])

    blobs = frame.mapInArrow(serialise, "ipc binary").rdd.map(lambda r: r[0])
    for blob in blobs.toLocalIterator(prefetchPartitions=True):
        with pa.ipc.open_stream(blob) as reader:
            yield from reader


# ---- per request, what one partition (or a merge of several) found ----------------------------
@dataclass
class _Hits:
    count: int = 0
    #: first failing rows as `partition << ROW_SHIFT | i`, sorted, at most MAX_ALL_ROWS
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: with a `key=` column: its value in each of `rows` (read in the same pass as the row)
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: (position, example) pairs, the earliest EXAMPLES distinct examples
    examples: list[tuple[int, Any]] = field(default_factory=list)
    value: Any = None
    error: str | None = None
    #: order locators: per partition (first non-null value, its position, last non-null value)
    edges: dict[int, tuple[Any, int, Any]] = field(default_factory=dict)

    def merged(self, other: _Hits) -> _Hits:
        rows = np.concatenate([self.rows, other.rows])
        names = np.concatenate([self.names, other.names])
        first = np.argsort(rows, kind="stable")[:MAX_ALL_ROWS]
        rows, names = rows[first], (names[first] if names.size else names)
        examples: list[tuple[int, Any]] = []
        for pos, ex in sorted(self.examples + other.examples, key=lambda t: t[0]):
            if ex not in [e for _, e in examples] and len(examples) < EXAMPLES:
                examples.append((pos, ex))
        values = [v for v in (self.value, other.value) if v is not None]
        return _Hits(self.count + other.count, rows, names, examples, max(values) if values else None,
                     self.error or other.error, {**self.edges, **other.edges})


@dataclass
class _Partial:
    hits: dict[str, _Hits]
    rows: dict[int, int]
    quarantine: dict[str, int] | None

    def merged(self, other: _Partial) -> _Partial:
        hits = {k: self.hits[k].merged(other.hits[k]) for k in self.hits}
        q = None
        if self.quarantine is not None and other.quarantine is not None:
            q = {k: self.quarantine[k] + other.quarantine[k] for k in self.quarantine}
        return _Partial(hits, {**self.rows, **other.rows}, q)


def spark_row_pass(frame: Any, schema: pa.Schema, requests: Sequence[RowRequest], quarantine: Quarantine | None,
                   offsets: dict[int, int], groups: RowGroups | None = None, *, key: str | None = None,
                   named: dict[int, int] | None = None) -> tuple[dict[str, RowFindings], dict[str, Any] | None]:
    """Evaluate the requests (and split the quarantine) on the cluster; return found and counts.

    `offsets` are the first row index of each unit (partition, or row group of `groups`:
    tripwire.spark.direct), from the profile pass. With a `key` column, `named` gets the key
    value of every listed row, read in the pass that found the row (so exact however Spark
    orders rows between jobs).
    """
    named = named if named is not None else {}
    local = [r for r in requests if not isinstance(r.locator, RepeatedKeyLocator)]
    repeated = [r for r in requests if isinstance(r.locator, RepeatedKeyLocator)]
    found: dict[str, RowFindings] = {}
    repeat_sets: dict[str, dict[int, np.ndarray]] = {}
    for r in repeated:  # a shuffle of its own: a key's first row can be in any partition
        keep = quarantine is not None and r.key in quarantine.keys
        found[r.key], sets = _repeated_keys(frame, schema, r.locator.columns, keep, offsets,  # type: ignore[attr-defined]
                                            groups, key, named)
        if sets is not None:
            repeat_sets[r.key] = sets
    if not local and quarantine is None:
        return found, None
    target = None
    if quarantine is not None and quarantine.directory is not None:
        target = str(quarantine.directory)
        _prepare(target)
    sets_bc = frame.sparkSession.sparkContext.broadcast(repeat_sets) if repeat_sets else None
    job = _partition_pass(schema, local, quarantine, target, sets_bc, key)
    partials = map_units(frame, groups, job, "partial binary").rdd.map(lambda r: pickle.loads(r[0]))
    merged: _Partial | None = partials.treeAggregate(None, _merge, _merge, depth=2)
    if merged is None:
        merged = _Partial({r.key: _Hits() for r in local}, {},
                          dict.fromkeys(quarantine.keys, 0) if quarantine is not None else None)
    offsets = first_rows(merged.rows)  # this pass's own counts: they agree with the profile pass's
    total = sum(merged.rows.values())
    for r in local:
        h = merged.hits[r.key]
        found[r.key] = _findings(h, r.locator, offsets)
        if h.names.size:
            named.update(zip(positions(h.rows, offsets).tolist(), h.names.tolist(), strict=True))
    summary = None
    if quarantine is not None:
        per_check = dict(merged.quarantine or {})
        kept = per_check.pop("__kept__", total)
        summary = {"rows_in": total, "rows_kept": kept, "share_kept": kept / total if total else 1.0,
                   "per_check": {k: per_check.get(k, 0) for k in quarantine.keys}}
        if target is not None:
            summary["directory"] = target
            _write_empty_kept(target, schema, total)
    return found, summary


def _merge(a: _Partial | None, b: _Partial | None) -> _Partial | None:
    if a is None:
        return b
    if b is None:
        return a
    return a.merged(b)


def _partition_pass(schema: pa.Schema, requests: list[RowRequest], quarantine: Quarantine | None,
                    target: str | None, repeat_sets: Any, key_column: str | None = None) -> UnitFunction:
    """Return the function each unit (partition or row group) runs: every locator, its part of the quarantine."""
    def run(pid: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        hits = {r.key: _Hits() for r in requests}
        scanners = {r.key: r.locator.start() for r in requests}
        plain = [r for r in requests if isinstance(r.locator, ExprLocator)]
        stateful = [r for r in requests if not isinstance(r.locator, ExprLocator)]
        qcounts = {**dict.fromkeys(quarantine.keys, 0), "__kept__": 0} if quarantine is not None else None
        writers = _PartWriters(target, pid, schema) if target is not None else None
        sets = repeat_sets.value if repeat_sets is not None else {}
        offset = 0
        try:
            for chunk in _chunks(batches, schema, DEFAULT_BATCH_ROWS):
                df = pl.from_arrow(chunk)
                assert isinstance(df, pl.DataFrame)
                # stateless locators in one select, as the single-process pass does
                masks = _plain_masks(df, plain, hits)  # type: ignore[arg-type]
                for r in stateful:
                    h = hits[r.key]
                    if h.error is not None:
                        continue
                    try:
                        masks[r.key] = scanners[r.key].mask(df, offset)
                    except (pl.exceptions.PolarsError, ValueError, TypeError) as exc:
                        h.error = _first_line(exc)
                for r in requests:
                    if r.key not in masks:
                        continue
                    _collect(hits[r.key], masks[r.key], df, pid, offset, r.example_columns, key_column)
                    if isinstance(r.locator, OrderLocator):
                        _edges(hits[r.key], df, r.locator.column, pid, offset)
                for key, by_pid in sets.items():
                    m = np.zeros(df.height, dtype=bool)
                    local = by_pid.get(pid)
                    if local is not None:
                        inside = local[(local >= offset) & (local < offset + df.height)] - offset
                        m[inside] = True
                    masks[key] = m
                if qcounts is not None:
                    bad = np.zeros(df.height, dtype=bool)
                    for key in quarantine.keys:  # type: ignore[union-attr]
                        if key in masks:
                            qcounts[key] += int(masks[key].sum())
                            bad |= masks[key]
                    qcounts["__kept__"] += int((~bad).sum())
                    if writers is not None:
                        writers.add(chunk, bad, masks, quarantine.keys)  # type: ignore[union-attr]
                offset += chunk.num_rows
        finally:
            if writers is not None:
                writers.close()
        for r in requests:
            value = getattr(scanners[r.key], "value", None)
            if value is not None and not isinstance(r.locator, OrderLocator):
                hits[r.key].value = value
        blob = pickle.dumps(_Partial(hits, {pid: offset}, qcounts), protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], pa.binary())], names=["partial"])

    return run


def _collect(h: _Hits, mask: np.ndarray, df: pl.DataFrame, pid: int, offset: int,
             example_columns: tuple[str, ...], key: str | None = None) -> None:
    hit = np.flatnonzero(mask)
    if not hit.size:
        return
    h.count += int(hit.size)
    room = MAX_ALL_ROWS - h.rows.size
    if room > 0:
        h.rows = np.concatenate([h.rows, (hit[:room] + offset).astype(np.int64) | (pid << ROW_SHIFT)])
        if key is not None:
            h.names = np.concatenate([h.names, df.get_column(key).gather(hit[:room]).cast(pl.Int64).to_numpy()])
    cols = [c for c in example_columns if c in df.columns]
    if cols and len(h.examples) < EXAMPLES:
        picked = hit[: EXAMPLES * 4]
        for i, row in zip(picked.tolist(), df.select(cols)[picked.tolist()].iter_rows(), strict=True):
            ex = _example(row[0]) if len(row) == 1 else {c: _example(v) for c, v in zip(cols, row, strict=True)}
            if ex not in [e for _, e in h.examples]:
                h.examples.append(((pid << ROW_SHIFT) | (offset + i), ex))
            if len(h.examples) >= EXAMPLES:
                break


def _edges(h: _Hits, df: pl.DataFrame, column: str, pid: int, offset: int) -> None:
    """Remember a partition's first and last non-null values (the pass across partitions needs them)."""
    col = df.get_column(column)
    x = col.to_physical().cast(pl.Float64) if col.dtype.is_temporal() else col.cast(pl.Float64, strict=False)
    idx = np.flatnonzero(x.is_not_null().to_numpy())
    if not idx.size:
        return
    first_value, first_pos, _ = h.edges.get(pid, (x[int(idx[0])], offset + int(idx[0]), None))
    h.edges[pid] = (first_value, first_pos, x[int(idx[-1])])


def _findings(h: _Hits, locator: Any, offsets: dict[int, int]) -> RowFindings:
    rows = positions(h.rows, offsets)
    count = h.count
    if isinstance(locator, OrderLocator):  # each partition started without the previous one's last value
        extra = []
        last = None
        for pid in sorted(h.edges):
            first, pos, end = h.edges[pid]
            if last is not None and (first < last if locator.direction == "increasing" else first > last):
                extra.append(offsets.get(pid, 0) + pos)
            last = end
        if extra:
            count += len(extra)
            rows = np.sort(np.concatenate([rows, np.array(extra, np.int64)]))[:MAX_ALL_ROWS]
    value = h.value if isinstance(locator, MaxLocator) else None
    return RowFindings(count=count, rows=rows.tolist(), examples=[e for _, e in h.examples], value=value,
                       error=h.error)


def _repeated_keys(frame: Any, schema: pa.Schema, columns: tuple[str, ...], keep_sets: bool,
                   offsets: dict[int, int], groups: RowGroups | None, key: str | None = None,
                   named: dict[int, int] | None = None) -> tuple[RowFindings, dict[int, np.ndarray] | None]:
    """Find rows whose key occurred in an earlier row: hash per partition, then one shuffle."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cols = list(dict.fromkeys(columns))
    read = list(dict.fromkeys([*cols, key])) if key is not None else cols
    keys = pa.schema([schema.field(c) for c in read]) if all(c in schema.names for c in read) else schema

    def hashes(pid: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        offset = 0
        for chunk in _chunks(batches, keys, DEFAULT_BATCH_ROWS):
            df = pl.from_arrow(chunk)
            assert isinstance(df, pl.DataFrame)
            h = hash_rows(df.select(cols), seed=7).view(np.int64)
            pos = np.arange(offset, offset + chunk.num_rows, dtype=np.int64) | (pid << ROW_SHIFT)
            # with key=, each row's key value travels with its position (named in this same pass)
            name = df.get_column(key).cast(pl.Int64).to_numpy() if key is not None else np.zeros(df.height, np.int64)
            yield pa.RecordBatch.from_arrays([pa.array(h), pa.array(pos), pa.array(name)], names=["h", "pos", "name"])
            offset += chunk.num_rows

    try:
        keyed = map_units(frame, groups, hashes, "h long, pos long, name long",  # only these columns are read
                          columns=read if keys is not schema else None)
        ranked = keyed.withColumn("n", F.row_number().over(Window.partitionBy("h").orderBy("pos")))
        repeats = ranked.where(F.col("n") > 1).select("pos", "name")
        sets = None
        if keep_sets:  # the quarantine must know every repeated row: 8 bytes each, broadcast
            # one job collects them all (count and first rows follow): each job re-runs the shuffle
            every = repeats.toArrow().sort_by("pos")
            count, listed = every.num_rows, every.slice(0, MAX_ALL_ROWS)
            allpos = every.column("pos").to_numpy().astype(np.int64)
            sets = {int(p): np.sort(allpos[allpos >> ROW_SHIFT == p] & _LOCAL)
                    for p in np.unique(allpos >> ROW_SHIFT)}
        else:
            count = repeats.count()
            listed = repeats.orderBy("pos").limit(MAX_ALL_ROWS).toArrow()
        first = listed.column("pos").to_numpy()
    except Exception as exc:  # a key Polars cannot hash: the check says why it could not judge
        return RowFindings(error=_first_line(exc)), None
    rows = positions(np.asarray(first, dtype=np.int64), offsets).tolist()
    if key is not None and named is not None:
        named.update(zip(rows, listed.column("name").to_pylist(), strict=True))
    return RowFindings(count=int(count), rows=rows), sets


class _PartWriters:
    """Write one partition's kept and rejected rows as part files (atomically: retries overwrite)."""

    def __init__(self, target: str, pid: int, schema: pa.Schema) -> None:
        self.target, self.pid, self.schema = target, pid, schema
        self.parts: dict[str, list[pa.Table]] = {"kept": [], "rejected": []}

    def add(self, chunk: pa.RecordBatch, bad: np.ndarray, masks: dict[str, np.ndarray],
            keys: tuple[str, ...]) -> None:
        self.parts["kept"].append(pa.Table.from_batches([chunk.filter(pa.array(~bad))]))
        if bad.any():
            rejected = pa.Table.from_batches([chunk.filter(pa.array(bad))])
            failed = failed_checks(masks, keys, bad)
            self.parts["rejected"].append(rejected.append_column(FAILED_CHECKS_COLUMN, failed))

    def close(self) -> None:
        import pyarrow.parquet as pq
        from pyarrow import fs

        filesystem, root = fs.FileSystem.from_uri(_uri(self.target))
        for name, tables in self.parts.items():
            if not tables:
                continue
            final = f"{root}/{name}/part-{self.pid:05d}.parquet"
            temp = f"{root}/{name}/.part-{self.pid:05d}-{uuid.uuid4().hex}.tmp"
            pq.write_table(pa.concat_tables(tables), temp, filesystem=filesystem)
            filesystem.move(temp, final)


def _uri(target: str) -> str:
    return target if "://" in target else "file://" + str(__import__("pathlib").Path(target).resolve())


def _prepare(target: str) -> None:
    """Create kept/ and rejected/ (empty: part files of an earlier run would mix with these)."""
    from pyarrow import fs

    filesystem, root = fs.FileSystem.from_uri(_uri(target))
    for name in ("kept", "rejected"):
        filesystem.create_dir(f"{root}/{name}", recursive=True)
        filesystem.delete_dir_contents(f"{root}/{name}")


def _write_empty_kept(target: str, schema: pa.Schema, total: int) -> None:
    """Give an input without rows a kept part file too, so readers find a schema."""
    if total:
        return
    import pyarrow.parquet as pq
    from pyarrow import fs

    filesystem, root = fs.FileSystem.from_uri(_uri(target))
    pq.write_table(pa.Table.from_batches([], schema=schema), f"{root}/kept/part-00000.parquet",
                   filesystem=filesystem)

