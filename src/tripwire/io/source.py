"""The one shape every input takes: a re-readable stream of Arrow record batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import polars as pl

#: rows per record batch handed to the profiler; big enough that per-batch overhead vanishes,
#: small enough that a batch of 20 columns stays well under 100 MB
DEFAULT_BATCH_ROWS = 262_144


@dataclass
class Source:
    """A named input that can be read, start to end, as Arrow record batches, more than once.

    `open_batches()` starts a fresh pass each call: the profiler reads once, and detectors
    that need row indices or example rows read again. Row indices count data rows from 0
    across all files in read order (a glob's files in sorted order).
    """

    name: str
    kind: str  # "csv", "parquet", "jsonl", "ipc", "pandas", "polars", "arrow", "duckdb", ...
    schema: pa.Schema
    open_batches: Callable[[], Iterator[pa.RecordBatch]]
    files: list[str] = field(default_factory=list)
    #: things the user should be told about how the input was read (e.g. the encoding guessed)
    notes: list[str] = field(default_factory=list)
    #: number of rows if known without reading (DataFrames, Parquet metadata), else None
    num_rows: int | None = None
    #: a faster way to read every row at once as the Polars frame the batches would make, or
    #: None when the reader cannot promise the same frame (then read the batches); see read_polars
    read_whole: Callable[[], pl.DataFrame | None] | None = field(default=None, repr=False)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Read the input from the start, one Arrow record batch at a time."""
        return self.open_batches()
