"""Read CSV/TSV files in bounded memory, with each column's type decided over the whole file.

Opening a file makes two passes before any data is handed out: one over the raw bytes (the
encoding, see `sniff.scan_bytes`) and one that parses every row as text to decide the types
(see `csvtypes`) and to find bad rows. Each later `open_batches()` parses the text again and
converts it to the decided types. Memory stays bounded by a few blocks of about `batch_rows`
rows whatever the file size.

Duplicate or empty header names are renamed (``id, id`` -> ``id, id.1``; an empty name ->
``column_<n>``) and a note says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from tripwire.errors import InputError
from tripwire.io.csvtypes import TYPES, Evidence, convert
from tripwire.io.normalise import first_line, rebatch, unique_names
from tripwire.io.sniff import (
    HEAD_BYTES,
    READ_ERRORS,
    ByteScan,
    check_text,
    detect_delimiter,
    open_raw,
    python_encoding,
    read_head,
    scan_bytes,
)
from tripwire.io.source import Source

#: bounds of pyarrow's block size; a row longer than a block is retried with bigger blocks
MIN_BLOCK = 64 * 1024
MAX_BLOCK = 4 * 1024 * 1024
_RETRY_BLOCK_LIMIT = 1 << 30
_RAGGED_HINT = "fix the row or quote the delimiter inside the field"
_QUOTE_HINT = 'close the quote, or write a quote inside a quoted field as two ("")'


@dataclass
class CsvFile:
    """One CSV file, as sniffed and checked by the first pass."""

    path: Path
    display: str
    encoding: str  # as pyarrow's ReadOptions spells it
    delimiter: str
    header: list[str]  # names as written in the file
    columns: list[str]  # unique names
    block_size: int
    skip_bytes: int = 0  # a UTF-8 BOM in front of text that is read as cp1252/latin-1
    evidence: list[Evidence] = field(default_factory=list)
    num_rows: int = 0
    header_only: bool = False
    notes: list[str] = field(default_factory=list)


def scan_csv(
    path: Path,
    display: str,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    batch_rows: int,
) -> CsvFile:
    """Sniff a CSV file and read it once as text: encoding, delimiter, header, types, bad rows."""
    head = read_head(path, display)
    if not head:
        raise InputError("file is empty", path=display, hint="export the data again")
    check_text(head, display, encoding_given=encoding is not None)
    if encoding is None:
        scan = scan_bytes(path, display)
    else:
        scan = ByteScan(encoding, None, head.startswith(b"\xef\xbb\xbf"))
    enc = scan.encoding
    notes: list[str] = []
    if encoding is None and scan.encoding != "utf8":
        notes.append(
            f"{path.name}: not valid UTF-8 (first bad byte at line {scan.bad_line:,}); "
            f"read as {scan.encoding}"
        )
    skip = 3 if scan.bom and python_encoding(enc) != "utf-8-sig" else 0
    truncated = len(head) == HEAD_BYTES
    text = head[skip:].decode(python_encoding(enc), errors="replace")
    if truncated and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    lower = path.name.lower()
    fallback = "\t" if lower.endswith((".tsv", ".tab", ".tsv.gz", ".tab.gz")) else ","
    delim = delimiter or detect_delimiter(text, fallback, truncated=truncated)
    if delim != fallback and delimiter is None:
        notes.append(f"{path.name}: read with {_delimiter_name(delim)} as the delimiter")
    if not text.strip("\r\n"):
        raise InputError("file is empty (no header row)", path=display, hint="export it again")
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        header = next((row for row in rows if row), [])
    except csv.Error:
        header = []  # pyarrow's own reading of the header is used (see _open_reader)
    per_row = len(head) / max(head.count(b"\n"), 1)
    block = int(min(max(per_row * batch_rows * 1.2, MIN_BLOCK), MAX_BLOCK))
    f = CsvFile(path, display, enc, delim, header, [], block, skip, notes=notes)
    _first_pass(f)
    return f


def _delimiter_name(delim: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(delim, repr(delim))


def _first_pass(f: CsvFile) -> None:
    while True:
        try:
            reader = _open_reader(f)
            f.header = reader.schema.names  # pyarrow's reading of the header is the one used
            f.evidence = [Evidence() for _ in f.header]
            f.num_rows = 0
            for batch in _read(reader):
                f.num_rows += batch.num_rows
                for evidence, column in zip(f.evidence, batch.columns, strict=True):
                    evidence.update(column)
            break
        except pa.ArrowInvalid as exc:
            if "Empty CSV" in str(exc) and f.header:
                # pyarrow fails on a lone header line without a newline: no rows, all text
                f.evidence, f.num_rows, f.header_only = [Evidence() for _ in f.header], 0, True
                break
            if "straddl" in str(exc) and f.block_size < _RETRY_BLOCK_LIMIT:
                f.block_size *= 4  # a row (or a quoted multi-line field) longer than a block
                continue
            raise _locate(f, exc) from exc
        except (*READ_ERRORS, UnicodeDecodeError, pa.ArrowException) as exc:
            raise _locate(f, exc) from exc
    f.columns, renames = unique_names(f.header)
    if renames:
        f.notes.append(f"{f.path.name}: renamed columns: " + ", ".join(renames))


def _open_reader(f: CsvFile, names: list[str] | None = None) -> pacsv.CSVStreamingReader:
    """Open pyarrow's streaming reader with every column read as text."""
    stream = pa.input_stream(str(f.path))  # decompresses a .gz file by its ending
    if f.skip_bytes:
        stream.read(f.skip_bytes)
    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=f.block_size, encoding=f.encoding),
        # quoted fields may hold newlines; allowing them costs nothing measurable here
        parse_options=pacsv.ParseOptions(
            delimiter=f.delimiter,
            newlines_in_values=True,
            # in a one-column file a blank line is an empty cell, not a line to skip
            ignore_empty_lines=len(names or f.header) > 1,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.large_string() for n in (names or f.header)}
        ),
    )
    if names is None and reader.schema.names != f.header:
        # pyarrow split the header differently from the csv module: use its names
        reader.close()
        return _open_reader(f, reader.schema.names)
    return reader


