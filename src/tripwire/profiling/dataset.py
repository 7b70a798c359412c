"""The profile of a whole data set: one ColumnProfile per column, a row sample, a fingerprint."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from polars.exceptions import PanicException

from tripwire._version import __version__
from tripwire.errors import InputError
from tripwire.io.kept import HASH_SEED, polars_frame, remember_row_hashes
from tripwire.profiling import wide
from tripwire.profiling.column import ColumnProfile, _as_text, kind_of, profile_column
from tripwire.profiling.stats.frequent import DEFAULT_CAPACITY
from tripwire.profiling.stats.sample import DEFAULT_SAMPLE_ROWS, RowSample

#: bump when the JSON layout changes; `load` refuses newer versions with a clear message.
#: 2: exact quantile states and the deterministic compactor replace KLL; format 1 still loads
PROFILE_FORMAT = 2


@dataclass(frozen=True)
class ProfileConfig:
    """Knobs of profiling that change what a profile holds (kept in its JSON)."""

    sample_rows: int = DEFAULT_SAMPLE_ROWS
    seed: int = 0
    frequent_capacity: int = DEFAULT_CAPACITY


@dataclass
class DatasetProfile:
    """A small, mergeable summary of a data set, saved as versioned JSON.

    The fingerprint is an order-independent content hash: the wrapping sum of Polars row
    hashes of every row (values and their types), so equal rows in any order, file format
    or batching give the same fingerprint, and merging adds the sums.
    """

    name: str | None = None
    rows: int = 0
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    sample: RowSample = field(default_factory=RowSample)
    fingerprint_sum: int = 0
    config: ProfileConfig = field(default_factory=ProfileConfig)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    source: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # ---- access --------------------------------------------------------------------------
    def __getitem__(self, column: str) -> ColumnProfile:
        try:
            return self.columns[column]
        except KeyError:
            raise KeyError(f"no column {column!r}; columns are {list(self.columns)}") from None

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    @property
    def column_names(self) -> list[str]:
        """Return the column names in input order."""
        return list(self.columns)

    @property
    def fingerprint(self) -> str:
        """Return the content fingerprint as text."""
        return fingerprint_text(self.fingerprint_sum)

    def sample_frame(self) -> pl.DataFrame | None:
        """Return the row sample as a Polars frame with a `__row__` index column, or None."""
        rows = self.sample.rows()
        return None if rows is None else pl.from_arrow(rows)  # type: ignore[return-value]

    # ---- merge -----------------------------------------------------------------------------
    def merge(self, other: DatasetProfile) -> DatasetProfile:
        """Return the profile of both data sets together (commutative, associative, identity)."""
        columns = dict(self.columns)
        for name, col in other.columns.items():
            columns[name] = columns[name].merged(col) if name in columns else col
        names = self.name if self.name == other.name else (self.name or other.name)
        return DatasetProfile(
            name=names,
            rows=self.rows + other.rows,
            columns=columns,
            sample=self.sample.merged(other.sample),
            fingerprint_sum=(self.fingerprint_sum + other.fingerprint_sum) & _MASK64,
            config=self.config,
            created_at=max(self.created_at, other.created_at),
            source=self.source or other.source,
            notes=list(dict.fromkeys(self.notes + other.notes)),
        )

    @classmethod
    def empty(cls, name: str | None = None, config: ProfileConfig | None = None) -> DatasetProfile:
        """Return the identity of merge."""
        cfg = config or ProfileConfig()
        return cls(name=name, sample=RowSample(cfg.sample_rows, None, cfg.seed), config=cfg,
                   created_at="")

    # ---- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the versioned JSON form (columns side by side: packing a large exact state is numpy work)."""
        cols = list(self.columns.values())
        if len(cols) > 1 and not threading.current_thread().name.startswith(_POOL_THREADS):
            sample = _POOL.submit(self.sample.to_dict)
            columns = list(_POOL.map(lambda c: c.to_dict(), cols))
            packed_sample = sample.result()
        else:  # already in the pool (or one column): waiting on the pool from inside it could deadlock
            columns, packed_sample = [c.to_dict() for c in cols], self.sample.to_dict()
        return {
            "format": "tripwire-profile",
            "format_version": PROFILE_FORMAT,
            "tripwire_version": __version__,
            "name": self.name,
            "rows": self.rows,
            "fingerprint": self.fingerprint,
            "created_at": self.created_at,
            "source": self.source,
            "notes": self.notes,
            "config": {"sample_rows": self.config.sample_rows, "seed": self.config.seed,
                       "frequent_capacity": self.config.frequent_capacity},
            "columns": columns,
            "sample": packed_sample,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: str | None = None) -> DatasetProfile:
        """Rebuild a profile from its JSON form."""
        if data.get("format") != "tripwire-profile":
            raise InputError("not a tripwire profile (no \"format\": \"tripwire-profile\")",
                             path=path, hint="create one with `tripwire profile DATA -o profile.json`")
        version = int(data.get("format_version", 0))
        if version > PROFILE_FORMAT:
            raise InputError(f"profile format {version} is newer than this tripwire understands "
                             f"({PROFILE_FORMAT})", path=path, hint="upgrade tripwire")
        fp = data.get("fingerprint", "rowhash64:0").split(":", 1)[-1]
        return cls(
            name=data.get("name"),
            rows=int(data["rows"]),
            columns={c["name"]: ColumnProfile.from_dict(c) for c in data["columns"]},
            sample=RowSample.from_dict(data["sample"]),
            fingerprint_sum=int(fp, 16),
            config=ProfileConfig(**data.get("config", {})),
            created_at=data.get("created_at", ""),
            source=data.get("source", {}),
            notes=list(data.get("notes", [])),
        )

    def to_json(self, indent: int | None = None) -> str:
        """Return the JSON text."""
        from tripwire.report.finding import jsonable

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=jsonable)

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON."""
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> DatasetProfile:
        """Read a profile saved with `save`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("file not found", path=str(path)) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            raise InputError(f"not valid JSON ({exc.__class__.__name__})", path=str(path),
                             line=line, hint="pass a profile written by `tripwire profile -o`") from None
        return cls.from_dict(data, path=str(path))

    def settle(self) -> DatasetProfile:
        """Consolidate every column's exact state now, columns side by side; return self.

        Reads settle lazily anyway; doing it here once moves that work into the thread pool.
        """
        cols = list(self.columns.values())
        # a few columns per task: one task per column costs more than it saves on wide tables
        size = max(1, len(cols) // (8 * (_POOL._max_workers or 1)))
        chunks = [cols[i:i + size] for i in range(0, len(cols), size)]
        list(_POOL.map(lambda chunk: [c.settle() for c in chunk], chunks))
        return self

    def summary_rows(self) -> list[dict[str, Any]]:
        """Return one plain dict per column with the figures a person looks at first."""
        out = []
        for c in self.columns.values():
            num = c.numbers
            out.append({
                "column": c.name,
                "type": c.inferred_type,
                "physical": c.physical_type,
                "nulls": c.nulls + c.nan,
                "null_share": c.null_share,
                "distinct": c.distinct_count,
                "min": num.min,
                "median": c.median,
                "max": num.max,
                "mean": num.moments.mean if num.n else None,
                "top": c.top(3),
            })
        return out

    def _repr_html_(self) -> str:
        """Show the per-column summary and charts in Jupyter (isolated in an iframe)."""
        from html import escape

        from tripwire.html import render_profile

        return (f'<iframe srcdoc="{escape(render_profile(self))}" style="width:100%;height:720px;border:0" '
                'sandbox="allow-scripts"></iframe>')


_MASK64 = (1 << 64) - 1
_POOL_THREADS = "tripwire-profile"
_POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix=_POOL_THREADS)


