"""The one shared row pass: every locator, detector row task and the quarantine, batch by batch.

Whatever a run needs from the rows — the rows behind a finding, the failing rows of a
contract check, a detector's row hashes, the kept and rejected files of a quarantine — is
collected in this single pass over the input, in read order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tripwire.detectors.common import short
from tripwire.detectors.registry import DetectorRun
from tripwire.io import Source
from tripwire.io.kept import polars_frame
from tripwire.locators import ExprLocator, RowLocator, Scanner
from tripwire.report.finding import MAX_ALL_ROWS

#: example values kept per locator that asks for them
EXAMPLES = 5
#: the column of rejected.parquet that lists the checks each row failed
FAILED_CHECKS_COLUMN = "_tripwire_failed_checks"


@dataclass(frozen=True)
class RowRequest:
    """One thing to find on the rows: a locator, and the columns whose values to show."""

    key: str
    locator: RowLocator
    example_columns: tuple[str, ...] = ()


@dataclass
class RowFindings:
    """What the pass found for one request."""

    count: int = 0
    rows: list[int] = field(default_factory=list)
    examples: list[Any] = field(default_factory=list)
    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Quarantine:
    """Split rows into kept and rejected: rejected = failing any of `keys` (a folder, or counts only)."""

    keys: tuple[str, ...]
    directory: Path | None = None


def row_pass(source: Source, requests: Sequence[RowRequest], detectors: DetectorRun | None = None,
             quarantine: Quarantine | None = None,
             progress: Callable[[int, int | None], None] | None = None) -> tuple[dict[str, RowFindings],
                                                                                 dict[str, Any] | None]:
    """Read the source once; return what each request found, and the quarantine's counts."""
    distributed = getattr(source, "distributed_row_pass", None)
    if distributed is not None:  # a cluster input (tripwire.spark) runs the pass as its own jobs
        return distributed(requests, detectors, quarantine, progress)
    found = {r.key: RowFindings() for r in requests}
    scanners: dict[str, Scanner] = {r.key: r.locator.start() for r in requests}
    plain = [r for r in requests if isinstance(r.locator, ExprLocator)]
    stateful = [r for r in requests if not isinstance(r.locator, ExprLocator)]
    split = _Splitter(quarantine, source.schema) if quarantine is not None else None
    offset = 0
    try:
        for batch in source.batches():
            df = polars_frame(batch)  # the profile's conversion when the batch was kept
            masks = _plain_masks(df, plain, found)
            for r in stateful:
                if found[r.key].error is None:
                    try:
                        masks[r.key] = scanners[r.key].mask(df, offset)
                    except (pl.exceptions.PolarsError, ValueError, TypeError) as exc:
                        found[r.key].error = _first_line(exc)
            for r in requests:
                if r.key in masks:
                    _collect(found[r.key], masks[r.key], df, offset, r.example_columns)
            if detectors is not None:
                detectors.feed(df, offset)
            if split is not None:
                split.add(batch, masks)
            offset += batch.num_rows
            if progress is not None:
                progress(offset, source.num_rows)
    finally:
        if split is not None:
            split.close()
    for r in stateful:
        value = getattr(scanners[r.key], "value", None)
        if value is not None:
            found[r.key].value = value
    return found, split.summary() if split is not None else None


def _plain_masks(df: pl.DataFrame, plain: list[RowRequest], found: dict[str, RowFindings]) -> dict[str, np.ndarray]:
    """Evaluate every stateless locator in one select (one by one if one of them fails)."""
    live = [r for r in plain if found[r.key].error is None]
    if not live:
        return {}
    exprs = [r.locator.expr.fill_null(False).alias(f"_{i}") for i, r in enumerate(live)]  # type: ignore[attr-defined]
    try:
        frame = df.select(exprs)
        return {r.key: frame.get_column(f"_{i}").to_numpy().astype(bool) for i, r in enumerate(live)}
    except pl.exceptions.PolarsError:
        out = {}
        for r in live:
            try:
                out[r.key] = r.locator.start().mask(df, 0)
            except pl.exceptions.PolarsError as exc:
                found[r.key].error = _first_line(exc)
        return out


