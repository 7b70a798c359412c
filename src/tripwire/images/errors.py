"""Errors by image property: where a model's mistakes concentrate (dark, blurry, glare, ...).

Predictions and labels are joined to the images by file name (the path relative to the
folder, else the bare file name); the weak-slice search of `tripwire.evaluation.slices`
then cuts every image property into quantile bins and names the bins (and pairs of bins)
whose error rate is significantly above the overall rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.evaluation.findings import slice_findings
from tripwire.evaluation.slices import weak_slices
from tripwire.report import Finding

#: the properties sliced (hashes, sizes in bytes and format names explain no errors)
SLICED = ("brightness", "contrast", "saturation", "colourfulness", "sharpness", "glare", "noise", "entropy",
          "aspect_ratio")
#: columns looked for, in order, when the predictions table's file-name column is not named
NAME_COLUMNS = ("path", "file", "filename", "file_name", "image", "image_path", "name")


def join_predictions(table: pl.DataFrame, preds: pl.DataFrame, *, key: str | None, label: str,
                     prediction: str) -> tuple[pl.DataFrame, list[str]]:
    """Return the readable images with their label and prediction (and a `row` index), and notes."""
    key = key or next((c for c in NAME_COLUMNS if c in preds.columns), None)
    for col, flag in ((key, "--image-column"), (label, "--label"), (prediction, "--prediction")):
        if col is None or col not in preds.columns:
            raise UsageError(f"{flag} {col!r} is not a column of the predictions table; columns: "
                             + ", ".join(preds.columns[:20]))
    p = preds.select(pl.col(key).cast(pl.String).alias("_key"), pl.col(label).alias("_label"),
                     pl.col(prediction).alias("_prediction"))
    imgs = table.with_row_index("row").filter(pl.col("error").is_null())
    full = imgs.with_columns(pl.col("path").alias("_key"))
    base = imgs.with_columns(_file_name(pl.col("path")).alias("_key"))
    p_base = p.with_columns(_file_name(pl.col("_key")))
    by_full = full.join(p.unique("_key", keep="first"), on="_key", how="inner")
    by_base = base.join(p_base.unique("_key", keep="first"), on="_key", how="inner")
    joined = by_full if by_full.height >= by_base.height else by_base
    notes = []
    if joined.height < imgs.height:
        notes.append(f"{imgs.height - joined.height:,} of {imgs.height:,} readable images have no prediction "
                     f"(joined on {key!r}); they are left out of the errors by property")
    return joined.drop("_key").sort("row"), notes


def _file_name(path: pl.Expr) -> pl.Expr:
    return path.str.replace_all("\\", "/", literal=True).str.split("/").list.last()


def errors_by_property(joined: pl.DataFrame, *, prediction: str = "prediction", min_rows: int | None = None,
                       top: int = 5) -> tuple[list[Finding], dict[str, Any]]:
    """Return weak-slice findings over the image properties, and the overall error rate and counts."""
    known = joined.filter(pl.col("_label").is_not_null() & pl.col("_prediction").is_not_null())
    if not known.height:
        return [], {"images": 0}
    wrong = (known["_label"].cast(pl.String) != known["_prediction"].cast(pl.String)).to_numpy()
    props = known.select([c for c in SLICED if c in known.columns])
    found, overall = weak_slices(props, wrong.astype(float), "error rate", proportion=True, min_rows=min_rows,
                                 top=top)
    rows = known["row"].to_numpy()
    findings = slice_findings(found, overall, "error rate", True, known.height, prediction)
    # the slice search counts rows of the joined table; a finding names images by their row in the folder
    findings = [_remap(f, rows) for f in findings]
    return findings, {"images": known.height, "errors": int(wrong.sum()), "error_rate": overall}


def _remap(f: Finding, rows: np.ndarray) -> Finding:
    from dataclasses import replace

    return replace(f, rows=tuple(int(rows[r]) for r in f.rows), detector="images.errors")
