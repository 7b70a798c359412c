"""One hash per row of the row pass's current batch, shared by the row tasks that compare whole rows.

`data.duplicates` (rows that repeat an earlier row) and `leakage.train_test_overlap` (rows
also in the reference) both hash every whole row of every batch; the row pass hands them
the same frame, so the first to ask computes the hashes and the other reuses them. At the
scan's end both find the rows that repeat an earlier one in those same hashes
(`repeated_rows`): the sort of every row's hash is made once too. When the batch was kept
from the profile's pass, the profile hashed the very same frame for its fingerprint, with the
same seed: those hashes are used (`tripwire.io.kept`). Both also hash the reference's row
sample (duplicates counts its repeats, the overlap looks the batch's rows up in it):
`sample_row_hashes` makes those hashes once per reference.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tripwire.io.kept import HASH_SEED, kept_row_hashes
from tripwire.vocabulary import hash_rows, later_occurrences

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile

#: the seed of every whole-row hash row tasks compare (within the batch, or with the reference's
#: sampled rows hashed the same way)
ROW_SEED = HASH_SEED  # the profile's: a kept batch's frame carries its hashes

_last = threading.local()
#: the batches `repeated_rows` last answered about (weakly) and its answer
_repeats: tuple[tuple[weakref.ref[np.ndarray], ...], np.ndarray] | None = None
#: the reference `sample_row_hashes` last hashed (weakly), the columns, and its answer
_sample: tuple[weakref.ref[DatasetProfile], tuple[str, ...], np.ndarray] | None = None
#: guards both remembered answers (`_repeats`, `_sample`)
_answers_lock = threading.Lock()


def batch_row_hashes(df: pl.DataFrame) -> np.ndarray:
    """Return `hash_rows(df, seed=ROW_SEED)`, computed once for this very frame however many ask.

    Remembers only the last frame (weakly, per thread): the row pass asks about one batch at a time.
    """
    ref, hashes = getattr(_last, "entry", (None, None))
    if ref is not None and ref() is df:
        return hashes
    hashes = kept_row_hashes(df)  # the profile hashed this very frame for its fingerprint
    if hashes is None:
        hashes = hash_rows(df, seed=ROW_SEED)
    hashes.flags.writeable = False  # shared: no task may change another's hashes
    _last.entry = (weakref.ref(df), hashes)
    return hashes


def repeated_rows(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Return `later_occurrences` of the batches' row hashes end to end, computed once for the very same arrays.

    The duplicates and the train/test-overlap tasks both ask about the `batch_row_hashes`
    arrays of every batch when the scan ends; the second gets the first's answer (read-only).
    """
    global _repeats
    if not parts:
        return np.zeros(0, dtype=np.intp)
    with _answers_lock:
        last = _repeats
    if last is not None and len(last[0]) == len(parts) and all(r() is p for r, p in zip(last[0], parts, strict=True)):
        return last[1]
    out = later_occurrences(np.concatenate(parts))
    out.flags.writeable = False
    with _answers_lock:
        _repeats = (tuple(weakref.ref(p) for p in parts), out)
    return out


def sample_row_hashes(ref: DatasetProfile, columns: Sequence[str], sample: pl.DataFrame | None = None) -> np.ndarray:
    """Return `hash_rows` of the reference's row sample (these columns, in this order, its own types), made once.

    The duplicates detector counts the reference's repeats in them and the train/test-overlap
    task looks the batch's rows up in them (when the batch's types are the sample's): the second
    to ask for the same reference and columns gets the first's answer (read-only). `sample`:
    `ref.sample_frame()` when the caller already has it.
    """
    global _sample
    key = tuple(columns)
    with _answers_lock:
        last = _sample
    if last is not None and last[0]() is ref and last[1] == key:
        return last[2]
    frame = sample if sample is not None else ref.sample_frame()
    assert frame is not None, "a reference without a row sample has no sample rows to hash"
    hashes = hash_rows(frame.select(key), seed=ROW_SEED)
    hashes.flags.writeable = False
    with _answers_lock:
        _sample = (weakref.ref(ref), key, hashes)
    return hashes
