"""`annotators` as a run-layer composition: one context, one read of the ratings, one Report.

The table is opened and profiled once (`open_context`), its rows are held in one table
(the batches the profile read, replayed when they fit the memory budget), and the agreement
coefficients, consensus, annotator bias and agreement over time come from tripwire.agreement. The Report carries the findings and the metrics table; the consensus per
item is in `report.extra["consensus"]` (a Polars DataFrame) and written with `consensus=PATH`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from tripwire.agreement.judge import judge
from tripwire.agreement.ratings import ratings_from_frame, ratings_from_wide
from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap
from tripwire.report import CheckResult
from tripwire.run.context import hold_rows, open_context
from tripwire.run.plan import Plan, execute


def annotators(data: Any, *, item: str | None = None, annotator: str | None = None, label: str | None = None,
               raters: Sequence[str] | None = None, time: str | None = None, window: str | None = None,
               level: str = "nominal", resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
               consensus: str | Path | None = None, name: str | None = None, encoding: str | None = None,
               progress: bool = False) -> Any:
    """Judge how well annotators agree: alpha and kappas with intervals, consensus, bias, drift.

    Long tables name the `item`, `annotator` and `label` columns (one row per rating); wide
    tables name the `raters` columns (one per annotator, one row per item, `item` optional).
    `level` (nominal, ordinal, interval) is the distance the headline alpha uses; ordinal and
    interval alphas are in the metrics whenever the labels are numbers. With `time`, agreement
    is compared over `window`s ("1d", "1w", "1mo", "1q", "1y"; default four equal parts in
    time order). `consensus` writes one row per item (majority vote, and Dawid–Skene when most
    items have three ratings or more and there are ten items per class) to a .csv or .parquet file.
    """
    if raters:
        if annotator is not None or label is not None:
            raise UsageError("pass either --raters (a wide table) or --annotator and --label (a long one), not both")
        if time is not None:
            raise UsageError("--time needs a long table (one row per rating with its time); --raters tables "
                             "have one time per item at most")
    elif annotator is None or label is None or item is None:
        raise UsageError("name the columns: --item, --annotator and --label (one row per rating), "
                         "or --raters COL,COL,... (one column per annotator)")
    if not 0 < confidence < 1:
        raise UsageError(f"--confidence {confidence:g}: give a level between 0 and 1, e.g. 0.95")
    if resamples < 0:
        raise UsageError(f"--resamples {resamples}: give 0 (no intervals) or more")
    # the rows are taken from the batches the profile read (within the memory budget): one read of the file
    ctx = open_context(data, name=name, encoding=encoding, progress=progress, keep_rows=True)
    if ctx.source is None:
        raise UsageError("annotators needs the rows of the ratings, not a saved profile")
    table = hold_rows(ctx, "annotators")
    if raters:
        long = ratings_from_wide(table, item, list(raters))
        columns = (item or "row", "annotator", ", ".join(raters)[:200])
        ratings, set_aside = ratings_from_frame(long, "item", "annotator", "label", row="__row__")
    else:
        assert item is not None and annotator is not None and label is not None
        columns = (item, annotator, label)
        ratings, set_aside = ratings_from_frame(table, item, annotator, label, time)
    boot = Bootstrap(resamples=resamples, level=confidence, seed=seed)
    found = judge(ratings, columns, level=level, boot=boot, window=window, wide=bool(raters))
    notes = [f"{len(ratings.label):,} ratings of {ratings.n_items:,} items by {len(ratings.annotators):,} "
             f"annotators, {ratings.n_classes} class{'es' if ratings.n_classes != 1 else ''}"]
    if set_aside["missing"]:
        notes.append(f"{set_aside['missing']:,} rows without an item, annotator or label were left out")
    if set_aside["repeated"]:
        notes.append(f"{set_aside['repeated']:,} repeated ratings (same annotator, same item) were left out; "
                     "the first was kept")
    if ratings.n_classes < 2:
        notes.append(f"every rating gives the same label ({ratings.classes[0]!r}): the annotators agree, but "
                     "alpha and kappa are undefined without a second class")
    once = int((found.consensus["ratings"] == 1).sum())
    if once:
        notes.append(f"{once:,} items were labelled once: they count for no agreement coefficient")
    notes.append(f"intervals: {boot.level:.0%} bootstrap over items, {boot.resamples} resamples, seed {boot.seed}")
    if "dawid_skene" not in found.consensus.columns:
        notes.append("consensus: majority vote (Dawid–Skene needs three annotators, most items rated three "
                     "times or more, and ten items per class)")
    checks = [CheckResult("annotators", "failed" if any(f.severity == "error" for f in found.findings)
                          else "passed")]
    report = execute(Plan("annotators", detectors=False, given_findings=tuple(found.findings),
                          given_checks=tuple(checks)), ctx)
    report = dataclasses.replace(report, metrics=tuple(found.metrics), notes=(*report.notes, *notes))
    report.extra.update({"consensus": found.consensus, "windows": found.windows,
                         "annotators": [dataclasses.asdict(s) for s in found.annotators]})
    if consensus is not None:
        write_consensus(found.consensus, Path(consensus))
    return report


def write_consensus(table: pl.DataFrame, path: Path) -> Path:
    """Write the consensus table as Parquet (.parquet) or CSV (anything else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        table.write_parquet(path)
    else:
        table.write_csv(path)
    return path
