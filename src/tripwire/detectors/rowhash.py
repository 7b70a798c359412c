"""One hash per row of the row pass's current batch, shared by the row tasks that compare whole rows.

`data.duplicates` (rows that repeat an earlier row) and `leakage.train_test_overlap` (rows
also in the reference) both hash every whole row of every batch; the row pass hands them
the same frame, so the first to ask computes the hashes and the other reuses them.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import polars as pl

from tripwire.vocabulary import hash_rows

#: the seed of every whole-row hash row tasks compare (within the batch, or with the reference's
#: sampled rows hashed the same way)
ROW_SEED = 3

_last = threading.local()


def batch_row_hashes(df: pl.DataFrame) -> np.ndarray:
    """Return `hash_rows(df, seed=ROW_SEED)`, computed once for this very frame however many ask.

    Remembers only the last frame (weakly, per thread): the row pass asks about one batch at a time.
    """
    ref, hashes = getattr(_last, "entry", (None, None))
    if ref is not None and ref() is df:
        return hashes
    hashes = hash_rows(df, seed=ROW_SEED)
    hashes.flags.writeable = False  # shared: no task may change another's hashes
    _last.entry = (weakref.ref(df), hashes)
    return hashes
