"""Turn one join's analysis into `data.join_keys` findings (one source for titles and numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tripwire.joins.analysis import JoinAnalysis, Side
from tripwire.joins.fuzzy import FuzzyMatches
from tripwire.joins.keys import KeyPairs
from tripwire.joins.normalise import Gain
from tripwire.report import Finding

CODE = "data.join_keys"
#: which side must hold each key once for a declared cardinality
UNIQUE_SIDES = {"1:1": ("left", "right"), "1:n": ("left",), "n:1": ("right",), "n:m": ()}


def _pct(share: float) -> str:
    return f"{100 * share:.3g}%" if share >= 0.001 or share == 0 else "<0.1%"


def _key(value: Any) -> str:
    return repr(value) if not isinstance(value, list) else "(" + ", ".join(map(repr, value)) + ")"


def _finding(severity: str, columns: tuple[str, ...], title: str, evidence: dict[str, Any], fix: str) -> Finding:
    return Finding(CODE, severity, columns, title, evidence, fix=fix, detector="join_keys")  # type: ignore[arg-type]


def join_findings(a: JoinAnalysis, pairs: KeyPairs, names: tuple[str, str], expect: str | None = None,
                  gains: list[Gain] | None = None, fuzzy: FuzzyMatches | None = None,
                  max_orphan_share: float = 0.0) -> Iterator[Finding]:
    """Yield the findings of one join of `names[0]` (left) with `names[1]` (right).

    Left orphans are a warning above `max_orphan_share` (an error when no row joins at all);
    right keys no left row uses are info; a declared cardinality the keys break is an error.
    """
    left_name, right_name = names
    cols = pairs.left
    on = pairs.label()
    base = {"left": left_name, "right": right_name, "on": on}
    side = a.left
    if side.orphan_rows and side.orphan_rows / max(side.rows, 1) > max_orphan_share:
        share = side.orphan_rows / side.rows
        shown = ", ".join(_key(e["key"]) for e in side.orphan_examples[:3])
        yield _finding(
            "error" if a.matched_left_rows == 0 else "warning", cols,
            f"{on}: {side.orphan_rows:,} of {side.rows:,} {left_name} rows ({_pct(share)}) have no match in "
            f"{right_name} ({side.orphan_keys:,} keys, e.g. {shown})",
            {**base, "side": "left", "count": side.orphan_rows, "share": share, "keys": side.orphan_keys,
             "examples": side.orphan_examples, "matched_rows": a.matched_left_rows, "null_rows": side.null_rows},
            f"An inner join drops these rows and a left join fills {right_name}'s columns with nulls: "
            f"add the missing keys to {right_name}, or decide which join you mean.")
    if a.right.orphan_keys:
        r = a.right
        yield _finding(
            "info", cols,
            f"{on}: {r.orphan_keys:,} of {r.keys:,} {right_name} keys ({_pct(r.orphan_keys / r.keys)}) are used "
            f"by no {left_name} row",
            {**base, "side": "right", "count": r.orphan_rows, "share": r.orphan_rows / max(r.rows, 1),
             "keys": r.orphan_keys, "examples": r.orphan_examples},
            "Usually harmless (a lookup table covers more than this batch); a right join or an "
            "anti join would surface them.")
    if side.null_rows:
        yield _finding(
            "info", cols, f"{on}: {side.null_rows:,} {left_name} rows have a null key and join nothing",
            {**base, "side": "left", "count": side.null_rows, "share": side.null_rows / max(side.rows, 1)},
            "Null keys never match (as in SQL): fill them if they stand for a real key.")
    yield from _cardinality(a, cols, on, base, names, expect)
    for g in (gains or [])[:1]:
        yield _format(a, g, gains or [], cols, on, base)
    if fuzzy is not None and fuzzy.keys:
        first = fuzzy.examples[0]
        yield _finding(
            "info", cols,
            f"{on}: {fuzzy.keys:,} unmatched {left_name} keys ({fuzzy.rows:,} rows) have a close {right_name} "
            f"key, e.g. {first['left']!r} ~ {first['right']!r}",
            {**base, "count": fuzzy.rows, "share": fuzzy.rows / max(side.rows, 1), "keys": fuzzy.keys,
             "compared": fuzzy.compared, "examples": fuzzy.examples},
            "Candidates only (rapidfuzz ratio >= 85, same first character and digits): confirm them, then "
            "add a mapping table; never join on them blindly.")


def _cardinality(a: JoinAnalysis, cols: tuple[str, ...], on: str, base: dict[str, Any], names: tuple[str, str],
                 expect: str | None) -> Iterator[Finding]:
    sides: dict[str, Side] = {"left": a.left, "right": a.right}
    must_be_unique = UNIQUE_SIDES.get(expect or "", ())
    evidence = {**base, "cardinality": a.cardinality, "expected": expect, "joined_rows": a.joined_rows,
                "matched_left_rows": a.matched_left_rows, "multiplication": a.multiplication,
                "duplicates": {k: {"keys": s.duplicate_keys, "rows": s.duplicate_rows,
                                   "examples": s.duplicate_examples} for k, s in sides.items()}}
    broken = [k for k in must_be_unique if not sides[k].unique]
    if broken:
        what = " and ".join(f"{sides[k].duplicate_keys:,} {names[k == 'right']} keys repeat" for k in broken)
        yield _finding(
            "error", cols, f"{on}: expected {expect}, the keys are {a.cardinality} ({what})",
            {**evidence, "count": sum(sides[k].duplicate_rows for k in broken),
             "share": sum(sides[k].duplicate_rows for k in broken) / max(a.left.rows + a.right.rows, 1)},
            "Deduplicate the repeated keys (the examples list them), or declare the cardinality the "
            "data really has.")
        return
    if expect is None and not a.right.unique and a.joined_rows > a.matched_left_rows:
        yield _finding(
            "warning", cols,
            f"{on}: the join multiplies rows: {a.matched_left_rows:,} matched {names[0]} rows become "
            f"{a.joined_rows:,} (x{a.multiplication:.3g}; {a.right.duplicate_keys:,} {names[1]} keys repeat)",
            {**evidence, "count": a.joined_rows - a.matched_left_rows,
             "share": (a.joined_rows - a.matched_left_rows) / max(a.joined_rows, 1)},
            "Deduplicate the right side or aggregate it to one row per key first; pass --expect n:m "
            "if the fan-out is intended.")


def _format(a: JoinAnalysis, best: Gain, gains: list[Gain], cols: tuple[str, ...], on: str,
            base: dict[str, Any]) -> Finding:
    side = a.left
    pair = best.examples[0] if best.examples else None
    shown = f" ({pair[0]!r} ~ {pair[1]!r})" if pair else ""
    return _finding(
        "warning", cols,
        f"{on}: {best.rows:,} more rows would match after '{best.name}'{shown}",
        {**base, "count": best.rows, "share": best.rows / max(side.rows, 1), "best": best.to_dict(),
         "candidates": [g.to_dict() for g in gains[:8]]},
        f"The keys are written differently on the two sides: apply '{best.name}' to both before "
        "joining (or fix the writer upstream)"
        + ("; beware, normalised right keys fall together" if best.right_collisions else "") + ".")