def profile_batch(batch: pa.RecordBatch | pa.Table, row_offset: int = 0,
                  config: ProfileConfig | None = None) -> DatasetProfile:
    """Profile one Arrow batch whose first row has index `row_offset`.

    Pure function of the batch: it does not know where the batch came from, so the same code
    runs on a laptop, per file of a folder, or inside a Spark partition.
    """
    cfg = config or ProfileConfig()
    names = batch.schema.names
    rb = batch if isinstance(batch, pa.RecordBatch) else None
    if rb is None:
        batch = batch.combine_chunks()
        rbs = batch.to_batches()
        rb = rbs[0] if rbs else pa.RecordBatch.from_pylist([], schema=batch.schema)
    # the fingerprint, the sample and the columns are independent, and their heavy parts
    # (Polars, NumPy) release the GIL: run them side by side
    fingerprint = _POOL.submit(row_hash_sum, rb)
    sample = _POOL.submit(RowSample.of_batch, rb, row_offset, cfg.sample_rows, cfg.seed)
    columns = dict(zip(names, _profile_columns(batch, cfg.frequent_capacity), strict=True))
    return DatasetProfile(
        rows=batch.num_rows,
        columns=columns,
        sample=sample.result(),
        fingerprint_sum=fingerprint.result(),
        config=cfg,
    )


