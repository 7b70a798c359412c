"""Keep the batches of a source's first pass in memory, so a later pass over a small input reads nothing.

A run profiles its data in one pass and reads the rows again for the row pass. When the
data fits a memory budget the batches the profile read are kept and the row pass replays
them: same batches, same order, no second read or parse of the file. Above the budget
nothing is kept and every pass reads the input as before.

A kept batch's Polars frame is kept with it (`polars_frame`): the profile converts each batch
to hash its rows, and the row pass over the same batches would convert them again (a view per
string: for a million rows of four text columns 0.07 s and 64 MB of fresh memory). So are the
row hashes the profile computes for its fingerprint (`HASH_SEED`), which the row tasks that
compare whole rows (duplicates, train/test overlap) would compute again (0.05 s).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import polars as pl
import pyarrow as pa

from tripwire.errors import UsageError

#: the most bytes of Arrow batches a run keeps from its profile pass for its row pass
KEEP_BYTES = 512 * 2**20
#: environment variable that sets the budget in MB (0 keeps nothing)
KEEP_ENV = "TRIPWIRE_KEEP_ROWS_MB"


#: the seed of the row hashes kept with a batch's frame: the profile fingerprint's, which never changes
HASH_SEED = 0
#: id(batch) -> [the batch (weakly), its Polars frame once converted] for every batch a pass keeps
_FRAMES: dict[int, list] = {}
#: id(frame) -> (the frame, weakly; its row hashes once the profile made them) for the frames of kept batches
_HASHES: dict[int, tuple[weakref.ref, np.ndarray | None]] = {}
_frames_lock = threading.Lock()


def polars_frame(batch: pa.RecordBatch) -> pl.DataFrame:
    """Return `pl.from_arrow(batch)`; converted once for a batch a pass keeps, whoever asks first."""
    entry = _FRAMES.get(id(batch))
    if entry is None or entry[0]() is not batch:
        return pl.from_arrow(batch)  # type: ignore[return-value]
    with _frames_lock:
        if entry[1] is None:
            frame = entry[1] = pl.from_arrow(batch)
            key = id(frame)
            _HASHES[key] = (weakref.ref(frame, lambda _, key=key: _HASHES.pop(key, None)), None)
        return entry[1]


def remember_row_hashes(frame: pl.DataFrame, hashes: np.ndarray) -> None:
    """Keep `frame.hash_rows(seed=HASH_SEED)` with the frame when it is a kept batch's (else forget it)."""
    entry = _HASHES.get(id(frame))
    if entry is None or entry[0]() is not frame:
        return
    hashes.flags.writeable = False  # shared: no reader may change another's hashes
    _HASHES[id(frame)] = (entry[0], hashes)


def kept_row_hashes(frame: pl.DataFrame) -> np.ndarray | None:
    """Return the row hashes (`HASH_SEED`) kept with this very frame, or None."""
    entry = _HASHES.get(id(frame))
    return entry[1] if entry is not None and entry[0]() is frame else None


def _hold_frame(batch: pa.RecordBatch) -> None:
    key = id(batch)
    # the entry goes when the batch does (a run that never released its kept batches)
    _FRAMES[key] = [weakref.ref(batch, lambda _, key=key: _FRAMES.pop(key, None)), None]


def _drop_frames(batches: list[pa.RecordBatch]) -> None:
    for batch in batches:
        entry = _FRAMES.get(id(batch))
        if entry is not None and entry[0]() is batch:
            del _FRAMES[id(batch)]
            if entry[1] is not None:
                _HASHES.pop(id(entry[1]), None)


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
        if self._kept is not None:
            _drop_frames(self._kept)
        self._kept = None

    def _keeping(self) -> Iterator[pa.RecordBatch]:
        kept: list[pa.RecordBatch] | None = []
        size = 0
        done = False
        try:
            for batch in self._read():
                if kept is not None:
                    size += batch.nbytes
                    if size <= self.max_bytes:
                        kept.append(batch)
                        _hold_frame(batch)
                    else:
                        _drop_frames(kept)
                        kept = None  # over the budget: keep nothing, later passes read the input
                yield batch
            done = True
        finally:
            if not done and kept:
                _drop_frames(kept)
        self._kept = kept  # only a pass read to its end is kept
