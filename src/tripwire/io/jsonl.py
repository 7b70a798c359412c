"""Read JSON Lines (one object per line) with Polars, streaming batches.

pyarrow's streaming JSON reader fixes the schema from its first block and fails on a later
line whose field changes type or that adds a field, so Polars reads instead: it infers the
schema over *every* line (one extra pass, bounded memory), then streams batches each pass.
A field holding numbers in some lines and strings in others becomes a string column whose
numbers are their JSON text (``1.50`` reads as "1.5"); an int/float mix becomes float64;
objects mixed with scalars become their JSON text. Fields missing from a line are null.

Before Polars sees the file, one vectorised pass measures how deeply each line nests: a line
nested deeper than `MAX_DEPTH` is one error naming it (deep nesting overflows the stack of
a recursive parser; no table needs it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from tripwire.errors import InputError, TripwireError
from tripwire.io.normalise import conform, first_line, normal_schema
from tripwire.io.sniff import READ_ERRORS, check_text, open_raw, read_head
from tripwire.io.source import Source

_ERRORS = (pl.exceptions.PolarsError, pa.ArrowException, *READ_ERRORS)
#: deepest nesting of arrays and objects a line may have
MAX_DEPTH = 64
#: bytes of whole lines measured at a time
_CHUNK = 4 * 1024 * 1024
# a JSON string: linear (no nested quantifier can re-scan text)
_STRING = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_LINE_HINT = "each line must hold one JSON object"
_JSON_NAMES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def jsonl_source(path: Path, display: str, name: str, batch_rows: int) -> Source:
    """Return a Source over a JSON Lines file (.jsonl, .ndjson, .json holding JSON lines)."""
    head = read_head(path, display)
    start = head.lstrip()[:1]
    if not start:
        raise InputError("file is empty", path=display, hint="export the data again")
    if start == b"[":
        raise InputError(
            "is one JSON array, not JSON Lines",
            path=display,
            hint="write one object per line, e.g. jq -c '.[]' data.json > data.jsonl",
        )
    if start != b"{":
        check_text(head, display)
    check_depth(path, display)
    try:
        inferred = pl.scan_ndjson(path, infer_schema_length=None).collect_schema()
    except _ERRORS as exc:
        raise _locate(path, display, exc) from exc
    polars_schema = pl.Schema({k: _arrow_ready(t) for k, t in inferred.items()})
    arrow_schema = pl.DataFrame(schema=polars_schema).to_arrow().schema
    schema, renames = normal_schema(arrow_schema)
    notes = [f"{path.name}: renamed fields: " + ", ".join(renames)] if renames else []

    def open_batches() -> Iterator[pa.RecordBatch]:
        try:
            frames = pl.scan_ndjson(path, infer_schema_length=None, schema=polars_schema)
            for frame in frames.collect_batches(chunk_size=batch_rows):
                for batch in frame.to_arrow().to_batches():
                    if batch.num_rows:
                        yield conform(batch, schema)
        except TripwireError:
            raise
        except _ERRORS as exc:
            raise _locate(path, display, exc) from exc

    return Source(
        name=name,
        kind="jsonl",
        schema=schema,
        open_batches=open_batches,
        files=[display],
        notes=notes,
    )


def _arrow_ready(dtype: pl.DataType) -> pl.DataType:
    """Return `dtype` with 128-bit integers (numbers past 64 bits) read as their JSON text.

    Arrow has no 128-bit integer; text keeps every digit, as a CSV column of such numbers does.
    """
    if dtype in (pl.Int128, pl.UInt128):
        return pl.String()
    if isinstance(dtype, pl.Struct):
        return pl.Struct({f.name: _arrow_ready(f.dtype) for f in dtype.fields})
    if isinstance(dtype, pl.List):
        return pl.List(_arrow_ready(dtype.inner))
    return dtype


def _locate(path: Path, display: str, exc: BaseException) -> InputError:
    """Find the first line that is not a JSON object (off the hot path: one loop per line)."""
    try:
        found = _find_bad_line(path, display)
    except READ_ERRORS:  # e.g. a truncated .gz: report the reader's message
        found = None
    if found is None:
        return InputError(f"cannot read as JSON Lines: {first_line(exc)}", path=display)
    return found


def _find_bad_line(path: Path, display: str) -> InputError | None:
    with open_raw(path) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                return InputError(
                    f"not valid JSON ({err.msg})",
                    path=display,
                    line=number,
                    column=err.colno,
                    hint=_LINE_HINT,
                )
            except RecursionError:
                return _too_deep(display, number, None)
            except ValueError:
                return InputError(
                    "not valid UTF-8", path=display, line=number, hint="save it as UTF-8"
                )
            if not isinstance(value, dict):
                kind = _JSON_NAMES.get(type(value), "value")
                return InputError(
                    f"holds a JSON {kind}, not an object",
                    path=display,
                    line=number,
                    hint=_LINE_HINT,
                )
    return None


def check_depth(path: Path, display: str) -> None:
    """Raise InputError at the first line that nests arrays/objects deeper than MAX_DEPTH."""
    try:
        with open_raw(path) as f:
            first_line, carry = 1, b""
            while chunk := f.read(_CHUNK):
                chunk = carry + chunk
                end = chunk.rfind(b"\n") + 1
                if end == 0 and len(chunk) < 8 * _CHUNK:
                    carry = chunk  # a line longer than a chunk: read on
                    continue
                whole, carry = (chunk, b"") if end == 0 else (chunk[:end], chunk[end:])
                _check_chunk(whole, first_line, display)
                first_line += whole.count(b"\n")
            if carry:
                _check_chunk(carry, first_line, display)
    except READ_ERRORS:
        return  # the reader says what is wrong with the file, with its own message


def _check_chunk(chunk: bytes, first_line: int, display: str) -> None:
    if chunk.count(b"[") + chunk.count(b"{") <= MAX_DEPTH:
        return  # too few brackets to nest too deep: the usual case, at memchr speed
    structure = np.frombuffer(_STRING.sub(b'""', chunk), dtype=np.uint8)
    depth = np.cumsum(_STEP[structure], dtype=np.int32)  # after each byte, from the chunk start
    newline = structure == ord("\n")
    # each byte's depth within its own line: minus the depth where the line began
    last_newline = np.maximum.accumulate(np.where(newline, np.arange(len(depth)), -1))
    within = depth - np.where(last_newline >= 0, depth[np.maximum(last_newline, 0)], 0)
    deep = np.flatnonzero(within > MAX_DEPTH)
    if deep.size:
        line = first_line + int(np.count_nonzero(newline[: deep[0]]))
        raise _too_deep(display, line, int(within.max()))


def _too_deep(display: str, line: int, depth: int | None) -> InputError:
    found = f" ({depth:,} levels)" if depth else ""
    return InputError(
        f"nests arrays or objects more than {MAX_DEPTH} levels deep{found}",
        path=display,
        line=line,
        hint="flatten that line's values; a table needs few levels",
    )