def _profile_columns(batch: pa.RecordBatch | pa.Table, capacity: int) -> list[ColumnProfile]:
    """Profile every column of a batch, in column order.

    Many columns of one type (a wide table) are profiled together; the rest one by one in
    the pool, whose map keeps the order. Both give the same profiles.
    """
    names = batch.schema.names
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(batch.schema):
        kind = kind_of(f.type)
        if kind == "string":
            groups.setdefault("string", []).append(i)
        elif kind == "numeric" and not pa.types.is_decimal(f.type) and not pa.types.is_dictionary(f.type):
            groups.setdefault(str(f.type), []).append(i)
    together: dict[int, ColumnProfile] = {}
    for key, idx in groups.items():
        if len(idx) < wide.MANY_COLUMNS:
            continue
        fn = wide.profile_string_columns if key == "string" else wide.profile_numeric_columns
        try:
            together.update(zip(idx, fn([names[i] for i in idx], [batch.column(i) for i in idx], capacity),
                                strict=True))
        except (pl.exceptions.PolarsError, PanicException, pa.ArrowException):
            pass  # an odd column among them: profile each on its own
    rest = [i for i in range(len(names)) if i not in together]
    alone = dict(zip(rest, _POOL.map(lambda i: profile_column(names[i], batch.column(i), capacity), rest),
                     strict=True))
    return [together[i] if i in together else alone[i] for i in range(len(names))]


def merge_all(profiles: Iterable[DatasetProfile]) -> DatasetProfile:
    """Merge profiles left to right."""
    out: DatasetProfile | None = None
    for p in profiles:
        out = p if out is None else out.merge(p)
    return out if out is not None else DatasetProfile.empty()


def fingerprint_text(hash_sum: int) -> str:
    """Return the fingerprint shown for a sum of row hashes (reports, profiles, refusals)."""
    return f"rowhash64:{hash_sum & _MASK64:016x}"


def frame_hash_sum(frame: pl.DataFrame) -> int:
    """Return the order-independent sum of a Polars frame's row hashes (`row_hash_sum` of its rows)."""
    hashes = frame.hash_rows(seed=HASH_SEED).to_numpy()
    remember_row_hashes(frame, hashes)  # a kept batch's: its row tasks compare these hashes
    return int(hashes.sum(dtype=np.uint64)) & _MASK64


def row_hash_sum(batch: pa.RecordBatch) -> int:
    """Return the order-independent sum of a batch's row hashes (the profile fingerprint's part)."""
    if batch.num_rows == 0 or batch.num_columns == 0:
        return 0
    try:
        return frame_hash_sum(polars_frame(_hashable(batch)))
    except (pl.exceptions.PolarsError, PanicException, pa.ArrowException):
        # types Polars cannot hash (some nested or extension types): hash every column's text
        texts = [_as_text(c) for c in batch.columns]
        return frame_hash_sum(pl.from_arrow(pa.table(texts, names=[f"c{i}" for i in range(len(texts))])))  # type: ignore[arg-type]


def _hashable(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Return the batch with decimal256 columns as text (Polars cannot read them; text is exact)."""
    odd = [i for i, f in enumerate(batch.schema) if pa.types.is_decimal(f.type) and f.type.bit_width > 128]
    if not odd:
        return batch
    cols = [_as_text(c) if i in odd else c for i, c in enumerate(batch.columns)]
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
