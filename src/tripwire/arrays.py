"""Move numeric arrays between NumPy and Arrow without pyarrow's pandas detour.

``pa.array(ndarray)`` and ``Array.to_numpy(zero_copy_only=False)`` import pandas on first use
(0.15–0.45 s of a CLI run) to ask whether the input is a pandas object. For fixed-width
numbers without nulls the buffers answer that question: these wrap them, zero-copy.
"""

from __future__ import annotations

import contextlib
import functools
import sys
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
    """Run BLAS and OpenMP kernels on one thread inside this context (on this thread).

    Their worker threads spin when the machine is shared (or while the run's other thread
    computes), turning a second's work into minutes. OpenMP's limit belongs to the thread
    that sets it; OpenBLAS's is process-wide and ignores a raise from a thread other than
    the one that lowered it, so a run holds it on its own thread, entered first and left
    last, while its worker works (`DetectorRun`). Import the library whose kernels you
    limit before entering: only libraries already loaded are controlled.
    """
    controller = _thread_controller(len(sys.modules))
    if controller is None:
        yield
        return
    limiter = controller.limit(limits=1)
    try:
        yield
    finally:
        limiter.restore_original_limits()


@functools.lru_cache(maxsize=1)
def _thread_controller(modules: int) -> Any:
    """Return threadpoolctl's controller, made again only when modules were imported since.

    Finding the loaded libraries costs 5 ms a call; a module imported since may have loaded
    one (scikit-learn loads OpenMP).
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # without scikit-learn's helper: the libraries' default threads
        return None
    return ThreadpoolController()
