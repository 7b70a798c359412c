"""Fuzzy candidates for keys that still have no partner: rapidfuzz, blocked, capped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tripwire.extras import require
from tripwire.joins.analysis import JoinAnalysis, ranked_keys
from tripwire.joins.keys import COUNT

#: left orphan keys compared (the ones on most rows)
MAX_LEFT = 5_000
#: right keys compared (unmatched right keys first, then the rest)
MAX_RIGHT = 50_000
#: least rapidfuzz ratio (0-100) for a candidate
MIN_SCORE = 85.0
#: most key pairs compared within one block (a block of common keys is cut to its first right keys)
MAX_PAIRS = 2_000_000
EXAMPLES = 10


@dataclass(frozen=True)
class FuzzyMatches:
    """Left orphan keys with a close right key: how many, on how many rows, the best pairs."""

    keys: int
    rows: int
    compared: int
    examples: list[dict[str, Any]]


def _joined(frame: pl.DataFrame) -> pl.Series:
    keys = [c for c in frame.columns if c != COUNT]
    return frame.select(pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator="|").alias("t")).to_series()


def _block(text: pl.Series) -> pl.Series:
    """Return each key's block: its first letter or digit, case folded (typos rarely hit it),
    plus its digits: codes whose digits differ are different things ('C1012109' / 'C0121409'),
    so they are never compared, and code-like keys fall into tiny blocks."""
    folded = text.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]", "")
    return folded.str.slice(0, 1) + "|" + folded.str.replace_all(r"\D", "")


def fuzzy_matches(analysis: JoinAnalysis, skip: pl.DataFrame | None = None) -> FuzzyMatches | None:
    """Return close right keys for left orphans (text keys only; None when there is nothing to try).

    `skip` holds left orphan keys a normalisation already explains. Keys are compared within
    blocks of the same first character (rapidfuzz `process.cdist`, ratio scorer), so the cost
    is the sum of block products, not all pairs.
    """
    keys = [c for c in analysis.left_keys.columns if c != COUNT]
    if not any(analysis.left_keys.schema[k] == pl.String for k in keys):
        return None
    orphans = analysis.left_orphans
    if skip is not None and skip.height:
        orphans = orphans.join(skip, on=keys, how="anti")
    orphans = ranked_keys(orphans, MAX_LEFT).head(MAX_LEFT)
    if not orphans.height:
        return None
    process = require("rapidfuzz.process", "Fuzzy key matching")
    fuzz = require("rapidfuzz.fuzz", "Fuzzy key matching")
    right = pl.concat([analysis.right_orphans, analysis.right_keys.join(analysis.right_orphans, on=keys, how="anti")]
                      ).head(MAX_RIGHT)
    left_text, right_text = _joined(orphans), _joined(right)
    left_block, right_block = _block(left_text), _block(right_text)
    rows = orphans[COUNT].to_numpy()
    best_score = np.zeros(orphans.height)
    best_right = np.full(orphans.height, -1)
    lb = pl.DataFrame({"b": left_block, "i": np.arange(orphans.height)}).group_by("b").agg("i")
    rb = pl.DataFrame({"b": right_block, "j": np.arange(right.height)}).group_by("b").agg("j")
    for _, li, ri in lb.join(rb, on="b").sort("b").iter_rows():
        li, ri = np.asarray(li), np.asarray(ri)[: max(1, MAX_PAIRS // len(li))]
        scores = process.cdist(left_text.gather(li).to_list(), right_text.gather(ri).to_list(),
                               scorer=fuzz.ratio, score_cutoff=MIN_SCORE, workers=1)
        top = scores.argmax(axis=1)
        best_score[li] = scores[np.arange(li.size), top]
        best_right[li] = ri[top]
    found = np.flatnonzero(best_score >= MIN_SCORE)
    order = found[np.lexsort((-best_score[found], -rows[found]))]
    examples = [{"left": left_text[int(i)], "right": right_text[int(best_right[i])],
                 "score": round(float(best_score[i]), 1), "rows": int(rows[i])} for i in order[:EXAMPLES]]
    return FuzzyMatches(int(found.size), int(rows[found].sum()), int(orphans.height), examples)
