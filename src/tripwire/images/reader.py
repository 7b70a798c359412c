"""An image folder (or a table's column of image paths) as a Source of Arrow batches of properties.

Images are measured in a pool of worker processes, a chunk of files per task, with at most
two chunks per worker in flight: memory holds a few decoded images per worker and one row of
numbers per image, whatever the folder's size. The property table is measured once, on the
first pass, and later passes (the run's row pass) read the kept table.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path

import pyarrow as pa

from tripwire.errors import InputError
from tripwire.images.measure import COLUMNS, measure_files
from tripwire.io.source import Source

#: file endings read as images; other files in a folder are skipped (and counted in a note)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                            ".pgm", ".pbm", ".pnm", ".ico", ".jfif", ".jp2", ".tga"})
#: files per task handed to a worker
CHUNK = 32
#: below this many files the images are measured in this process (a pool costs ~1 s to start)
INLINE_BELOW = 64
#: worker processes by default: the brief's two cores
DEFAULT_WORKERS = 2
PATH_COLUMN = "path"

_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.large_string()}
SCHEMA = pa.schema([(PATH_COLUMN, pa.large_string())] + [(n, _TYPES[t]) for n, t in COLUMNS])

Progress = Callable[[int, "int | None"], None]


def image_files(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """Return the image files below `folder` (sorted, recursively) and the other files skipped.

    Names starting with "." or "_" are left out, as in table folders.
    """
    root = Path(folder)
    images, other = [], []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).parts
        if not p.is_file() or any(part.startswith((".", "_")) for part in rel):
            continue
        (images if p.suffix.lower() in IMAGE_SUFFIXES else other).append(p)
    return images, other


def folder_source(folder: str | Path, *, name: str | None = None, workers: int | None = None,
                  progress: Progress | None = None) -> Source:
    """Return an image folder as a Source of property rows (one per image file, sorted by path)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise InputError("not a folder of images" if root.exists() else "folder not found", path=str(folder),
                         hint="pass a folder holding .jpg/.png/... files")
    images, other = image_files(root)
    if not images:
        raise InputError("folder holds no image files", path=str(folder),
                         hint="image endings: " + ", ".join(sorted(IMAGE_SUFFIXES)))
    notes = []
    if other:
        shown = ", ".join(p.relative_to(root).as_posix() for p in other[:5])
        notes.append(f"{root.name}: skipped {len(other)} file(s) that are not images by name ({shown}"
                     f"{', …' if len(other) > 5 else ''})")
    labels = [p.relative_to(root).as_posix() for p in images]
    return paths_source([str(p) for p in images], labels, name=name or root.resolve().name, workers=workers,
                        progress=progress, notes=notes, where=str(root))


def paths_source(paths: Sequence[str], labels: Sequence[str], *, name: str, workers: int | None = None,
                 progress: Progress | None = None, notes: list[str] | None = None,
                 where: str | None = None) -> Source:
    """Return a Source measuring the image at each path; `labels` fill the path column."""
    kept: list[pa.RecordBatch] = []

    def batches() -> Iterator[pa.RecordBatch]:
        if not kept:
            kept.extend(measure_all(paths, labels, workers=workers, progress=progress))
        return iter(kept)

    return Source(name=name, kind="images", schema=SCHEMA, open_batches=batches,
                  files=[where] if where else [], notes=list(notes or []), num_rows=len(paths))


def measure_all(paths: Sequence[str], labels: Sequence[str], *, workers: int | None = None,
                progress: Progress | None = None) -> Iterator[pa.RecordBatch]:
    """Measure the images, `CHUNK` per batch, in path order; in parallel for more than a few."""
    chunks = [(list(paths[i:i + CHUNK]), list(labels[i:i + CHUNK])) for i in range(0, len(paths), CHUNK)]
    n = workers if workers is not None else min(DEFAULT_WORKERS, os.cpu_count() or 1)
    done = 0
    if n <= 1 or len(paths) < INLINE_BELOW or not _spawn_can_start():
        measured: Iterator[tuple[list[str], dict]] = ((names, measure_files(files)) for files, names in chunks)
    else:
        measured = _in_pool(chunks, n)
    for names, cols in measured:
        yield _batch(names, cols)
        done += len(names)
        if progress:
            progress(done, len(paths))


def _in_pool(chunks: list[tuple[list[str], list[str]]], n: int) -> Iterator[tuple[list[str], dict]]:
    """Measure the chunks in `n` worker processes, in order; in this process if the pool breaks.

    A pool breaks when the workers cannot start, e.g. a script without an
    `if __name__ == "__main__":` guard re-runs itself in every spawned worker.
    """
    from concurrent.futures.process import BrokenProcessPool

    with _pool(n) as pool:
        pending: deque[tuple[list[str], list[str], Future]] = deque()
        position = 0

        def oldest() -> tuple[list[str], dict]:
            """Return the oldest chunk's measures; it leaves the queue (and counts as done) only then."""
            nonlocal position
            _, names_done, fut = pending[0]
            cols = fut.result()
            pending.popleft()
            position += 1
            return names_done, cols

        try:
            for files, names in chunks:  # two chunks per worker in flight, no more: memory stays flat
                pending.append((files, names, pool.submit(measure_files, files, True)))
                if len(pending) >= 2 * n:
                    yield oldest()
            while pending:
                yield oldest()
        except BrokenProcessPool:
            pass
        else:
            return
    for files, names in chunks[position:]:
        yield names, measure_files(files)


def _spawn_can_start() -> bool:
    """Tell whether spawned workers can re-import the main module (not so for a script piped on stdin)."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is None or getattr(main, "__spec__", None) is not None or os.path.exists(path)


def _pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may run Polars/Arrow thread pools, which fork can deadlock
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _batch(names: list[str], cols: dict[str, list]) -> pa.RecordBatch:
    arrays = [pa.array(names, pa.large_string())]
    arrays += [pa.array(cols[n], _TYPES[t]) for n, t in COLUMNS]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