def _collect(into: RowFindings, mask: np.ndarray, df: pl.DataFrame, offset: int,
             example_columns: tuple[str, ...]) -> None:
    hits = np.flatnonzero(mask)
    if not hits.size:
        return
    into.count += int(hits.size)
    room = MAX_ALL_ROWS - len(into.rows)
    if room > 0:
        into.rows.extend((hits[:room] + offset).tolist())
    cols = [c for c in example_columns if c in df.columns]
    if cols and len(into.examples) < EXAMPLES:
        for row in df.select(cols)[hits[: EXAMPLES * 4].tolist()].iter_rows():
            example = _example(row[0]) if len(row) == 1 else {c: _example(v) for c, v in zip(cols, row, strict=True)}
            if example not in into.examples:
                into.examples.append(example)
            if len(into.examples) >= EXAMPLES:
                break


def _example(value: Any) -> Any:
    """Keep numbers as numbers; cut long text."""
    return short(value, 80) if isinstance(value, str) else value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def failed_checks(masks: Mapping[str, np.ndarray], keys: Sequence[str], bad: np.ndarray) -> pa.Array:
    """Return, per rejected row, the names of the checks it failed (vectorised, no row loop)."""
    present = [k for k in keys if k in masks]
    flags = pl.DataFrame({f"m{i}": masks[k][bad] for i, k in enumerate(present)})
    # keys are "check:NAME": the file lists the check names a person reads in the report
    names = flags.select(pl.concat_list([pl.when(pl.col(f"m{i}")).then(pl.lit(k.split(":", 1)[-1])).otherwise(None)
                                         for i, k in enumerate(present)]).list.drop_nulls().alias("f"))
    return names.to_series().to_arrow().cast(pa.list_(pa.string()))


class _Splitter:
    """Writes kept.parquet and rejected.parquet (with the failed checks per row), or only counts."""

    def __init__(self, quarantine: Quarantine, schema: pa.Schema) -> None:
        self.keys, self.directory, self.schema = quarantine.keys, quarantine.directory, schema
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows_in = self.rows_kept = 0
        self.per_check = dict.fromkeys(self.keys, 0)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def add(self, batch: pa.RecordBatch, masks: Mapping[str, np.ndarray]) -> None:
        n = batch.num_rows
        bad = np.zeros(n, dtype=bool)
        for key in self.keys:
            m = masks.get(key)
            if m is not None:
                self.per_check[key] += int(m.sum())
                bad |= m
        self.rows_in += n
        self.rows_kept += int((~bad).sum())
        if self.directory is None:
            return
        self._write("kept", pa.Table.from_batches([batch.filter(pa.array(~bad))]))
        if bad.any():
            rejected = pa.Table.from_batches([batch.filter(pa.array(bad))])
            failed = failed_checks(masks, self.keys, bad)
            self._write("rejected", rejected.append_column(FAILED_CHECKS_COLUMN, failed))

    def _write(self, name: str, table: pa.Table) -> None:
        assert self.directory is not None
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.directory / f"{name}.parquet", table.schema)
        self.writers[name].write_table(table)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        if self.directory is not None and "kept" not in self.writers:  # an empty input still gets a kept file
            pq.write_table(pa.Table.from_batches([], schema=self.schema), self.directory / "kept.parquet")

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows_in": self.rows_in, "rows_kept": self.rows_kept,
                               "share_kept": self.rows_kept / self.rows_in if self.rows_in else 1.0,
                               "per_check": dict(self.per_check)}
        if self.directory is not None:
            out["directory"] = str(self.directory)
        return out


def locate_rows(findings: Sequence[Any], source: Source | None) -> list[Any]:
    """Fill `rows` of every finding that carries a `locate` expression, in one pass of its own."""
    from tripwire.locators import as_locator

    requests = [RowRequest(f"finding:{i}", loc) for i, f in enumerate(findings)
                if (loc := as_locator(f.locate)) is not None]
    if not requests or source is None:
        return [f if f.locate is None else f.with_rows(list(f.rows)) for f in findings]
    found, _ = row_pass(source, requests)
    out = list(findings)
    for r in requests:
        i = int(r.key.split(":")[1])
        hit = found[r.key]
        out[i] = findings[i].with_rows(list(findings[i].rows)) if hit.error else findings[i].with_rows(hit.rows, hit.count)
    return out
