"""Key format mismatches: which normalisation would make orphan keys join, and how many rows it wins.

Each candidate is a pair of Polars expressions (one per side) over one key part. Its gain is
measured with one semi join of the left orphans, normalised, against the right's distinct
keys, normalised: vectorised, on distinct keys, never per value in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from tripwire.joins.analysis import JoinAnalysis, ranked_keys
from tripwire.joins.keys import COUNT, as_text, example
from tripwire.joins.keys import sample as sample_of

#: date layouts tried on text keys (the first that parses nearly every value of a side wins)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d",
                "%d %b %Y", "%b %d, %Y")
#: share of a side's sampled keys a date layout must parse
DATE_SHARE = 0.9
#: distinct keys sampled to guess a side's date layout
DATE_SAMPLE = 5_000
#: learned prefixes/suffixes tried per side
AFFIXES = 3
ALL_STEPS = "trim, ignore case, strip leading zeros and separators"


@dataclass(frozen=True)
class Candidate:
    """One normalisation of one key part: what it does to each side.

    `kind` says how its gain can be measured cheaply: "steps" (all generic steps at once, a
    superset of each one), "step" (one of them, measured on what "steps" joined), "left" (the
    right side untouched), "right" (only right keys matching `right_filter` change), "both"
    (an affix and the steps), "dates".
    """

    name: str
    part: int
    left: pl.Expr
    right: pl.Expr
    kind: str = "step"
    right_filter: pl.Expr | None = None


@dataclass(frozen=True)
class Gain:
    """What a normalisation wins: left orphan rows and keys that would then match."""

    name: str
    part: int
    rows: int
    keys: int
    #: normalised right keys that fall together (the fix would repeat right rows)
    right_collisions: int
    examples: list[list[Any]]
    #: the left orphan keys (with row counts) it joins
    joined: pl.DataFrame | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the gain as evidence."""
        return {"normalisation": self.name, "key_part": self.part, "rows_gained": self.rows,
                "keys_gained": self.keys, "right_collisions": self.right_collisions,
                "examples": self.examples}


_STEPS = {
    "trim whitespace": lambda e: e.str.strip_chars(),
    "ignore case": lambda e: e.str.to_lowercase(),
    "strip leading zeros": lambda e: pl.when(e.str.strip_chars_start("0") == "").then(pl.lit("0")).otherwise(
        e.str.strip_chars_start("0")),
    "drop separators (space - _ . /)": lambda e: e.str.replace_all(r"[\s\-_./]", ""),
}


def _date_format(values: pl.Series) -> str | None:
    sample = sample_of(values, DATE_SAMPLE)
    if sample.is_empty():
        return None
    best, share = None, 0.0
    for fmt in DATE_FORMATS:
        ok = sample.str.strptime(pl.Date, fmt, strict=False).is_not_null().mean() or 0.0
        if ok > share:
            best, share = fmt, float(ok)
    return best if share >= DATE_SHARE else None


def _affixes(values: pl.Series) -> list[tuple[str, str]]:
    """Return the commonest non-digit prefixes and suffixes around digits: ('prefix', 'ID-'), ..."""
    frame = sample_of(values, 50_000).to_frame("v")
    out = []
    for kind, pattern in (("prefix", r"^(\D+)\d"), ("suffix", r"\d(\D+)$")):
        found = frame.select(pl.col("v").str.extract(pattern, 1).alias("a")).drop_nulls()
        if found.is_empty():
            continue
        top = found.group_by("a").len().sort(["len", "a"], descending=[True, False]).head(AFFIXES)
        out += [(kind, a) for a in top["a"].to_list()]
    return out


def candidates(analysis: JoinAnalysis) -> list[Candidate]:
    """Return the normalisations worth trying on each key part of this join."""
    left, right = analysis.left_keys, analysis.right_keys
    out: list[Candidate] = []
    for part, col in enumerate(c for c in left.columns if c != COUNT):
        lt, rt = left.schema[col], right.schema[col]
        if not (lt == pl.String or rt == pl.String):
            continue  # numbers, times, booleans of one kind already compare exactly
        lx, rx = as_text(col, lt), as_text(col, rt)
        all_steps_l, all_steps_r = lx, rx
        for step in _STEPS.values():
            all_steps_l, all_steps_r = step(all_steps_l), step(all_steps_r)
        out.append(Candidate(ALL_STEPS, part, all_steps_l, all_steps_r, "steps"))
        for name, step in _STEPS.items():
            out.append(Candidate(name, part, step(lx), step(rx)))
        orphans_l = analysis.left_orphans.select(lx.alias("v")).to_series()
        orphans_r = analysis.right_orphans.select(rx.alias("v")).to_series()
        for side, values in (("left", orphans_l), ("right", orphans_r)):
            for kind, affix in _affixes(values):
                cut = (lambda e, a=affix: e.str.strip_prefix(a)) if kind == "prefix" else (
                    lambda e, a=affix: e.str.strip_suffix(a))
                name = f"remove the {side} {kind} {affix!r}"
                has = rx.str.starts_with(affix) if kind == "prefix" else rx.str.ends_with(affix)
                cl, cr = (cut(lx), rx) if side == "left" else (lx, cut(rx))
                out.append(Candidate(name, part, cl, cr, side, has if side == "right" else None))
                # an affix rarely comes alone: the other system also changed case or padding
                al, ar = cl, cr
                for step in _STEPS.values():
                    al, ar = step(al), step(ar)
                out.append(Candidate(f"{name}, then {ALL_STEPS}", part, al, ar, "both"))
        out += _date_candidates(part, col, lt, rt, orphans_l, right.select(rx.alias("v")).to_series())
    return out


