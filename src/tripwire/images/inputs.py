"""What `--images` reads: a folder of images, or a table whose column holds image paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from tripwire.errors import InputError, UsageError
from tripwire.images.reader import Progress, folder_source, image_files, paths_source
from tripwire.io import open_source
from tripwire.io.source import Source


@dataclass
class ImageInput:
    """An image set: the Source of its property rows and the file behind each row."""

    source: Source
    files: list[str]
    #: the input table itself (its path column, labels, predictions, ids), for a table of paths
    frame: pl.DataFrame | None = None
    _table: pl.DataFrame | None = None

    def table(self) -> pl.DataFrame:
        """Return the property table (measured on the first call, kept after)."""
        if self._table is None:
            batches = list(self.source.batches())
            self._table = pl.from_arrow(pa.Table.from_batches(batches, schema=self.source.schema))  # type: ignore[assignment]
        return self._table  # type: ignore[return-value]


def open_images(data: Any, *, image_column: str | None = None, name: str | None = None,
                workers: int | None = None, progress: Progress | None = None) -> ImageInput:
    """Open a folder of images, or a table (anything `open_source` reads) with a column of image paths.

    Relative paths in a table are read from the table file's folder (else the working folder).
    """
    if isinstance(data, ImageInput):
        return data
    if image_column is None:
        if not isinstance(data, (str, Path)) or Path(data).is_file():
            raise UsageError(f"--images needs a folder of images, or --image-column naming the column of "
                             f"image paths in the table {data!s:.80}")
        root = Path(data)
        src = folder_source(root, name=name, workers=workers, progress=progress)
        return ImageInput(src, [str(p) for p in image_files(root)[0]])
    table_src = open_source(data, name=name)
    if image_column not in table_src.schema.names:
        raise UsageError(f"--image-column {image_column!r} is not a column of {table_src.name}; columns: "
                         + ", ".join(table_src.schema.names[:20]))
    frame = pl.from_arrow(pa.Table.from_batches(list(table_src.batches()), schema=table_src.schema))
    assert isinstance(frame, pl.DataFrame)
    names = frame[image_column].cast(pl.String).fill_null("").to_list()
    base = Path(data).parent if isinstance(data, (str, Path)) and Path(data).is_file() else Path.cwd()
    files = [str(p if Path(p).is_absolute() else base / p) for p in names]
    src = paths_source(files, names, name=name or table_src.name, workers=workers, progress=progress,
                       where=table_src.files[0] if table_src.files else None)
    return ImageInput(src, files, frame=frame)


def check_table_path(path: str | Path) -> None:
    """Refuse a folder given where a table of predictions is expected."""
    if Path(path).is_dir():
        raise InputError("expected a table of predictions, not a folder", path=str(path),
                         hint="pass a CSV/Parquet with a file-name column, the label and the prediction")
