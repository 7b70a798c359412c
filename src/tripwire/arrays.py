"""Move numeric arrays between NumPy and Arrow without pyarrow's pandas detour.

``pa.array(ndarray)`` and ``Array.to_numpy(zero_copy_only=False)`` import pandas on first use
(0.15–0.45 s of a CLI run) to ask whether the input is a pandas object. For fixed-width
numbers without nulls the buffers answer that question: these wrap them, zero-copy.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa


def from_numpy(values: np.ndarray) -> pa.Array:
    """Wrap a 1-D numeric NumPy array (no nulls) as an Arrow array."""
    values = np.ascontiguousarray(values)
    if values.dtype.kind not in "iuf":
        return pa.array(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return the values of a null-free numeric Arrow array as NumPy (zero-copy when one chunk)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    kind = array.type
    if array.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        dtype = np.dtype(kind.to_pandas_dtype()) if not pa.types.is_float16(kind) else np.float16
        data = array.buffers()[1]
        if data is None:
            return np.empty(0, dtype)
        return np.frombuffer(data, dtype, count=len(array), offset=array.offset * dtype.itemsize)
    return array.to_numpy(zero_copy_only=False)


def member(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Return a mask of which `values` occur in `of` (what `np.isin` returns).

    Integer arrays (row hashes) are looked up in a hash table: `np.isin` sorts both arrays,
    ten times slower for a million hashes against a sample.
    """
    values, of = np.asarray(values), np.asarray(of)
    if values.dtype.kind not in "iu" or of.dtype.kind not in "iu" or values.dtype != of.dtype:
        return np.isin(values, of)
    import polars as pl

    return pl.Series(values).is_in(pl.Series(of).implode()).to_numpy()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS and OpenMP kernels on one thread inside this context.

    Their worker threads spin when the machine is shared (or while the run's other thread
    computes), turning a second's work into minutes. Two threads of a run may be inside at
    once: the limit is process-wide, so the first in sets it and the last out restores it.
    OpenBLAS ignores a raise of its threads from a thread other than the one that lowered
    them, so a run holds the limit on its own thread while its worker works
    (`DetectorRun`): the last out is then the thread that came in first.
    """
    global _inside, _limiter
    controller = _thread_controller()
    if controller is None:
        yield
        return
    with _ONE_THREAD:
        if _inside == 0:
            _limiter = controller.limit(limits=1)
        _inside += 1
    try:
        yield
    finally:
        with _ONE_THREAD:
            _inside -= 1
            if _inside == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None


_ONE_THREAD = threading.Lock()
_inside = 0
_limiter: Any = None


@functools.cache
def _thread_controller() -> Any:
    """Return threadpoolctl's controller, made once: finding the loaded libraries costs 5 ms a call."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # without scikit-learn's helper: the libraries' default threads
        return None
    return ThreadpoolController()
