"""Open paths: one file of any supported format, a folder, or a glob pattern.

A folder means every supported file below it (recursively, skipping names that start with
"." or "_", such as _SUCCESS), a glob means every file it matches; either way the files are
read in sorted order as one Source. They must have the same column set (the order may
differ: the first file's order is used); types that differ are promoted (ints -> int64,
int + float -> float64, anything else that differs -> large_string). CSV files of one set
decide their types together, over every file.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tripwire.errors import InputError
from tripwire.io.csv import check_same_columns, csv_source, scan_csv
from tripwire.io.jsonl import jsonl_source
from tripwire.io.normalise import (
    cast_array,
    conform,
    first_line,
    guarded,
    normal_schema,
    normal_type,
    rebatch,
)
from tripwire.io.sniff import FORMATS, detect_format
from tripwire.io.source import DEFAULT_BATCH_ROWS, Source
from tripwire.io.whole import native_parquet

GLOB_CHARS = "*?["


def open_path(
    data: str | Path,
    *,
    name: str | None,
    delimiter: str | None,
    encoding: str | None,
    batch_rows: int | None,
) -> Source:
    """Open a file, folder or glob pattern as one Source (`batch_rows` None: the default size)."""
    text = str(data)
    if text.startswith(("http://", "https://", "s3://", "gs://")):
        raise InputError(
            "URLs are not read directly",
            path=text,
            hint="download the file first, or query it with SqlQuery (DuckDB's httpfs)",
        )
    path = Path(data).expanduser()
    notes: list[str] = []
    if path.is_dir():
        paths, skipped = _folder_files(path)
        label = name or path.resolve().name
        if skipped:
            notes.append(f"{label}: skipped {skipped} file(s) of unsupported types")
    elif not path.exists() and any(c in text for c in GLOB_CHARS):
        paths = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not paths:
            raise InputError(
                "no files match this pattern", path=text, hint="check the pattern and folder"
            )
        label = name or text
    elif path.is_file():
        paths, label = [path], name or path.name
    else:
        raise InputError("file not found", path=text, hint=_not_found_hint(path))
    rows = DEFAULT_BATCH_ROWS if batch_rows is None else batch_rows
    kw = {"delimiter": delimiter, "encoding": encoding, "batch_rows": rows}
    try:
        formats = [detect_format(p, str(p)) for p in paths]
        if all(f == "csv" for f in formats):
            files = [scan_csv(p, str(p), **kw) for p in paths]  # type: ignore[arg-type]
            source = csv_source(files, label, rows)
        else:
            pairs = zip(paths, formats, strict=True)
            sources = [_open_file(p, fmt, label, kw, whole_groups=batch_rows is None) for p, fmt in pairs]
            source = sources[0] if len(sources) == 1 else combine(sources, label, rows)
    except OSError as exc:  # unreadable (permissions, a folder named like a file, ...)
        raise InputError(
            f"cannot read the file ({exc.strerror or exc})", path=exc.filename or text
        ) from exc
    source.notes[:0] = notes
    return source


def _open_file(path: Path, fmt: str, label: str, kw: dict, whole_groups: bool) -> Source:
    if fmt == "csv":
        return csv_source([scan_csv(path, str(path), **kw)], label, kw["batch_rows"])
    if fmt == "parquet":
        return parquet_source(path, str(path), label, None if whole_groups else kw["batch_rows"])
    if fmt == "jsonl":
        return jsonl_source(path, str(path), label, kw["batch_rows"])
    return ipc_source(path, str(path), label, kw["batch_rows"])


def _folder_files(folder: Path) -> tuple[list[Path], int]:
    found, skipped = [], 0
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).parts
        if not p.is_file() or any(part.startswith((".", "_")) for part in rel):
            continue
        lower = p.name.lower()
        if Path(lower.removesuffix(".gz")).suffix in FORMATS:
            found.append(p)
        else:
            skipped += 1
    if not found:
        raise InputError(
            "folder holds no supported files",
            path=str(folder),
            hint="supported file endings: " + ", ".join(FORMATS),
        )
    return found, skipped


def _not_found_hint(path: Path) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"the folder {str(parent)!r} does not exist either"
    import difflib

    names = [p.name for p in parent.iterdir()]
    close = difflib.get_close_matches(path.name, names, n=3)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"check the path (relative paths start at {Path.cwd()})"


def parquet_source(path: Path, display: str, name: str, batch_rows: int | None) -> Source:
    """Return a Source over a Parquet file; row count from its metadata.

    `batch_rows` None reads each row group small enough to hold as one batch (`parquet_batch_rows`).
    """
    if path.stat().st_size == 0:
        raise InputError("file is empty", path=display, hint="export the data again")
    try:
        meta = pq.ParquetFile(path)
        arrow_schema, num_rows = meta.schema_arrow, meta.metadata.num_rows
    except UnicodeDecodeError as exc:
        raise _name_not_utf8(exc, display) from exc
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read as Parquet: {first_line(exc)}",
            path=display,
            hint="the file may be truncated or not Parquet; export it again",
        ) from exc
    schema, renames = normal_schema(arrow_schema, display)
    notes = [f"{path.name}: renamed columns: " + ", ".join(renames)] if renames else []

    size = parquet_batch_rows(meta.metadata) if batch_rows is None else batch_rows

    def batches() -> Iterator[pa.RecordBatch]:
        reader = pq.ParquetFile(path, memory_map=True)
        for batch in reader.iter_batches(batch_size=size):
            yield conform(batch, schema)

    return Source(
        name=name,
        kind="parquet",
        schema=schema,
        open_batches=lambda: guarded(batches(), display, "read as Parquet"),
        files=[display],
        notes=notes,
        num_rows=num_rows,
        read_whole=None if renames else native_parquet(path, schema, display),
    )


#: a row group is decoded whole anyway: up to this size (uncompressed) it is read as one batch
WHOLE_ROW_GROUP_BYTES = 512 * 2**20


def parquet_batch_rows(meta: pq.FileMetaData) -> int:
    """Return the default batch size for a Parquet file: its largest row group when small enough.

    Slicing a row group that is already in memory saves nothing and costs a merge of partial
    profiles per slice (the settle of a 1M-row group in four batches is 4× the one-batch cost).
    """
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    if not groups or max(g.total_byte_size for g in groups) > WHOLE_ROW_GROUP_BYTES:
        return DEFAULT_BATCH_ROWS
    return max(DEFAULT_BATCH_ROWS, max(g.num_rows for g in groups))


def ipc_source(path: Path, display: str, name: str, batch_rows: int) -> Source:
    """Return a Source over an Arrow IPC file or stream (Feather v2), memory-mapped."""
    if path.stat().st_size == 0:
        raise InputError("file is empty", path=display, hint="export the data again")
    with open(path, "rb") as f:
        file_format = f.read(6) == b"ARROW1"

    def open_reader() -> pa.ipc.RecordBatchFileReader | pa.RecordBatchReader:
        source = pa.memory_map(str(path))
        return pa.ipc.open_file(source) if file_format else pa.ipc.open_stream(source)

    try:
        reader = open_reader()
        arrow_schema = reader.schema
        num_rows = reader.count_rows() if file_format else None  # type: ignore[union-attr]
    except UnicodeDecodeError as exc:
        raise _name_not_utf8(exc, display) from exc
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read as Arrow IPC: {first_line(exc)}",
            path=display,
            hint="the file may be truncated, Feather v1, or not Arrow; export it again",
        ) from exc
    schema, renames = normal_schema(arrow_schema, display)
    notes = [f"{path.name}: renamed columns: " + ", ".join(renames)] if renames else []

    def batches() -> Iterator[pa.RecordBatch]:
        reader = open_reader()
        if file_format:
            parts = (reader.get_batch(i) for i in range(reader.num_record_batches))
        else:
            parts = iter(reader)  # type: ignore[arg-type]
        for batch in rebatch(parts, batch_rows):
            # before any kernel touches it: corrupt offsets or lengths pass the cheap
            # validate() and then make native code read out of bounds (a segfault)
            batch.validate(full=True)
            yield conform(batch, schema)

    return Source(
        name=name,
        kind="ipc",
        schema=schema,
        open_batches=lambda: guarded(batches(), display, "read as Arrow IPC"),
        files=[display],
        notes=notes,
        num_rows=num_rows,
    )


def _name_not_utf8(exc: UnicodeDecodeError, display: str) -> InputError:
    return InputError(
        f"a column name is not valid UTF-8 text ({exc.reason} at byte {exc.start})",
        path=display, hint="rename the columns with UTF-8 names and export it again",
    )


def promote(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """Return the type that holds values of both normalised types `a` and `b`."""
    if a == b:
        return a
    if pa.types.is_integer(a) and pa.types.is_integer(b):
        return pa.int64()
    numeric = (pa.types.is_integer, pa.types.is_floating)
    if any(t(a) for t in numeric) and any(t(b) for t in numeric):
        return pa.float64()
    try:
        merged = pa.unify_schemas(
            [pa.schema([("x", a)]), pa.schema([("x", b)])], promote_options="permissive"
        )
        return normal_type(merged.field("x").type)
    except (pa.ArrowException, TypeError):
        return pa.large_string()


def combine(sources: list[Source], name: str, batch_rows: int) -> Source:
    """Return one Source reading `sources` in order, columns matched by name, types promoted."""
    first = sources[0]
    columns = first.schema.names
    types = {f.name: f.type for f in first.schema}
    notes = [n for s in sources for n in s.notes]
    for s in sources[1:]:
        check_same_columns(columns, s.schema.names, first.files[0], s.files[0])
        for f in s.schema:
            merged = promote(types[f.name], f.type)
            if merged != types[f.name] or merged != f.type:
                notes.append(
                    f"column {f.name!r} is {types[f.name]} before {s.files[0]} and {f.type} in "
                    f"it; read as {merged}"
                )
            types[f.name] = merged
    schema = pa.schema([pa.field(c, types[c]) for c in columns])
    for s in sources:
        for f in s.schema:
            try:
                cast_array(pa.array([], type=f.type), types[f.name])
            except (pa.ArrowException, TypeError) as exc:
                raise InputError(
                    f"column {f.name!r} is {f.type} here, which cannot be read as "
                    f"{types[f.name]} like the other files ({first_line(exc)})",
                    path=s.files[0],
                    hint="give the column one type in every file",
                ) from exc

    def open_batches() -> Iterator[pa.RecordBatch]:
        for s in sources:
            for batch in s.open_batches():
                yield conform(batch.select(columns), schema)

    known = [s.num_rows for s in sources]
    return Source(
        name=name,
        kind=first.kind if all(s.kind == first.kind for s in sources) else "files",
        schema=schema,
        open_batches=lambda: rebatch(open_batches(), batch_rows),
        files=[f for s in sources for f in s.files],
        notes=notes,
        num_rows=None if None in known else sum(known),  # type: ignore[arg-type]
    )
