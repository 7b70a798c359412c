"""Value-pattern signatures (`Aa-dd`, `dd/dd/dddd`) computed on raw UTF-8 bytes, vectorised.

A signature maps upper-case letters to `A`, runs of lower-case letters to `a`, digits to `d`,
runs of whitespace to one space, and keeps every other character; it is cut at
MAX_PATTERN_LENGTH characters. ASCII values are translated byte by byte with a lookup table
over the Arrow data buffer (no regex, no per-value loop); values with non-ASCII characters
go through Unicode-aware regexes (other scripts' letters become `L`).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

MAX_PATTERN_LENGTH = 24

_LUT = np.arange(256, dtype=np.uint8)
_LUT[ord("A"): ord("Z") + 1] = ord("A")
_LUT[ord("a"): ord("z") + 1] = ord("a")
_LUT[ord("0"): ord("9") + 1] = ord("d")
for _ws in b" \t\n\r\x0b\x0c":
    _LUT[_ws] = ord(" ")


def signatures(values: pl.Series) -> pl.Series:
    """Return the pattern signature of each string (nulls stay null)."""
    ascii_mask = values.str.len_bytes() == values.str.len_chars()
    if ascii_mask.all():
        return _cut(_ascii_signatures(values))
    out = pl.Series(values.name, [None] * len(values), dtype=pl.String)
    if ascii_mask.any():
        out = out.scatter(ascii_mask.arg_true(), _ascii_signatures(values.filter(ascii_mask)))
    other = ~ascii_mask
    out = out.scatter(other.arg_true(), _unicode_signatures(values.filter(other)))
    return _cut(out)


def _ascii_signatures(values: pl.Series) -> pl.Series:
    arr = values.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + n + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    data = _LUT[np.frombuffer(data_buf, dtype=np.uint8)[start:end]] if data_buf is not None \
        else np.zeros(0, dtype=np.uint8)
    rel = offsets - start
    # drop a byte when it repeats the previous 'a' or ' ' inside the same value (collapse runs)
    runs = (data == ord("a")) | (data == ord(" "))
    drop = np.zeros(data.size, dtype=bool)
    if data.size > 1:
        drop[1:] = runs[1:] & (data[1:] == data[:-1])
    starts = rel[:-1][rel[:-1] < data.size]
    drop[starts] = False  # the first byte of a value never merges with the previous value
    kept = data[~drop]
    removed_before = np.concatenate([[0], np.cumsum(drop)])
    new_offsets = (rel - removed_before[rel]).astype(np.int64)
    out = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(new_offsets.tobytes()), pa.py_buffer(kept.tobytes()), arr.buffers()[0],
        arr.null_count, 0,
    ) if arr.offset == 0 else pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(new_offsets.tobytes()), pa.py_buffer(kept.tobytes()),
        _rebased_validity(arr), arr.null_count, 0,
    )
    return pl.Series(values.name, out)


def _rebased_validity(arr: pa.Array) -> pa.Buffer | None:
    if arr.null_count == 0:
        return None
    valid = np.asarray(arr.is_valid())
    return pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())


def _unicode_signatures(values: pl.Series) -> pl.Series:
    return values.to_frame("v").select(
        pl.col("v").str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}+", "a")
        .str.replace_all(r"[\p{Lo}\p{Lm}\p{Lt}]+", "L")
        .str.replace_all(r"\d", "d")
        .str.replace_all(r"\s+", " ")
    ).to_series()


def _cut(sig: pl.Series) -> pl.Series:
    long = sig.str.len_chars() > MAX_PATTERN_LENGTH
    if not long.any():
        return sig
    return sig.to_frame("s").select(
        pl.when(long).then(pl.col("s").str.slice(0, MAX_PATTERN_LENGTH) + pl.lit("…"))
        .otherwise(pl.col("s"))
    ).to_series().alias(sig.name)
