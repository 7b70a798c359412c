"""Shape every reader's output the same way: few types, unique names, bounded batches.

Normalised types: every string type -> large_string, every binary type -> large_binary,
dictionary/categorical -> its (normalised) value type, date64 -> date32, extension types ->
their storage type, the null type (a column with no values at all) -> large_string. Lists and
structs keep their shape with their children normalised; everything else is kept as is.

Column names are made unique, deterministically: an empty name becomes ``column_<n>`` (n its
1-based position) and a repeated name gets ``.1``, ``.2``, ... (``id, id`` -> ``id, id.1``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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


def normal_schema(schema: pa.Schema) -> tuple[pa.Schema, list[str]]:
    """Return the normalised schema (no metadata, unique names) and the renames made."""
    names, renames = unique_names(schema.names)
    fields = [pa.field(n, _castable(f.type)) for n, f in zip(names, schema, strict=True)]
    return pa.schema(fields), renames


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
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.type == target:
        return arr
    return pc.cast(arr, target)


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
    errors: tuple[type[BaseException], ...] = (pa.ArrowException, OSError),
) -> Iterator[pa.RecordBatch]:
    """Yield from `batches`, turning a reader's exception into an InputError naming `path`."""
    try:
        yield from batches
    except TripwireError:
        raise
    except errors as exc:
        raise InputError(f"cannot {action}: {first_line(exc)}", path=path) from exc
