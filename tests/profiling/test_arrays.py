"""NumPy ↔ Arrow without pandas: same values as pyarrow's own conversion, and no pandas import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from tripwire.arrays import from_numpy, to_numpy


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint64", "float32", "float64"])
def test_round_trip_matches_pyarrow(dtype: str) -> None:
    values = (np.arange(-5, 20) * 3).astype(dtype)
    assert from_numpy(values).equals(pa.array(values))
    assert np.array_equal(to_numpy(pa.array(values)), values)


def test_slices_chunks_and_strided_input() -> None:
    arr = pa.array(np.arange(100, dtype=np.int64))
    assert to_numpy(arr.slice(10, 5)).tolist() == [10, 11, 12, 13, 14]
    chunked = pa.chunked_array([arr.slice(0, 3), arr.slice(50, 2)])
    assert to_numpy(chunked).tolist() == [0, 1, 2, 50, 51]
    assert to_numpy(pa.chunked_array([], pa.float64())).size == 0
    strided = np.arange(10, dtype=np.float64)[::2]  # not contiguous: copied, not misread
    assert from_numpy(strided).to_pylist() == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_nulls_and_other_types_fall_back() -> None:
    assert to_numpy(pa.array([1.0, None, 3.0])).tolist()[::2] == [1.0, 3.0]
    assert to_numpy(pa.array([True, False])).tolist() == [True, False]


def test_profiling_a_parquet_file_never_imports_pandas(tmp_path) -> None:
    # pandas costs 0.15–0.45 s of every CLI run: the Parquet path must not need it
    import polars as pl

    path = tmp_path / "t.parquet"
    pl.DataFrame({"x": np.arange(50_000) % 97, "y": np.linspace(0, 1, 50_000), "s": ["a", "b"] * 25_000}
                 ).write_parquet(path)
    code = ("import sys; from tripwire.cli.main import main\n"
            f"sys.argv = ['tripwire', 'profile', {str(path)!r}, '-o', {str(tmp_path / 'p.json')!r}, '-q']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_member_is_np_isin_for_hashes_and_anything_else():
    from tripwire.arrays import member

    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64, endpoint=True)
    sample = np.concatenate([hashes[::97], rng.integers(0, 2**64 - 1, 300, dtype=np.uint64, endpoint=True)])
    assert np.array_equal(member(hashes, sample), np.isin(hashes, sample))
    assert member(hashes, sample).sum() == hashes[::97].size
    empty = np.zeros(0, np.uint64)
    assert member(empty, sample).shape == (0,) and not member(hashes[:5], empty).any()
    floats = np.array([1.0, np.nan, 3.0])  # not hashes: np.isin's own answer (NaN never a member)
    assert np.array_equal(member(floats, np.array([np.nan, 3.0])), [False, False, True])
    assert np.array_equal(member(np.array([1, 2], np.int32), np.array([2], np.int64)), [False, True])


def test_one_thread_nests_across_threads_and_the_run_thread_restores_the_limit():
    import threading

    from threadpoolctl import threadpool_info

    from tripwire.arrays import one_thread

    def threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info()}

    before = threads()
    seen: list[set[int]] = []

    def worker() -> None:  # a run's worker: in and out while the run's thread holds the limit
        with one_thread():
            seen.append(threads())
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})

    with one_thread():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(5)
        assert threads() == {1}
    assert seen == [{1}, {1}]  # the worker leaving did not lift the run's limit
    assert threads() == before
