"""Keyed pseudonyms: HMAC-SHA256 of each value, truncated, the same on every batch and machine.

The hashing runs inside Polars (the `polars-hash` plugin, Rust), not a Python loop per
value. The same key and value always give the same pseudonym, so joins across files and
days still work; without the key a pseudonym cannot be recomputed from a guessed value.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.extras import require

MIN_KEY_BYTES = 16
#: hex characters kept of the 64-character digest (16 = 64 bits: collisions are unlikely below
#: billions of distinct values)
DEFAULT_LENGTH = 16


def read_key(key_env: str | None = None, key_file: str | Path | None = None) -> bytes:
    """Return the secret key from an environment variable or a file (never from the command line).

    The key is never printed: errors name the variable or file and the length only.
    """
    if (key_env is None) == (key_file is None):
        raise UsageError("give the key as --key-env VAR or --key-file PATH (one of them)")
    if key_env is not None:
        value = os.environ.get(key_env)
        if not value:
            raise UsageError(f"--key-env {key_env}: the variable is not set; export a secret of at least "
                             f"{MIN_KEY_BYTES} bytes, e.g. {key_env}=$(openssl rand -hex 32)")
        key, where = value.encode("utf-8"), f"${key_env}"
    else:
        path = Path(str(key_file))
        if not path.is_file():
            raise UsageError(f"--key-file {path}: no such file; write a secret of at least {MIN_KEY_BYTES} bytes to it")
        key, where = path.read_bytes().rstrip(b"\r\n"), str(path)
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(f"the key in {where} is {len(key)} bytes; give at least {MIN_KEY_BYTES} "
                         "(e.g. openssl rand -hex 32)")
    return key


#: rows of pseudonym pairs kept before they are cut to one per distinct value (bounds the check's memory)
COMPACT_ROWS = 4_000_000


class CollisionCheck:
    """Every (value, pseudonym) pair given so far, to refuse two different values sharing a pseudonym.

    Pseudonyms are truncated digests: a short one (a format-kept id of few digits, a small
    `--length`) can be the same for two people, and merging them silently would corrupt every
    join and count on the column. Values and pseudonyms are kept as 64-bit hashes with the
    first row of each value (24 bytes a row, cut to one row per distinct value every few
    million rows), so the check spans every batch of a file; two values are told apart by their hashes (a false alarm needs two 64-bit hashes
    to meet).
    """

    def __init__(self, columns: list[str], *, length: int) -> None:
        """Check `columns`; `length` only says what to do in the message."""
        self.columns, self.length = columns, length
        self._parts: dict[str, list[pl.DataFrame]] = {c: [] for c in columns}
        self._rows = 0

    def add(self, before: pl.DataFrame, after: pl.DataFrame) -> None:
        """Remember one batch's pairs (rows counted on from the previous batches)."""
        row = pl.int_range(self._rows, self._rows + before.height, dtype=pl.Int64, eager=True)
        for c in self.columns:
            given = after.get_column(c)
            kept = given.is_not_null()
            if given.dtype == pl.String:
                kept &= given != ""  # null and empty text stay as they were: no pseudonym to share
            pairs = pl.DataFrame({"value": before.get_column(c).hash(), "pseudonym": given.hash(), "row": row})
            parts = self._parts[c]
            parts.append(pairs.filter(kept))
            if sum(p.height for p in parts) >= COMPACT_ROWS:
                self._parts[c] = [_first_rows(parts)]
        self._rows += before.height

    def verify(self) -> None:
        """Raise a UsageError (one line, no value shown) when two different values got one pseudonym."""
        for c in self.columns:
            if not self._parts[c]:
                continue
            pairs = pl.concat(self._parts[c])
            # each value has one pseudonym: fewer pseudonyms than values means two values share one
            distinct = pairs.get_column("value").n_unique()
            if pairs.get_column("pseudonym").n_unique() == distinct:
                continue
            first, second, sharing = _first_clash(pairs)
            # format-kept numbers never clash (a permutation): the clash is among hex pseudonyms
            raise UsageError(
                f"{c}: {sharing:,} value(s) would share a pseudonym "
                f"with another (first: rows {first + 1:,} and {second + 1:,}, counting from 1, of "
                f"{distinct:,} distinct values); two people must never become one, so nothing was written: "
                f"give a longer --length than {self.length}")


