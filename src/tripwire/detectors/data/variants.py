"""data.category_variants: one category written several ways (case, spaces, accents, typos).

Values are first grouped by a normalised key (accents stripped, case folded, punctuation and
spaces removed); then each rare value is compared with the column's frequent values by edit
distance (rapidfuzz, vectorised), so a typo joins its canonical spelling. Short codes are
never merged by edit distance (`IA`/`IN`, `S`/`M` are different things), nor are values whose
digits differ (`s1k_000015`/`s1k_000016`, `iPhone 12`/`iPhone 13`), and a typo must be rare
next to its canonical value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import polars as pl

from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.extras import require
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

MIN_TYPO_LENGTH = 4
#: a typo has at most this share of its canonical value's count
TYPO_RARITY = 0.05
MAX_VALUES = 1024


def variant_key(values: pl.Series) -> pl.Series:
    """Return the normalised key of each value: no accents, case folded, letters and digits only."""
    return values.to_frame("v").select(
        pl.col("v").str.normalize("NFKD").str.replace_all(r"\p{M}", "")
        .str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]", "")
    ).to_series()


def variant_groups(values: list[str], counts: list[int]) -> list[dict[str, int]]:
    """Return groups of spellings of one value, canonical (most frequent) first."""
    frame = pl.DataFrame({"value": values, "count": counts}, schema={"value": pl.String, "count": pl.Int64})
    frame = frame.with_columns(key=variant_key(frame["value"])).filter(pl.col("key") != "")
    groups: dict[str, dict[str, int]] = {}
    for key, value, count in frame.sort(["count", "value"], descending=[True, False]).select(
            "key", "value", "count").iter_rows():
        groups.setdefault(key, {})[value] = count
    _join_typos(groups)
    return [g for g in groups.values() if len(g) > 1]


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: letters next to each other on a QWERTY keyboard (same row, or the row above/below)
KEYBOARD = {
    (a, b)
    for r, row in enumerate(_ROWS) for i, a in enumerate(row)
    for rr in (r - 1, r, r + 1) if 0 <= rr < len(_ROWS)
    for j in (i - 1, i, i + 1) if 0 <= j < len(_ROWS[rr]) and (b := _ROWS[rr][j]) != a
}
LEET = {("a", "4"), ("e", "3"), ("i", "1"), ("l", "1"), ("o", "0"), ("s", "5"), ("t", "7"), ("b", "8"),
        ("g", "9")}
LEET_DIGITS = {d for _, d in LEET}
#: substitutions other than keyboard slips and leetspeak turn short codes into other codes
MIN_SUBSTITUTION_LENGTH = 6


def plausible_typo(canonical: str, rare: str) -> bool:
    """Tell whether `rare` could be `canonical` mistyped: letters swapped, dropped or doubled
    inside the word, a neighbouring key, leetspeak. A word with a prefix or suffix of two or
    more letters added or cut is another word ('Regular' / 'Irregular'), and so is a short code
    with one letter replaced ('GasA' / 'GasW')."""
    osa = require("rapidfuzz.distance", "Finding category variants").OSA
    lev = require("rapidfuzz.distance", "Finding category variants").Levenshtein
    if osa.distance(canonical, rare) == 1 and lev.distance(canonical, rare) == 2:
        return True  # two neighbouring letters swapped
    short, long_ = sorted((canonical, rare), key=len)
    if len(long_) - len(short) >= 2 and (long_.startswith(short) or long_.endswith(short)):
        return False
    for op in lev.editops(canonical, rare):
        if op.tag != "replace":
            continue
        a, b = canonical[op.src_pos], rare[op.dest_pos]
        if (a, b) in LEET or (b, a) in LEET:
            continue
        if len(canonical) < MIN_SUBSTITUTION_LENGTH or (a, b) not in KEYBOARD:
            return False
    return True


def _join_typos(groups: dict[str, dict[str, int]]) -> None:
    """Move rare keys one or two edits away from a much more frequent key into its group."""
    process = require("rapidfuzz.process", "Finding category variants")
    # optimal string alignment: a swap of two neighbouring letters is one edit
    distance = require("rapidfuzz.distance", "Finding category variants").OSA.distance
    keys = list(groups)
    totals = np.array([sum(groups[k].values()) for k in keys], dtype=np.int64)
    long_keys = [i for i, k in enumerate(keys) if len(k) >= MIN_TYPO_LENGTH]
    if len(long_keys) < 2:
        return
    cand = [keys[i] for i in long_keys]
    dist = process.cdist(cand, cand, scorer=distance, score_cutoff=2, workers=1)
    digits = [re.sub(r"\D", "", keys[i]) for i in long_keys]
    # the cheap conditions on the whole matrix at once: close enough, and much rarer
    limit = np.array([2 if len(keys[i]) >= 8 else 1 for i in long_keys])
    held = totals[long_keys]
    near = (dist <= limit[:, None]) & (held[:, None] <= TYPO_RARITY * held[None, :])
    np.fill_diagonal(near, False)
    for a in np.flatnonzero(near.any(axis=1)):
        i = long_keys[a]
        best, best_total = None, 0
        for b in np.flatnonzero(near[a]):
            j = long_keys[b]
            # values differing in their digits are different things (codes, models, sizes),
            # unless a word without digits got some as leetspeak ('Dr3am')
            if digits[a] != digits[b] and not (digits[b] == "" and set(digits[a]) <= LEET_DIGITS):
                continue
            if totals[j] > best_total and plausible_typo(keys[j], keys[i]):
                best, best_total = j, totals[j]
        if best is not None and keys[i] in groups and keys[best] in groups:
            groups[keys[best]].update(groups.pop(keys[i]))


@register
class CategoryVariants(Detector):
    """Report categories spelled several ways, with a proposed mapping to the canonical one."""

    name, family, codes = "category_variants", "data", ("data.category_variants",)
    extras = ("rapidfuzz",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            if not _candidate(col):
                continue
            values, counts = zip(*col.frequent.top(), strict=True)
            groups = variant_groups(list(map(str, values)), list(counts))
            if not groups:
                continue
            mapping = {v: next(iter(g)) for g in groups for v in list(g)[1:]}
            affected = sum(n for g in groups for n in list(g.values())[1:])
            share = affected / col.count
            shown = "; ".join(" / ".join(repr(v) for v in list(g)[:4]) for g in groups[:3])
            yield self.finding(
                "data.category_variants", "warning" if share >= 0.005 else "info", col.name,
                f"{col.name}: {len(groups)} value(s) written several ways ({shown})",
                {"count": affected, "share": share, "groups": [dict(g) for g in groups[:50]],
                 "mapping": dict(list(mapping.items())[:200])},
                fix="Map each variant to its canonical spelling (evidence.mapping), and fix the "
                    "form or feed that lets free text into this column.",
                locate=pl.col(col.name).is_in(list(mapping)),
            )


def _candidate(col: ColumnProfile) -> bool:
    return (col.kind == "string" and col.inferred_type == "string" and col.frequent.exact
            and 2 <= len(col.frequent.counts) <= MAX_VALUES and col.text is not None
            and (col.text.lengths.mean or 0) < 60)
