"""Tell what a file is before reading it: its format, whether it is text, encoding, delimiter."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tripwire.errors import InputError

#: file ending -> reader
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
}
#: formats that may also come gzip-compressed (data.csv.gz)
GZIP_FORMATS = {"csv", "jsonl"}
SUPPORTED_TEXT = ", ".join(FORMATS) + ", and .csv.gz/.tsv.gz/.jsonl.gz"

#: bytes looked at to tell text from binary and to guess the delimiter
HEAD_BYTES = 64 * 1024
#: bytes read at a time when checking the encoding of a whole file
SCAN_BYTES = 16 * 1024 * 1024

_HINTS_BY_EXT = {
    ".xlsx": "save the sheet as CSV",
    ".xls": "save the sheet as CSV",
    ".ods": "save the sheet as CSV",
}

_MAGIC: list[tuple[bytes, str, str]] = [
    (b"PAR1", "it is a Parquet file", "rename it to end in .parquet"),
    (b"ARROW1", "it is an Arrow IPC file", "rename it to end in .arrow"),
    (b"PK\x03\x04", "it is a zip archive or an Excel workbook", "unzip it or save it as CSV"),
    (b"\x1f\x8b", "it is gzip-compressed", "name it with a .gz ending (data.csv.gz) or gunzip it"),
    (b"\x28\xb5\x2f\xfd", "it is zstd-compressed", "decompress it first"),
    (b"\xfd7zXZ\x00", "it is xz-compressed", "decompress it first"),
    (b"%PDF", "it is a PDF document", "export the table it holds as CSV"),
    (b"\xd0\xcf\x11\xe0", "it is an old Office (.xls) file", "save the sheet as CSV"),
    (
        b"SQLite format 3\x00",
        "it is an SQLite database",
        "export a table, or read it with SqlQuery",
    ),
]
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# bytes that do not occur in text: C0 controls except tab, LF, FF, CR, and DEL
_CONTROL = bytes([*range(0, 9), 11, *range(14, 32), 127])
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_UTF8_BOM = b"\xef\xbb\xbf"

DELIMITERS = (",", "\t", ";", "|")
#: what reading a corrupt or truncated .gz file raises (BadGzipFile is an OSError)
READ_ERRORS = (OSError, EOFError, zlib.error)


def detect_format(path: Path, display: str) -> str:
    """Return "csv", "parquet", "jsonl" or "ipc" for a file, by its ending or magic bytes."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    ext = os.path.splitext(name[:-3] if gz else name)[1]
    if ext in FORMATS and (not gz or FORMATS[ext] in GZIP_FORMATS):
        return FORMATS[ext]
    if ext == "":
        if gz:
            return "csv"
        head = read_head(path, display, 8)
        if head.startswith(b"PAR1"):
            return "parquet"
        if head.startswith(b"ARROW1") or head.startswith(b"\xff\xff\xff\xff"):
            return "ipc"
        return "csv"
    shown = ext + (".gz" if gz else "")
    raise InputError(
        f"unsupported file type {shown!r}",
        path=display,
        hint=_HINTS_BY_EXT.get(ext, f"supported file endings: {SUPPORTED_TEXT}"),
    )


def open_raw(path: Path) -> BinaryIO:
    """Open a file for reading bytes, decompressing a .gz file."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_head(path: Path, display: str, size: int = HEAD_BYTES) -> bytes:
    """Return the first `size` bytes (decompressed for .gz)."""
    try:
        with open_raw(path) as f:
            return f.read(size)
    except READ_ERRORS as exc:
        raise _unreadable(exc, display) from exc


def _unreadable(exc: BaseException, display: str) -> InputError:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if isinstance(exc, (zlib.error, EOFError, gzip.BadGzipFile)):
        reason = f"corrupt or truncated compressed data: {reason}"
    return InputError(
        f"cannot read the file ({reason})",
        path=display,
        hint="check its permissions; a compressed file may be truncated",
    )


def check_text(head: bytes, display: str, *, encoding_given: bool = False) -> None:
    """Raise InputError if the first bytes of a file do not look like delimited text."""
    hint = "check that this is the file you meant, and export the data as CSV"
    for magic, what, fix in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"does not look like text ({what})", path=display, hint=fix)
    if encoding_given:
        return  # e.g. UTF-16, whose NUL bytes are expected
    if head.startswith(_UTF16_BOMS):
        raise InputError(
            "does not look like text (it is UTF-16, with NUL bytes)",
            path=display,
            hint="save it as UTF-8, or pass encoding='utf-16'",
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"does not look like text (NUL byte at offset {nul:,})", path=display, hint=hint
        )
    controls = len(head) - len(head.translate(None, _CONTROL))
    if head and controls / len(head) > 0.05:
        raise InputError(
            f"does not look like text ({controls / len(head):.0%} of the first bytes are "
            "control characters)",
            path=display,
            hint=hint,
        )


@dataclass(frozen=True)
class ByteScan:
    """What one pass over every byte of a text file found."""

    #: name for pyarrow's ReadOptions: "utf8", "cp1252" or "latin-1"
    encoding: str
    #: 1-based line of the first byte that is not UTF-8, if any
    bad_line: int | None
    bom: bool


def scan_bytes(path: Path, display: str) -> ByteScan:
    """Read every byte once, in large chunks, to decide the encoding.

    UTF-8 when every byte decodes; else cp1252 when no byte is one of the five cp1252 leaves
    undefined; else latin-1 (which decodes anything).
    """
    try:
        return _scan(path)
    except READ_ERRORS as exc:
        raise _unreadable(exc, display) from exc


def _scan(path: Path) -> ByteScan:
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, cp1252_ok = True, True
    bad_line: int | None = None
    lines = 0
    with open_raw(path) as f:
        chunk = f.read(SCAN_BYTES)
        bom = chunk.startswith(_UTF8_BOM)
        while chunk:
            if utf8_ok:
                pending = len(decoder.getstate()[0])
                if pending or not chunk.isascii():  # isascii is a fast pre-check
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        utf8_ok = False
                        bad_line = lines + chunk.count(b"\n", 0, max(exc.start - pending, 0)) + 1
            if cp1252_ok and any(b in chunk for b in _CP1252_UNDEFINED):
                cp1252_ok = False
            if not utf8_ok and not cp1252_ok:
                break  # latin-1 it is: it decodes any byte
            lines += chunk.count(b"\n")
            chunk = f.read(SCAN_BYTES)
        else:
            if utf8_ok:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8_ok, bad_line = False, lines + 1
    if utf8_ok:
        return ByteScan("utf8", None, bom)
    return ByteScan("cp1252" if cp1252_ok else "latin-1", bad_line, bom)


def python_encoding(encoding: str) -> str:
    """Return the Python codec that reads text the way pyarrow does (UTF-8 BOM skipped)."""
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name == "utf-8" else name


def detect_delimiter(sample: str, fallback: str, *, truncated: bool) -> str:
    """Return the delimiter among , tab ; | that splits the sample into the most regular rows.

    Each candidate parses the sample with the csv module (so quoted delimiters don't count);
    the winner has the most rows as wide as the header, then the widest header. A sample
    that no candidate splits (one column) gives `fallback`.
    """
    best: tuple[float, int] | None = None
    chosen = fallback
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim) if r]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a row
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if best is None or score > best:
            best, chosen = score, delim
    return chosen
