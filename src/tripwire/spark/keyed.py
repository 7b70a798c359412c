"""Name a report's rows by a key column's values (`key=`) instead of their positions.

Positions (`offset(unit) + i`) are stable only while the DataFrame's partitioning is; a key
column the user names is stable whatever Spark does. Rows the row pass lists (failing rows
of checks, rows behind findings, repeated keys) carry their key value from that same pass,
so they are named exactly however Spark orders rows between jobs. The other listed rows
(found by detectors that stream rows to the driver, or from the profile's row sample) are
looked up after the run by one Spark job over the key column: a partition that gives fewer
rows than in the profile pass is caught, rows reordered within a partition are not (a plain
Parquet scan, read by row groups, cannot reorder; anything ending in a shuffle should be
cached first).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa

from tripwire.errors import UsageError
from tripwire.profiling import DatasetProfile
from tripwire.report import Report


def check_key(prof: DatasetProfile, key: str) -> None:
    """Raise UsageError unless `key` is a column of non-negative integers without nulls (what rows are)."""
    if key not in prof.columns:
        raise UsageError(f"key {key!r} is not a column; columns: {', '.join(list(prof.columns)[:20])}")
    col = prof[key]
    if not col.physical_type.startswith(("int", "uint")):
        raise UsageError(f"key {key!r} is {col.physical_type}: rows are named by non-negative integers; "
                         "add an integer key, e.g. df.withColumn('row_id', F.monotonically_increasing_id())")
    if col.nulls or (col.numbers.min is not None and col.numbers.min < 0):
        bad = f"{col.nulls:,} null" if col.nulls else "negative"
        raise UsageError(f"key {key!r} has {bad} values: it cannot name rows (rows are non-negative integers)")


def keyed_report(report: Report, frame: Any, offsets: dict[int, int], key: str, groups: Any = None,
                 known: dict[int, int] | None = None) -> Report:
    """Return the report with every listed row named by its value of `key`.

    `known`: rows already named by the pass that found them; only the others are looked up.
    """
    listed = [r for f in report.findings for r in (*f.rows, *f.evidence.get("all_rows", ()))]
    if not listed:
        return report
    known = known or {}
    wanted = np.unique(np.asarray(listed, dtype=np.int64))
    wanted = wanted[~np.isin(wanted, np.fromiter(known, np.int64, len(known)))]
    looked = key_values(frame, offsets, wanted, key, groups) if wanted.size else {}
    names = {**looked, **known}
    if len(looked) != wanted.size:  # the frame gave other rows than in the profile pass
        raise UsageError(f"key {key!r}: found {len(looked):,} of the {wanted.size:,} listed rows again; the "
                         "DataFrame's partitions changed between Spark jobs (a repartition without orderBy?): "
                         "cache it (df.cache()) or sort it first")
    findings = []
    for f in report.findings:
        if not f.rows:
            findings.append(f)
            continue
        evidence = {**f.evidence, "row_key": key}
        if "all_rows" in evidence:
            evidence["all_rows"] = [names[r] for r in evidence["all_rows"]]
        findings.append(replace(f, rows=tuple(names[r] for r in f.rows), evidence=evidence))
    return replace(report, findings=tuple(findings))


def key_values(frame: Any, offsets: dict[int, int], positions: np.ndarray, key: str,
               groups: Any = None) -> dict[int, int]:
    """Return the `key` value of the rows at `positions` (one Spark job over the key column).

    `groups`: a plain Parquet frame's row groups (tripwire.spark.direct), read as the profile read them.
    """
    from tripwire.spark.direct import map_units

    pids = np.array(sorted(offsets), dtype=np.int64)
    starts = np.array([offsets[p] for p in pids], dtype=np.int64)
    at = np.searchsorted(starts, positions, side="right") - 1
    wanted = {int(pids[i]): (positions[at == i] - starts[i]) for i in np.unique(at)}
    firsts = {int(p): int(s) for p, s in zip(pids, starts, strict=True)}
    shared = frame.sparkSession.sparkContext.broadcast((wanted, firsts))

    def pick(pid: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        local = shared.value[0].get(pid)
        if local is None:
            return
        offset = 0
        for batch in batches:
            n = batch.num_rows
            inside = local[(local >= offset) & (local < offset + n)]
            if inside.size:
                values = batch.column(0).take(pa.array(inside - offset)).cast(pa.int64())
                yield pa.RecordBatch.from_arrays([pa.array(inside + shared.value[1][pid]), values],
                                                 names=["pos", "key"])
            offset += n

    got = map_units(frame, groups, pick, "pos long, key long", columns=[key]).toArrow()
    return dict(zip(got.column("pos").to_pylist(), got.column("key").to_pylist(), strict=True))
