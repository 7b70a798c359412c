"""Shape every reader's output the same way: few types, unique names, bounded batches.

Normalised types: every string type -> large_string, every binary type -> large_binary,
dictionary/categorical -> its (normalised) value type, date64 -> date32, extension types ->
their storage type, the null type (a column with no values at all) -> large_string,
run-end encoded -> its value type, float16 -> float32, duration -> int64 (the count in its
unit), decimal256 -> decimal128 when its precision fits 38 digits, else float64 (nearest),
month_day_nano_interval -> struct<months, days, nanoseconds>. Lists and structs keep their
shape with their children normalised; everything else is kept as is. A union column is
refused with one line (there is no single type to read it as). Dates and timestamps must lie
in the years 1 to 9999 (what a calendar and every renderer can show): another value is one
line naming its column and row.

Column names are made unique, deterministically: an empty name becomes ``column_<n>`` (n its
1-based position) and a repeated name gets ``.1``, ``.2``, ... (``id, id`` -> ``id, id.1``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tripwire.errors import InputError, TripwireError


def normal_type(t: pa.DataType) -> pa.DataType:
    """Return the type downstream code sees for a column of type `t`."""
    if pa.types.is_dictionary(t):
        return normal_type(t.value_type)
    if isinstance(t, pa.ExtensionType):
        return normal_type(t.storage_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.large_string()
    if (
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_binary_view(t)
        or pa.types.is_fixed_size_binary(t)
    ):
        return pa.large_binary()
    if pa.types.is_null(t):
        return pa.large_string()
    if pa.types.is_date64(t):
        return pa.date32()
    if pa.types.is_run_end_encoded(t):
        return normal_type(t.value_type)
    if pa.types.is_float16(t):
        return pa.float32()
    if pa.types.is_duration(t):
        return pa.int64()
    if pa.types.is_decimal256(t):
        return pa.decimal128(t.precision, t.scale) if t.precision <= 38 else pa.float64()
    if t == pa.month_day_nano_interval():
        return INTERVAL_STRUCT
    if pa.types.is_list(t):
        return pa.list_(normal_type(t.value_type))
    if pa.types.is_large_list(t):
        return pa.large_list(normal_type(t.value_type))
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return pa.large_list(normal_type(t.value_type))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(normal_type(t.value_type), t.list_size)
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, normal_type(f.type)) for f in t])
    return t


#: the normalised form of month_day_nano_interval (Polars cannot import the interval type)
INTERVAL_STRUCT = pa.struct(
    [("months", pa.int32()), ("days", pa.int32()), ("nanoseconds", pa.int64())]
)
#: a schema with more columns, or types nested deeper, is refused: corrupt metadata
MAX_COLUMNS = 1_000_000
MAX_TYPE_DEPTH = 64


def unique_names(names: Iterable[object]) -> tuple[list[str], list[str]]:
    """Return unique string names and a description of each rename (see the module doc)."""
    raw = ["" if n is None else str(n) for n in names]
    taken = set(raw)
    out: list[str] = []
    renames: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw):
        new = name
        if new == "":
            new = f"column_{i + 1}"
        if new in seen:
            k = 1
            while f"{name}.{k}" in taken or f"{name}.{k}" in seen:
                k += 1
            new = f"{name}.{k}"
        if new != name:
            renames.append(f"{name!r} (column {i + 1}) -> {new!r}")
        seen.add(new)
        out.append(new)
    return out, renames


def normal_schema(
    schema: pa.Schema, path: str | None = None
) -> tuple[pa.Schema, list[str]]:
    """Return the normalised schema (no metadata, unique names) and the renames made.

    Raise InputError naming `path` for a schema tripwire cannot read: too many columns,
    types nested too deep, a union column, or names that are not UTF-8.
    """
    if len(schema) > MAX_COLUMNS:
        raise InputError(
            f"has {len(schema):,} columns, more than tripwire reads ({MAX_COLUMNS:,})",
            path=path, hint="the file may be corrupt; export it again",
        )
    try:
        original = schema.names
    except UnicodeDecodeError as exc:
        raise InputError(
            f"a column name is not valid UTF-8 text ({exc.reason} at byte {exc.start})",
            path=path, hint="rename the columns with UTF-8 names and export it again",
        ) from exc
    names, renames = unique_names(original)
    for name, f in zip(names, schema, strict=True):
        _check_type(f.type, name, path)
    fields = [pa.field(n, _castable(f.type)) for n, f in zip(names, schema, strict=True)]
    return pa.schema(fields), renames


def _check_type(t: pa.DataType, column: str, path: str | None, depth: int = 0) -> None:
    if depth > MAX_TYPE_DEPTH:
        raise InputError(
            f"type nested more than {MAX_TYPE_DEPTH} levels deep", path=path, column=column,
            hint="flatten the column, or the file may be corrupt",
        )
    if pa.types.is_union(t):
        raise InputError(
            f"is a union type ({t}), which has no single type to read it as",
            path=path, column=column, hint="cast the column to one type before writing it",
        )
    for i in range(t.num_fields):
        _check_type(t.field(i).type, column, path, depth + 1)


def _castable(t: pa.DataType) -> pa.DataType:
    # a nested type whose normalised form Arrow cannot cast to stays as it is
    target = normal_type(t)
    if target == t:
        return t
    try:
        cast_array(pa.array([], type=t), target)
    except (pa.ArrowException, TypeError):
        return t
    return target


def cast_array(arr: pa.Array, target: pa.DataType) -> pa.Array:
    """Cast one column to `target`, decoding dictionaries and unwrapping extension arrays."""
    if arr.type == target:
        return arr
    if isinstance(arr, pa.ChunkedArray):
        chunks = [cast_array(c, target) for c in arr.chunks]
        return pa.chunked_array(chunks, type=target)
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_run_end_encoded(arr.type):
        arr = pc.run_end_decode(arr)
    if arr.type == target:
        return arr
    if arr.type == pa.month_day_nano_interval() and target == INTERVAL_STRUCT:
        return _interval_struct(arr)
    if pa.types.is_decimal256(arr.type) and pa.types.is_floating(target):
        # via text: the direct cast rounds 1.5 to 1.5000000000000002
        return pc.cast(pc.cast(arr, pa.large_string()), target)
    return pc.cast(arr, target)


def _interval_struct(arr: pa.Array) -> pa.Array:
    layout = np.dtype([("months", "<i4"), ("days", "<i4"), ("nanoseconds", "<i8")])
    values = np.frombuffer(arr.buffers()[1], dtype=layout, count=arr.offset + len(arr))
    values = values[arr.offset:]
    children = [pa.array(values[name]) for name in ("months", "days", "nanoseconds")]
    return pa.StructArray.from_arrays(
        children, fields=list(INTERVAL_STRUCT), mask=arr.is_null() if arr.null_count else None
    )


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Return `batch` with exactly `schema` (same column order; types are cast)."""
    if batch.schema.equals(schema, check_metadata=True):
        return batch
    arrays = [cast_array(col, f.type) for col, f in zip(batch.columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def rebatch(batches: Iterable[pa.RecordBatch], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Yield the non-empty batches, slicing any longer than `batch_rows` (zero-copy)."""
    for batch in batches:
        n = batch.num_rows
        if n <= batch_rows:
            if n:
                yield batch
            continue
        for start in range(0, n, batch_rows):
            yield batch.slice(start, batch_rows)


def first_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception's message (Arrow and DuckDB add more)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def guarded(
    batches: Iterable[pa.RecordBatch],
    path: str | None,
    action: str,
    errors: tuple[type[BaseException], ...] = (pa.ArrowException, OSError, ValueError),
) -> Iterator[pa.RecordBatch]:
    """Yield from `batches`, turning a reader's exception into an InputError naming `path`."""
    try:
        yield from batches
    except TripwireError:
        raise
    except errors as exc:
        raise InputError(f"cannot {action}: {first_line(exc)}", path=path) from exc


#: seconds since 1970 of 0001-01-01T00:00:00 and of 9999-12-31T23:59:59
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def in_calendar(
    batches: Iterable[pa.RecordBatch], path: str | None
) -> Iterator[pa.RecordBatch]:
    """Yield `batches`, raising InputError at the first date or timestamp outside years 1-9999.

    Arrow holds dates millions of years away; Python's datetime, the renderers and the
    contract checks do not, so such a value (a corrupt file, a sentinel gone wrong) is
    named here, with its column and 1-based row, rather than crashing something later.
    """
    row = 0
    for batch in batches:
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            bounds = _bounds(column.type)
            if bounds is not None:
                _check_bounds(column, bounds, name, path, row)
        row += batch.num_rows
        yield batch


def _bounds(t: pa.DataType) -> tuple[int, int] | None:
    if pa.types.is_date32(t):
        return _FIRST_SECOND // 86_400, _LAST_SECOND // 86_400
    if pa.types.is_timestamp(t) and t.unit != "ns":  # ns covers only 1677-2262
        k = _PER_SECOND[t.unit]
        return _FIRST_SECOND * k, _LAST_SECOND * k + k - 1
    return None


def _check_bounds(
    column: pa.Array, bounds: tuple[int, int], name: str, path: str | None, row: int
) -> None:
    values = column.view(pa.int32() if pa.types.is_date32(column.type) else pa.int64())
    low, high = pc.min_max(values).values()
    if low.as_py() is None or (bounds[0] <= low.as_py() and high.as_py() <= bounds[1]):
        return
    outside = pc.or_(pc.less(values, bounds[0]), pc.greater(values, bounds[1]))
    at = pc.indices_nonzero(pc.fill_null(outside, False))[0].as_py()
    raise InputError(
        f"row {row + at + 1:,} holds a {column.type} outside the years 1 to 9999 "
        f"({values[at].as_py():,} {'days' if pa.types.is_date32(column.type) else column.type.unit} "
        "from 1970)",
        path=path, column=name, hint="fix or null that value (a corrupt file or a sentinel?)",
    )
