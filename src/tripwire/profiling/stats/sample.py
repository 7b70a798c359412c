"""A mergeable uniform row sample: keep the rows with the smallest random keys (bottom-k)."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pyarrow as pa

from tripwire.arrays import from_numpy, to_numpy

DEFAULT_SAMPLE_ROWS = 10_000
ROW_COLUMN = "__row__"
_KEY_COLUMN = "__key__"


class RowSample:
    """Up to `capacity` rows chosen uniformly; each keeps its 0-based row index in the input.

    A row's key is a hash of its row index and the seed, so the sample does not depend on
    how the input was cut into batches: profile(A ∪ B) and merge(profile(A), profile(B))
    keep the same rows when B's indices continue A's.
    """

    def __init__(self, capacity: int = DEFAULT_SAMPLE_ROWS, table: pa.Table | None = None,
                 seed: int = 0) -> None:
        self.capacity = capacity
        self.seed = seed
        self.table = table  # columns of the data + __row__ + __key__, sorted by key

    @classmethod
    def of_batch(cls, batch: pa.RecordBatch, row_offset: int, capacity: int = DEFAULT_SAMPLE_ROWS,
                 seed: int = 0) -> RowSample:
        """Sample one batch whose first row has index `row_offset`."""
        if capacity <= 0 or batch.num_rows == 0:
            return cls(capacity, None, seed)
        rows = np.arange(row_offset, row_offset + batch.num_rows, dtype=np.uint64)
        keys = _mix(rows ^ np.uint64(seed))
        if keys.size > capacity:  # O(n) selection, then order only the few kept
            keep = np.argpartition(keys, capacity - 1)[:capacity]
            keep = keep[np.argsort(keys[keep])]
        else:
            keep = np.argsort(keys)
        table = pa.Table.from_batches([batch]).take(from_numpy(keep))
        table = table.append_column(ROW_COLUMN, from_numpy(rows[keep].astype(np.int64)))
        table = table.append_column(_KEY_COLUMN, from_numpy(keys[keep]))
        return cls(capacity, table, seed)

    def merged(self, other: RowSample) -> RowSample:
        """Return the sample of both inputs (the smallest keys of the union)."""
        cap = min(self.capacity, other.capacity)
        if self.table is None:
            return RowSample(cap, _head(other.table, cap), other.seed)
        if other.table is None:
            return RowSample(cap, _head(self.table, cap), self.seed)
        both = _concat(self.table, other.table)
        keys = to_numpy(both.column(_KEY_COLUMN))
        rows = to_numpy(both.column(ROW_COLUMN))
        order = np.lexsort((rows, keys))[:cap]
        return RowSample(cap, both.take(from_numpy(order)), self.seed)

    @property
    def num_rows(self) -> int:
        """Return the number of rows held."""
        return 0 if self.table is None else self.table.num_rows

    def rows(self) -> pa.Table | None:
        """Return the sampled rows with their `__row__` index column (no internal key)."""
        if self.table is None:
            return None
        return self.table.drop_columns([_KEY_COLUMN])

    def to_dict(self) -> dict[str, Any]:
        """Return JSON: the rows as zstd-compressed Arrow IPC in base64."""
        if self.table is None:
            return {"capacity": self.capacity, "seed": self.seed, "arrow": None}
        sink = io.BytesIO()
        opts = pa.ipc.IpcWriteOptions(compression="zstd")
        with pa.ipc.new_stream(sink, self.table.schema, options=opts) as writer:
            writer.write_table(self.table)
        return {"capacity": self.capacity, "seed": self.seed,
                "arrow": base64.b64encode(sink.getvalue()).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowSample:
        """Rebuild from JSON."""
        table = None
        if data.get("arrow"):
            with pa.ipc.open_stream(base64.b64decode(data["arrow"])) as reader:
                table = reader.read_all()
        return cls(int(data["capacity"]), table, int(data.get("seed", 0)))


def _mix(x: np.ndarray) -> np.ndarray:
    """Scramble uint64 values (splitmix64 finaliser) into well-spread keys."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _head(table: pa.Table | None, n: int) -> pa.Table | None:
    return None if table is None else table.slice(0, n)


def _concat(a: pa.Table, b: pa.Table) -> pa.Table:
    """Concatenate two samples whose column types may differ (promote, else cast to text)."""
    try:
        return pa.concat_tables([a, b], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        cols = list(dict.fromkeys(a.column_names + b.column_names))
        parts = []
        for t in (a, b):
            arrays = []
            for c in cols:
                if c in (ROW_COLUMN, _KEY_COLUMN):
                    arrays.append(t.column(c))
                elif c in t.column_names:
                    arrays.append(t.column(c).cast(pa.large_string(), safe=False))
                else:
                    arrays.append(pa.nulls(t.num_rows, pa.large_string()))
            parts.append(pa.table(arrays, names=cols))
        return pa.concat_tables(parts)
