"""Which columns to join on, and the distinct keys of one side with their row counts."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from tripwire.errors import InputError, UsageError
from tripwire.io import Source
from tripwire.progress import ProgressCallback

#: the column of a key-count frame holding how many rows carry the key
COUNT = "__rows"
#: the column of a key's hash while two sides are compared
HASH = "__hash"
CARDINALITIES = ("1:1", "1:n", "n:1", "n:m")


@dataclass(frozen=True)
class KeyPairs:
    """The key columns of each side, pairwise: left[i] joins right[i]."""

    left: tuple[str, ...]
    right: tuple[str, ...]

    def label(self) -> str:
        """Return the pairs as the user writes them (`tailnum`, `dest=faa`)."""
        return ",".join(a if a == b else f"{a}={b}" for a, b in zip(self.left, self.right, strict=True))


def parse_on(on: str | Sequence[str] | dict[str, str]) -> KeyPairs:
    """Return the key pairs of `--on KEY[=RIGHT_KEY][,KEY2...]`, a list of such, or {left: right}."""
    if isinstance(on, dict):
        items = [(str(a), str(b)) for a, b in on.items()]
    else:
        parts = on.split(",") if isinstance(on, str) else [str(p) for p in on]
        items = []
        for part in parts:
            left, _, right = part.strip().partition("=")
            items.append((left.strip(), right.strip() or left.strip()))
    if not items or any(not a or not b for a, b in items):
        raise UsageError(f"--on {on!r}: name the key columns, e.g. --on tailnum or --on dest=faa,year")
    return KeyPairs(tuple(a for a, _ in items), tuple(b for _, b in items))


def check_expect(expect: str | None) -> str | None:
    """Return the declared cardinality, refusing anything but 1:1, 1:n, n:1, n:m."""
    if expect is None:
        return None
    text = str(expect).strip().lower().replace("m:1", "n:1").replace("1:m", "1:n")
    if text not in CARDINALITIES:
        raise UsageError(f"--expect {expect!r}: choose one of {', '.join(CARDINALITIES)}")
    return text


def _kind(dtype: pa.DataType) -> str:
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "text"
    if pa.types.is_date(dtype) or pa.types.is_timestamp(dtype):
        return "time"
    if pa.types.is_boolean(dtype):
        return "bool"
    if pa.types.is_null(dtype):
        return "null"
    return "other"


def key_kinds(left: Source, right: Source, pairs: KeyPairs) -> list[tuple[str, str]]:
    """Return each pair's (left kind, right kind); refuse absent columns and pairs that cannot meet.

    Text meets anything but nested values (the format normalisations compare it as text);
    numbers, times and booleans meet only their own kind.
    """
    for source, columns, side in ((left, pairs.left, "left"), (right, pairs.right, "right")):
        names = source.schema.names
        for col in columns:
            if col not in names:
                close = difflib.get_close_matches(col, names, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"its columns: {', '.join(names[:12])}"
                raise InputError(f"no key column {col!r} on the {side} side", path=source.name, hint=hint)
    kinds = []
    for a, b in zip(pairs.left, pairs.right, strict=True):
        ka, kb = _kind(left.schema.field(a).type), _kind(right.schema.field(b).type)
        meet = ka == kb or "null" in (ka, kb) or ("text" in (ka, kb) and "other" not in (ka, kb))
        if not meet or "other" in (ka, kb):
            raise UsageError(
                f"keys {a!r} ({left.schema.field(a).type}) and {b!r} ({right.schema.field(b).type}) "
                "cannot be compared: join a column of the same kind, or cast one side in a sql: query")
        kinds.append((ka, kb))
    return kinds


def read_keys(source: Source, columns: Sequence[str], progress: ProgressCallback | None = None) -> pl.DataFrame:
    """Read only the key columns of a source (one pass), as a Polars frame named k0, k1, ..."""
    parts = []
    done = 0
    for batch in source.open_batches():
        parts.append(batch.select(list(columns)))
        done += batch.num_rows
        if progress is not None:
            progress(done, source.num_rows)
    schema = pa.schema([source.schema.field(c) for c in columns])
    table = pa.Table.from_batches(parts, schema=schema) if parts else schema.empty_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.rename({c: f"k{i}" for i, c in enumerate(columns)})


def key_hash(columns: list[str]) -> pl.Expr:
    """Return one 64-bit hash per key (all parts): grouping and joining on it is about twice as
    fast as on text keys. Two distinct keys sharing a hash (odds ~1e-8 for a million keys) would
    be counted as one."""
    return pl.struct(columns).hash(seed=11).alias(HASH)


def key_counts(keys: pl.DataFrame) -> pl.DataFrame:
    """Return the distinct keys with their row counts (rows with a null in any key part dropped)."""
    cols = keys.columns
    return keys.drop_nulls().group_by(key_hash(cols)).agg(
        *[pl.col(c).first() for c in cols], pl.len().alias(COUNT)).drop(HASH)


def comparable(left: pl.DataFrame, right: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cast key parts of differing types so a Polars join can compare them as they stand.

    Numbers meet as Float64 (an int 7 equals 7.0); text against a number or time is compared
    as text, which is what a careless join would do (and why it misses '007' vs 7).
    """
    lcasts, rcasts = [], []
    for c in left.columns:
        if c == COUNT:
            continue
        lt, rt = left.schema[c], right.schema[c]
        if lt == rt:
            continue
        if lt.is_numeric() and rt.is_numeric():
            lcasts.append(pl.col(c).cast(pl.Float64))
            rcasts.append(pl.col(c).cast(pl.Float64))
        elif lt.is_temporal() and rt.is_temporal():
            lcasts.append(pl.col(c).cast(pl.Datetime("us")))
            rcasts.append(pl.col(c).cast(pl.Datetime("us")))
        else:
            lcasts.append(as_text(c, lt))
            rcasts.append(as_text(c, rt))
    return (left.with_columns(lcasts) if lcasts else left, right.with_columns(rcasts) if rcasts else right)


def as_text(col: str, dtype: pl.DataType) -> pl.Expr:
    """Return a key part as text; whole floats without '.0' so 7.0 meets '7'."""
    x = pl.col(col)
    if dtype.is_float():
        return pl.when(x == x.round()).then(x.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
            x.cast(pl.String)).alias(col)
    return x.cast(pl.String)


def sample(values: pl.Series, n: int) -> pl.Series:
    """Return up to about n values chosen by hash, sorted: the same whatever order `values` came in."""
    values = values.drop_nulls()
    if values.len() > n:
        values = values.filter(values.hash(seed=5) % (values.len() // n + 1) == 0)
    return values.sort().head(n)


def example(values: Any) -> Any:
    """Return a key for display: a 1-tuple as its value, else a list."""
    return values[0] if len(values) == 1 else list(values)
