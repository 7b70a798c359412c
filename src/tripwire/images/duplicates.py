"""Near-identical perceptual hashes, found without comparing every pair.

Two 64-bit hashes within Hamming distance `d` < 8 agree exactly on at least one of eight
8-bit bands (pigeonhole), so candidate pairs come from a join on each band value (Polars),
and only candidates get their distance counted (`np.bitwise_count` on the XOR).
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: hashes at most this many bits apart (of 64) are the same picture
NEAR_BITS = 6
_BANDS = 8


def near_pairs(a: np.ndarray, b: np.ndarray | None = None, max_bits: int = NEAR_BITS) -> np.ndarray:
    """Return (i, j, bits) rows for hash pairs at most `max_bits` apart, as an int64 array of shape (k, 3).

    With `b` None, pairs within `a` (i < j); else pairs across (i in `a`, j in `b`).
    """
    if max_bits >= _BANDS:
        raise ValueError(f"max_bits must be below {_BANDS}")
    left = _bands(a)
    right = left if b is None else _bands(b)
    cand = []
    for k in range(_BANDS):
        col = f"b{k}"
        joined = left.select("i", col).join(right.select(pl.col("i").alias("j"), col), on=col)
        if b is None:
            joined = joined.filter(pl.col("i") < pl.col("j"))
        cand.append(joined.select("i", "j"))
    if not cand:
        return np.empty((0, 3), dtype=np.int64)
    pairs = pl.concat(cand).unique().sort("i", "j")
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    other = a if b is None else b
    bits = np.bitwise_count(a.view(np.uint64)[i] ^ other.view(np.uint64)[j]).astype(np.int64)
    keep = bits <= max_bits
    return np.column_stack([i[keep], j[keep], bits[keep]]).astype(np.int64)


def _bands(h: np.ndarray) -> pl.DataFrame:
    u = np.ascontiguousarray(h, dtype=np.int64).view(np.uint64)
    cols = {"i": np.arange(u.size, dtype=np.int64)}
    for k in range(_BANDS):
        cols[f"b{k}"] = ((u >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.int16)
    return pl.DataFrame(cols)


def groups(pairs: np.ndarray, n: int) -> np.ndarray:
    """Return a group id per item (connected components of the pairs; -1: in no pair)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not len(pairs):
        return np.full(n, -1, dtype=np.int64)
    m = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(m, directed=False)
    in_pair = np.zeros(n, dtype=bool)
    in_pair[pairs[:, 0]] = in_pair[pairs[:, 1]] = True
    return np.where(in_pair, label, -1).astype(np.int64)


def near_groups(h: np.ndarray, max_bits: int = NEAR_BITS) -> np.ndarray:
    """Return a group id per hash (-1: no other hash within `max_bits`), scaling with distinct values.

    Equal hashes are joined to their value's first item (a star, not every pair: ten thousand
    blank frames share one hash), and distinct values within `max_bits` are joined by value.
    """
    uniq, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    items = np.arange(h.size)
    star = np.column_stack([first[inverse], items])
    star = star[star[:, 0] != star[:, 1]]
    by_value = near_pairs(uniq, max_bits=max_bits)
    edges = np.vstack([star, np.column_stack([first[by_value[:, 0]], first[by_value[:, 1]]])]) if len(by_value) \
        else star
    if not len(edges):
        return np.full(h.size, -1, dtype=np.int64)
    return groups(np.column_stack([edges, np.zeros(len(edges), dtype=np.int64)]), h.size)


def near_matches(a: np.ndarray, b: np.ndarray, max_bits: int = NEAR_BITS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for each item of `a` within `max_bits` of some item of `b`: its index, one such `b` index, the bits."""
    ua, inv_a = np.unique(a, return_inverse=True)
    ub, first_b = np.unique(b, return_index=True)
    pairs = near_pairs(ua, ub, max_bits=max_bits)
    if not len(pairs):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    best = pl.DataFrame({"u": pairs[:, 0], "j": first_b[pairs[:, 1]], "bits": pairs[:, 2]}).sort("bits", "j") \
        .unique("u", keep="first")
    match = pl.DataFrame({"i": np.arange(a.size), "u": inv_a.astype(np.int64)}).join(best, on="u").sort("i")
    return match["i"].to_numpy(), match["j"].to_numpy(), match["bits"].to_numpy()