def _date_candidates(part: int, col: str, lt: pl.DataType, rt: pl.DataType, left_text: pl.Series,
                     right_text: pl.Series) -> list[Candidate]:
    lf = None if lt.is_temporal() else _date_format(left_text)
    rf = None if rt.is_temporal() else _date_format(right_text)
    if (lf is None and not lt.is_temporal()) or (rf is None and not rt.is_temporal()) or (lf == rf):
        return []
    lx = pl.col(col).cast(pl.Date) if lt.is_temporal() else pl.col(col).str.strptime(pl.Date, lf, strict=False)
    rx = pl.col(col).cast(pl.Date) if rt.is_temporal() else pl.col(col).str.strptime(pl.Date, rf, strict=False)
    shown = f"left {lf!r}" if lf else f"left {lt}"
    shown += f", right {rf!r}" if rf else f", right {rt}"
    return [Candidate(f"read both as dates ({shown})", part, lx, rx, "dates")]


def gain(analysis: JoinAnalysis, cand: Candidate, right: pl.DataFrame | None = None,
         cache: dict[str, pl.DataFrame] | None = None) -> tuple[Gain, pl.DataFrame]:
    """Return how many left orphan rows the normalisation would join, and the orphan keys it joins.

    `right` narrows the right keys searched (those that can possibly match); by default all.
    `cache` keeps the normalised right keys per expression: candidates that change only the
    left side share them.
    """
    col = f"k{cand.part}"
    keys = [c for c in analysis.left_keys.columns if c != COUNT]
    others = [k for k in keys if k != col]
    on = [*others, "__norm"]
    right_keys = analysis.right_keys if right is None else right
    if cand.right_filter is not None:
        right_keys = right_keys.filter(cand.right_filter)  # only these change, others already failed
    left = analysis.left_orphans.with_columns(cand.left.alias("__norm"), pl.col(col).alias("__left"))
    key = f"{cand.part}:{cand.right}" if right is None and cand.right_filter is None else None
    normed = cache.get(key) if cache is not None and key is not None else None
    if normed is None:
        normed = right_keys.select([*others, cand.right.alias("__norm"), pl.col(col).alias("__right")]).drop_nulls(on)
        if cache is not None and key is not None:
            cache[key] = normed
    hit = left.drop_nulls("__norm").join(normed, on=on, how="semi")
    if not hit.height:
        return Gain(cand.name, cand.part, 0, 0, 0, []), hit
    reached = normed.join(hit.select(on).unique(), on=on, how="semi")
    # right keys the normalisation makes equal among those the orphans would join (rows repeat)
    fell = reached.height - reached.select(on).unique().height
    firsts = hit.select([*keys, COUNT, "__left", "__norm"])
    top = ranked_keys(firsts.select([*keys, COUNT]), 5).head(5).join(firsts.select([*keys, *on[-1:], "__left"]),
                                                                    on=keys, how="left")
    pairs = top.join(reached.sort("__right").unique(on, keep="first", maintain_order=True), on=on, how="left")
    joined = hit.select([*keys, COUNT])
    return (Gain(cand.name, cand.part, int(hit[COUNT].sum() or 0), hit.height, int(fell),
                 [[example((a,)), example((b,))] for a, b in pairs.select("__left", "__right").rows()], joined),
            joined)


def gains(analysis: JoinAnalysis) -> list[Gain]:
    """Return the normalisations that join more rows, best first (ties: the simpler, listed first).

    The generic steps are measured all at once first; each single step can only join orphans
    that the combination joins, with right keys the combination reaches, so each is measured on
    those few keys instead of the whole right side.
    """
    if not analysis.left_orphans.height:
        return []
    found: list[Gain] = []
    narrowed: dict[int, tuple[JoinAnalysis, pl.DataFrame] | None] = {}
    cache: dict[str, pl.DataFrame] = {}
    for cand in candidates(analysis):
        if cand.kind == "steps":
            g, hit = gain(analysis, cand, cache=cache)
            narrowed[cand.part] = None
            if g.rows:
                found.append(g)
                keys = [c for c in analysis.left_keys.columns if c != COUNT]
                col = f"k{cand.part}"
                others = [k for k in keys if k != col]
                norm_hits = hit.join(analysis.left_orphans, on=keys, how="semi").select(
                    [*others, cand.left.alias("__norm")]).unique()
                reach = analysis.right_keys.with_columns(cand.right.alias("__norm")).join(
                    norm_hits, on=[*others, "__norm"], how="semi").drop("__norm")
                narrowed[cand.part] = (replace(analysis, left_orphans=hit.join(
                    analysis.left_orphans, on=keys, how="semi")), reach)
            continue
        if cand.kind == "step":
            if narrowed.get(cand.part) is None:
                continue  # the steps together join nothing, so none alone does
            small, reach = narrowed[cand.part]  # type: ignore[misc]
            g, _ = gain(small, cand, reach)
        else:
            g, _ = gain(analysis, cand, cache=cache)
        if g.rows:
            found.append(g)
    order = {g.name: i for i, g in enumerate(found)}
    simple_first = sorted(found, key=lambda g: (ALL_STEPS in g.name, order[g.name]))
    order = {g.name: i for i, g in enumerate(simple_first)}
    return sorted(found, key=lambda g: (-g.rows, order[g.name]))