def _first_rows(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Return one row per distinct value: its pseudonym and the first row it was seen in."""
    return pl.concat(parts).group_by("value").agg(pl.col("pseudonym").first(), pl.col("row").min())


def _first_clash(pairs: pl.DataFrame) -> tuple[int, int, int]:
    """Return the first two rows of two values sharing a pseudonym, and how many values share one with another."""
    value, pseudonym, row = (pairs.get_column(c).to_numpy() for c in ("value", "pseudonym", "row"))
    order = np.lexsort((row, value))  # each value's first row first (sorts in NumPy: fast at millions)
    value, pseudonym, row = value[order], pseudonym[order], row[order]
    first = np.r_[True, value[1:] != value[:-1]]
    pseudonym, row = pseudonym[first], row[first]
    order = np.lexsort((row, pseudonym))
    pseudonym, row = pseudonym[order], row[order]
    same = pseudonym[1:] == pseudonym[:-1]  # a value after another with its pseudonym
    later = np.flatnonzero(same) + 1
    starts = np.flatnonzero(np.r_[False, same] & ~np.r_[False, False, same[:-1]])  # the second of each clash
    pick = starts[np.argmin(row[starts - 1])]  # the clash whose first value comes first in the file
    return int(row[pick - 1]), int(row[pick]), int(later.size)


def pseudonymise_frame(df: pl.DataFrame, columns: list[str], key: bytes, *, length: int = DEFAULT_LENGTH,
                       keep_format: bool = False, collisions: CollisionCheck | None = None) -> pl.DataFrame:
    """Return `df` with each of `columns` replaced by keyed pseudonyms (the other columns untouched).

    `keep_format` keeps an identifier's look: integers stay integers with as many digits,
    digit strings stay digit strings of the same length (leading zeros kept), through a keyed
    permutation of each width's numbers, so two ids never share one; other values get `length`
    hex characters, and two different values given one pseudonym raise a UsageError.
    `collisions`: a check the caller shares across batches (and verifies at the end); without
    one, this frame is checked.
    """
    out = _pseudonyms(df, columns, key, length, keep_format)
    check = collisions or CollisionCheck(columns, length=length)
    check.add(df, out)
    if collisions is None:
        check.verify()
    return out


def _pseudonyms(df: pl.DataFrame, columns: list[str], key: bytes, length: int, keep_format: bool) -> pl.DataFrame:
    plh = require("polars_hash", "pseudonymising columns")
    out = []
    for c in columns:
        dtype = df.schema[c]
        text = df.get_column(c).cast(pl.String)
        digits = text.str.len_chars()
        if keep_format and dtype.is_integer():  # numbers only: no hex digest needed
            neg = (df.get_column(c) < 0).fill_null(False)
            width = (digits - neg.cast(pl.UInt32)).fill_null(1)
            if (wide := int((width > 18).sum())):  # clipping them would make them one number
                raise UsageError(f"{c}: {wide:,} integer(s) of 19 or more digits cannot keep their format "
                                 "(at most 18 digits): drop --keep-format or store the column as text")
            width = width.clip(1, 18).to_numpy()
            neg_np = neg.to_numpy()
            magnitude = df.get_column(c).cast(pl.Int64, strict=False).abs().fill_null(0).to_numpy()
            # d digits stay d digits: 1-digit numbers permute 0–9, wider ones never get a leading zero
            low = np.where(width == 1, 0, 10 ** (width - 1).astype(np.int64))
            span = np.where(width == 1, 10, 9 * low)
            permuted = _keyed_permutation(np.clip(magnitude, low, low + span - 1) - low, span, width, key, "int")
            # -k whose k goes to 0 would meet k at 0 (there is no -0): it takes -p, p being 0's image
            # (which no other negative takes), so signed 1-digit numbers stay a permutation too
            at_zero = (width == 1) & neg_np & (permuted == 0)
            if at_zero.any():
                permuted[at_zero] = _keyed_permutation(np.zeros(1, np.int64), np.full(1, 10), np.ones(1, np.int64),
                                                       key, "int")[0]
            value = pl.Series(c, low + permuted)
            value = pl.select(pl.when(neg).then(-value).otherwise(value)).to_series()
            value = pl.select(pl.when(df.get_column(c).is_null()).then(None).otherwise(value)).to_series()
            out.append(value.cast(dtype, strict=False).alias(c))
            continue
        digest = pl.DataFrame({"t": text}).select(plh.col("t").chash.hmac_sha256(key=key)).to_series()
        # an empty text is no identifier: it stays empty (as a null stays null)
        digest = pl.select(pl.when(text == "").then(pl.lit("")).otherwise(digest)).to_series()
        if not keep_format:
            out.append(digest.str.slice(0, length).alias(c))
            continue
        is_digits = text.str.contains(r"^[0-9]{1,18}$").fill_null(False)
        width = digits.clip(1, 18).fill_null(1).to_numpy()
        rows = np.flatnonzero(is_digits.to_numpy())
        number = text.gather(rows).str.to_integer().to_numpy()
        permuted = np.zeros(len(text), np.int64)
        permuted[rows] = _keyed_permutation(number, 10 ** width[rows].astype(np.int64), width[rows], key, "digits")
        as_digits = pl.Series(permuted).cast(pl.String).str.zfill(pl.Series(width))
        fallback = digest.str.slice(0, length)
        out.append(pl.select(pl.when(is_digits).then(as_digits).otherwise(fallback)).to_series().alias(c))
    return df.with_columns(out)


#: Feistel rounds of the format-keeping permutation (FF1 uses 10; 8 keyed rounds are well past
#: the 4 a Luby–Rackoff permutation needs)
ROUNDS = 8


def _keyed_permutation(x: np.ndarray, n: np.ndarray, width: np.ndarray, key: bytes, kind: str) -> np.ndarray:
    """Map each x in [0, n) to a keyed pseudo-random permutation of [0, n): two values never share one.

    A Feistel network over [0, a·b) with a·b ≥ n (a = ⌈√n⌉) whose rounds add an HMAC of the
    other half, walked again while the result falls outside [0, n) (cycle walking keeps a
    permutation a permutation). Each domain (kind and width) gets its own round keys.
    """
    out = np.empty_like(x)
    for w in np.unique(width):
        rows = np.flatnonzero(width == w)
        size = int(n[rows[0]])
        a = int(np.ceil(np.sqrt(size)))
        rounds = _Rounds(key, f"{kind}{w}", a, -(-size // a), rows.size)
        y = x[rows].astype(np.int64)
        pending = np.arange(y.size)
        while pending.size:
            y[pending] = rounds.apply(y[pending])
            pending = pending[y[pending] >= size]
        out[rows] = y
    return out


class _Rounds:
    """The Feistel rounds of one domain [0, a·b), their round functions kept for the cycle walk."""

    def __init__(self, key: bytes, tweak: str, a: int, b: int, rows: int) -> None:
        self.key, self.tweak, self.a, self.b, self.rows = key, tweak, a, b, rows
        self._tables: dict[int, np.ndarray] = {}

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Apply the keyed rounds to values in [0, a·b)."""
        left, right = x // self.b, x % self.b
        for r in range(ROUNDS):
            if r % 2 == 0:
                left = (left + self._f(r, right, self.b)) % self.a
            else:
                right = (right + self._f(r, left, self.a)) % self.b
        return left * self.b + right

    def _f(self, r: int, half: np.ndarray, size: int) -> np.ndarray:
        """Return round r's function of each half in [0, size): 60 bits of HMAC-SHA256(key, tweak:r:half).

        A half space no larger than the rows is hashed whole once (a table lookup after);
        a larger one only at the halves present.
        """
        if size <= self.rows:
            if r not in self._tables:
                self._tables[r] = _hmac60(np.arange(size, dtype=np.int64), self.key, f"{self.tweak}:{r}:")
            return self._tables[r][half]
        distinct, back = np.unique(half, return_inverse=True)
        return _hmac60(distinct, self.key, f"{self.tweak}:{r}:")[back]


def _hmac60(values: np.ndarray, key: bytes, prefix: str) -> np.ndarray:
    """Return the first 60 bits of HMAC-SHA256(key, prefix + value) for each value."""
    plh = require("polars_hash", "pseudonymising columns")
    text = pl.DataFrame({"t": pl.Series(values).cast(pl.String)}).select((pl.lit(prefix) + pl.col("t")).alias("t"))
    digest = text.select(plh.col("t").chash.hmac_sha256(key=key)).to_series()
    return digest.str.slice(0, 15).str.to_integer(base=16).cast(pl.Int64).to_numpy()
