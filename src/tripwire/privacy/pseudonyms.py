"""Keyed pseudonyms: HMAC-SHA256 of each value, truncated, the same on every batch and machine.

The hashing runs inside Polars (the `polars-hash` plugin, Rust), not a Python loop per
value. The same key and value always give the same pseudonym, so joins across files and
days still work; without the key a pseudonym cannot be recomputed from a guessed value.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def pseudonymise_frame(df: pl.DataFrame, columns: list[str], key: bytes, *, length: int = DEFAULT_LENGTH,
                       keep_format: bool = False) -> pl.DataFrame:
    """Return `df` with each of `columns` replaced by keyed pseudonyms (the other columns untouched).

    `keep_format` keeps an identifier's look: integers stay integers with as many digits,
    digit strings stay digit strings of the same length (leading zeros kept); other values
    get `length` hex characters. Digits come from the first 60 bits of the digest taken
    modulo 10^digits, so a format-kept id of d digits collides like a random d-digit number.
    """
    plh = require("polars_hash", "pseudonymising columns")
    out = []
    for c in columns:
        dtype = df.schema[c]
        text = df.get_column(c).cast(pl.String)
        digest = pl.DataFrame({"t": text}).select(plh.col("t").chash.hmac_sha256(key=key)).to_series()
        # an empty text is no identifier: it stays empty (as a null stays null)
        digest = pl.select(pl.when(text == "").then(pl.lit("")).otherwise(digest)).to_series()
        if not keep_format:
            out.append(digest.str.slice(0, length).alias(c))
            continue
        # 15 hex digits = 60 bits as an integer, then cut to the id's own number of digits
        n60 = digest.str.slice(0, 15).str.to_integer(base=16).cast(pl.Int64)
        digits = text.str.len_chars()
        if dtype.is_integer():
            neg = df.get_column(c) < 0
            width = (digits - neg.cast(pl.UInt32)).clip(1, 18)
            low = pl.Series([10], dtype=pl.Int64).pow(width - 1).cast(pl.Int64)
            span = 9 * low
            value = pl.Series(low + n60 % span).alias(c)  # d digits, never a leading zero
            value = pl.select(pl.when(neg).then(-value).otherwise(value)).to_series()
            out.append(value.cast(dtype, strict=False).alias(c))
            continue
        is_digits = text.str.contains(r"^\d{1,18}$")
        width = digits.clip(1, 18)
        modulus = pl.Series([10], dtype=pl.Int64).pow(width).cast(pl.Int64)
        as_digits = (n60 % modulus).cast(pl.String).str.zfill(width)
        fallback = digest.str.slice(0, length)
        out.append(pl.select(pl.when(is_digits).then(as_digits).otherwise(fallback)).to_series().alias(c))
    return df.with_columns(out)