def _read(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    finally:
        reader.close()


def csv_source(files: list[CsvFile], name: str, batch_rows: int) -> Source:
    """Return one Source over CSV files read in order, each column's type decided over all."""
    first = files[0]
    evidence = dict(zip(first.columns, first.evidence, strict=True))
    for f in files[1:]:
        check_same_columns(first.columns, f.columns, first.display, f.display)
        for col, ev in zip(f.columns, f.evidence, strict=True):
            evidence[col] = evidence[col].merged(ev)
    kinds = {col: ev.kind() for col, ev in evidence.items()}
    schema = pa.schema([pa.field(col, TYPES[kinds[col]]) for col in first.columns])

    def open_batches() -> Iterator[pa.RecordBatch]:
        for f in files:
            yield from rebatch(_typed_batches(f, schema, kinds), batch_rows)

    return Source(
        name=name,
        kind="csv",
        schema=schema,
        open_batches=open_batches,
        files=[f.display for f in files],
        notes=[note for f in files for note in f.notes],
        num_rows=sum(f.num_rows for f in files),
    )


def check_same_columns(expected: list[str], found: list[str], first: str, path: str) -> None:
    """Raise InputError naming `path` and the columns it lacks or adds compared to `first`."""
    if set(expected) == set(found):
        return
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    parts = [f"lacks {missing}" if missing else "", f"adds {extra}" if extra else ""]
    raise InputError(
        f"columns differ from {first}: " + " and ".join(p for p in parts if p),
        path=path,
        hint="every file of a folder or glob needs the same columns",
    )


def _typed_batches(
    f: CsvFile, schema: pa.Schema, kinds: dict[str, str]
) -> Iterator[pa.RecordBatch]:
    position = {col: i for i, col in enumerate(f.columns)}
    if f.header_only:
        return
    try:
        for batch in _read(_open_reader(f)):
            arrays = [convert(batch.column(position[c]), kinds[c]) for c in schema.names]
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (*READ_ERRORS, UnicodeDecodeError, pa.ArrowException) as exc:
        # the first pass read this file without error: it has changed since
        raise _locate(f, exc, changed=True) from exc


def _locate(f: CsvFile, exc: BaseException, *, changed: bool = False) -> InputError:
    """Turn a reader error into an InputError with the 1-based line of the bad row."""
    message = first_line(exc)
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in message or "UTF-8" in message:
        return InputError(
            f"not valid {f.encoding} text ({message})",
            path=f.display,
            hint="name the encoding with --encoding NAME (encoding= in Python), e.g. "
                 "--encoding cp1252, or give none to have it detected",
        )
    if isinstance(exc, pa.ArrowInvalid):
        try:
            found = _find_bad_row(f)
        except READ_ERRORS:  # e.g. a truncated .gz: report pyarrow's message
            found = None
        if found is not None:
            return found
    hint = "the file changed while it was read" if changed else None
    return InputError(f"cannot read as CSV: {message}", path=f.display, hint=hint)


def _find_bad_row(f: CsvFile) -> InputError | None:
    """Re-read the file with the csv module up to the first row whose width differs."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # a huge field is not what we are looking for
    last = 0
    try:
        with open_raw(f.path) as raw:
            raw.read(f.skip_bytes)
            text = io.TextIOWrapper(
                raw, encoding=python_encoding(f.encoding), errors="replace", newline=""
            )
            reader = csv.reader(text, delimiter=f.delimiter)
            expected: int | None = None
            for row in reader:
                start, last = last + 1, reader.line_num
                if not row:
                    continue  # blank lines are skipped, as pyarrow does
                if expected is None:
                    expected = len(row)
                elif len(row) != expected:
                    bare = _first_bare_cr(f)
                    if bare is not None:
                        return InputError(
                            "an unquoted field holds a bare carriage return (\\r), which ends "
                            "its row early",
                            path=f.display, line=bare,
                            hint="quote that field or remove stray \\r characters (pandas writes "
                                 "them unquoted: use to_csv(quoting=csv.QUOTE_NONNUMERIC))",
                        )
                    return _ragged(f, start, last, len(row), expected)
    except csv.Error as exc:
        return InputError(f"cannot parse as CSV: {exc}", path=f.display, line=last + 1)
    finally:
        csv.field_size_limit(old_limit)
    return None


def _first_bare_cr(f: CsvFile) -> int | None:
    """Return the 1-based line (counted by \\n) of the first \\r not followed by \\n, if any."""
    line, prev_cr = 1, False
    with open_raw(f.path) as raw:
        raw.read(f.skip_bytes)
        while chunk := raw.read(1 << 22):
            if prev_cr and not chunk.startswith(b"\n"):
                return line
            at = chunk.find(b"\r")
            while at != -1:
                if at + 1 < len(chunk) and chunk[at + 1] != 0x0A:
                    return line + chunk.count(b"\n", 0, at)
                at = chunk.find(b"\r", at + 1)
            prev_cr = chunk.endswith(b"\r")
            line += chunk.count(b"\n")
    return None


def _ragged(f: CsvFile, start: int, end: int, found: int, expected: int) -> InputError:
    if end > start:
        return InputError(
            f"row has {found} fields, expected {expected}; a quoted field runs from line "
            f"{start} to line {end} (an unterminated quote?)",
            path=f.display,
            line=start,
            hint=_QUOTE_HINT,
        )
    return InputError(
        f"row has {found} fields, expected {expected} (as in the header)",
        path=f.display,
        line=start,
        hint=_RAGGED_HINT,
    )
