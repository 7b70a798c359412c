"""`--images` as run-layer compositions: an image set profiled and scanned like any table.

The property table (one row per image) is measured once and is then the data of one
ordinary run: the profile, drift against the reference images, contracts and the history
all see columns. The image checks (`tripwire.images.checks`) and the errors by property
judge the images from the same table; their findings join the run's one Report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tripwire.errors import UsageError
from tripwire.extras import require
from tripwire.profiling import DatasetProfile
from tripwire.progress import ProgressCallback, close, progress_for
from tripwire.report import CheckResult, Finding, Report
from tripwire.run.context import open_context
from tripwire.run.plan import Plan, execute

#: families of the table detectors run on a property table: the data.* ones judge columns of
#: business data (identifiers, outliers) and would call an image's hash an identifier column
TABLE_FAMILIES = ("schema", "drift")
#: thumbnails shown per finding in the HTML report
THUMBNAILS = 6

Progress = bool | ProgressCallback | None


def _open(data: Any, image_column: str | None, name: str | None, workers: int | None, progress: Progress,
          label: str) -> Any:
    require("PIL", "reading images")
    from tripwire.images import open_images

    bar = progress_for(progress, label, "measuring images of")
    try:
        images = open_images(data, image_column=image_column, name=name, workers=workers, progress=bar)
        images.table()  # measure now, under the bar
        return images
    finally:
        close(bar)


def profile_images(data: Any, *, image_column: str | None = None, name: str | None = None,
                   workers: int | None = None, sample_rows: int | None = None,
                   progress: Progress = False) -> DatasetProfile:
    """Profile an image folder (or a table's column of image paths) as a table of image properties."""
    import dataclasses

    from tripwire.profiling import ProfileConfig

    images = _open(data, image_column, name, workers, progress, str(data))
    cfg = dataclasses.replace(ProfileConfig(), sample_rows=sample_rows) if sample_rows is not None else None
    return open_context(images.source, name=name, config=cfg).profile


def scan_images(data: Any, reference: Any = None, *, image_column: str | None = None,
                reference_image_column: str | None = None, predictions: Any = None, label: str = "label",
                prediction: str = "prediction", name: str | None = None, workers: int | None = None,
                progress: Progress = False, thumbnails: bool = True) -> Report:
    """Scan an image set: unreadable, odd, dark, bright, blurry, glare-heavy and duplicate images,
    drift and coverage gaps against `reference` images, and errors by property.

    `reference` is a folder of (training) images, a table of their paths
    (`reference_image_column`), or a saved profile.json of image properties (then the image
    checks use the folder's own distribution and only drift is judged against it).
    `predictions` is a table (path or frame) with a file-name column, `label` and
    `prediction`, joined to the images by file name; a table of paths (`image_column`)
    holding `label` and `prediction` columns is its own predictions table.
    """
    images = _open(data, image_column, name, workers, progress, str(data))
    ref_images = None
    ref_profile: Any = None
    if reference is not None:
        if isinstance(reference, DatasetProfile) or (isinstance(reference, (str, Path)) and str(reference).endswith(".json")):
            ref_profile = reference
        else:
            ref_images = _open(reference, reference_image_column, None, workers, progress, str(reference))
            ref_profile = ref_images.source
    table = images.table()
    found, checks = _image_checks(table, ref_images.table() if ref_images is not None else None)
    notes: list[str] = []
    if predictions is None and images.frame is not None and {label, prediction} <= set(images.frame.columns):
        predictions = images.frame  # a table of paths that carries its own labels and predictions
    if predictions is not None:
        more, note = _errors(table, predictions, image_column, label, prediction)
        found += more
        notes += note
        checks.append(CheckResult("images.errors_by_property", "failed" if more else "passed"))
    else:
        checks.append(CheckResult("images.errors_by_property", "skipped", "needs --predictions"))
    ctx = open_context(images.source, ref_profile, name=name)
    if notes:
        ctx.profile.notes = [*ctx.profile.notes, *notes]
    report = execute(Plan("scan", only=TABLE_FAMILIES, given_findings=tuple(found), given_checks=tuple(checks)),
                     ctx)
    if thumbnails:
        report.extra["image_thumbnails"] = _thumbnails(report.findings, images.files, table)
    report.extra["image_table"] = table
    return report


def _image_checks(table: pl.DataFrame, reference: pl.DataFrame | None) -> tuple[list[Finding], list[CheckResult]]:
    from tripwire.images import image_findings

    found, checks = image_findings(table, reference)
    return list(found), list(checks)


def _errors(table: pl.DataFrame, predictions: Any, key: str | None, label: str,
            prediction: str) -> tuple[list[Finding], list[str]]:
    from tripwire.images import errors_by_property, join_predictions
    from tripwire.images.inputs import check_table_path
    from tripwire.run.context import read_frame

    if isinstance(predictions, (str, Path)):
        check_table_path(predictions)
    preds = predictions if isinstance(predictions, pl.DataFrame) else read_frame(predictions)[0]
    joined, notes = join_predictions(table, preds, key=key if key and key in preds.columns else None, label=label,
                                     prediction=prediction)
    if not joined.height:
        raise UsageError("no image matches a row of the predictions table by file name; check its file-name "
                         "column (--image-column) holds the images' names")
    found, _ = errors_by_property(joined, prediction=prediction)
    return found, notes


def _thumbnails(findings: tuple[Finding, ...], files: list[str], table: pl.DataFrame) -> dict[str, list[dict[str, str]]]:
    """Return `code|title` -> up to THUMBNAILS {name, uri} of the finding's first (worst) images."""
    from tripwire.images.thumbnails import thumbnail_uri

    names = table["path"].to_list()
    out: dict[str, list[dict[str, str]]] = {}
    for f in findings:
        if not f.detector.startswith("images") or f.code == "image.unreadable":
            continue
        shown = []
        for r in f.rows[:THUMBNAILS]:
            uri = thumbnail_uri(files[r]) if 0 <= r < len(files) else None
            if uri is not None:
                shown.append({"name": str(names[r]), "uri": uri})
        if shown:
            out[f"{f.code}|{f.title}"] = shown
    return out
