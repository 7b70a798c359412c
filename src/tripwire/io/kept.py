"""Keep the batches of a source's first pass in memory, so a later pass over a small input reads nothing.

A run profiles its data in one pass and reads the rows again for the row pass. When the
data fits a memory budget the batches the profile read are kept and the row pass replays
them: same batches, same order, no second read or parse of the file. Above the budget
nothing is kept and every pass reads the input as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pyarrow as pa

from tripwire.errors import UsageError

#: the most bytes of Arrow batches a run keeps from its profile pass for its row pass
KEEP_BYTES = 512 * 2**20
#: environment variable that sets the budget in MB (0 keeps nothing)
KEEP_ENV = "TRIPWIRE_KEEP_ROWS_MB"


def keep_budget() -> int:
    """Return the bytes of batches a run may keep: `TRIPWIRE_KEEP_ROWS_MB` when set, else 512 MB."""
    raw = os.environ.get(KEEP_ENV, "").strip()
    if not raw:
        return KEEP_BYTES
    try:
        mb = float(raw)
    except ValueError:
        raise UsageError(f"{KEEP_ENV} must be a number of MB (0 keeps nothing), not {raw!r}") from None
    if mb < 0:
        raise UsageError(f"{KEEP_ENV} must be a number of MB (0 keeps nothing), not {raw!r}")
    return int(mb * 2**20)


class KeptBatches:
    """The passes over one input: the first reads it and keeps its batches if they fit `max_bytes`.

    `open()` starts a pass: a replay of the kept batches once a whole first pass fitted, else
    a read of the input (only the first read tries to keep, so an input over the budget is
    never held twice).
    """

    def __init__(self, read: Callable[[], Iterator[pa.RecordBatch]], max_bytes: int) -> None:
        self._read, self.max_bytes = read, max_bytes
        self._kept: list[pa.RecordBatch] | None = None
        self._tried = max_bytes <= 0

    @property
    def in_memory(self) -> bool:
        """Tell whether the next pass replays kept batches instead of reading the input."""
        return self._kept is not None

    def open(self) -> Iterator[pa.RecordBatch]:
        """Start a pass over the input (from memory when its batches were kept)."""
        if self._kept is not None:
            return iter(self._kept)
        if self._tried:
            return self._read()
        self._tried = True
        return self._keeping()

    def release(self) -> None:
        """Drop the kept batches: later passes read the input again."""
        self._kept = None

    def _keeping(self) -> Iterator[pa.RecordBatch]:
        kept: list[pa.RecordBatch] | None = []
        size = 0
        for batch in self._read():
            if kept is not None:
                size += batch.nbytes
                if size <= self.max_bytes:
                    kept.append(batch)
                else:
                    kept = None  # over the budget: keep nothing, later passes read the input
            yield batch
        self._kept = kept  # only a pass read to its end is kept
