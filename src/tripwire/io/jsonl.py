"""Read JSON Lines (one object per line) with Polars, streaming batches.

pyarrow's streaming JSON reader fixes the schema from its first block and fails on a later
line whose field changes type or that adds a field, so Polars reads instead: it infers the
schema over *every* line (one extra pass, bounded memory), then streams batches each pass.
A field holding numbers in some lines and strings in others becomes a string column whose
numbers are their JSON text (``1.50`` reads as "1.5"); an int/float mix becomes float64;
objects mixed with scalars become their JSON text. Fields missing from a line are null.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from tripwire.errors import InputError, TripwireError
from tripwire.io.normalise import conform, first_line, normal_schema
from tripwire.io.sniff import check_text, open_raw, read_head
from tripwire.io.source import Source

_ERRORS = (pl.exceptions.PolarsError, pa.ArrowException, OSError)
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
    try:
        polars_schema = pl.scan_ndjson(path, infer_schema_length=None).collect_schema()
    except _ERRORS as exc:
        raise _locate(path, display, exc) from exc
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


def _locate(path: Path, display: str, exc: BaseException) -> InputError:
    """Find the first line that is not a JSON object (off the hot path: one loop per line)."""
    try:
        found = _find_bad_line(path, display)
    except (OSError, EOFError):  # e.g. a truncated .gz: report the reader's message
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
