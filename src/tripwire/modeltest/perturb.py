"""Seeded perturbations of texts and of table columns, for invariance and directional cases.

Each text perturbation maps a list of texts to a list of the same length holding the
perturbed text, or None where the perturbation does not apply (no word from a synonym list,
no number, no verb to negate): those cases are not generated. Table perturbations map a
Polars frame to a frame, column-wise and vectorised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

WORD = re.compile(r"[^\W\d_]{4,}")
NUMBER = re.compile(r"(?<![\w.,])\d+(?:\.\d+)?(?![\w.,]*\d)")
#: the first auxiliary verb gets a "not" after it ("was good" -> "was not good")
AUXILIARY = re.compile(r"\b(is|was|are|were|am|will|would|can|could|should|has|have|had|do|does|did)\b",
                       re.IGNORECASE)


def typo(texts: Sequence[str], rng: np.random.Generator) -> list[str | None]:
    """Swap two adjacent letters inside one word of four letters or more."""
    out: list[str | None] = []
    for text in texts:
        words = list(WORD.finditer(text))
        if not words:
            out.append(None)
            continue
        m = words[int(rng.integers(len(words)))]
        i = m.start() + int(rng.integers(m.end() - m.start() - 1))
        swapped = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        out.append(swapped if swapped != text else None)
    return out


def case(texts: Sequence[str], rng: np.random.Generator) -> list[str | None]:
    """Write the text in lower or upper case (whichever changes it; seeded when both do)."""
    out: list[str | None] = []
    for text, upper in zip(texts, rng.random(len(texts)) < 0.5, strict=True):
        options = [t for t in ((text.upper(), text.lower()) if upper else (text.lower(), text.upper())) if t != text]
        out.append(options[0] if options else None)
    return out


def whitespace(texts: Sequence[str], rng: np.random.Generator) -> list[str | None]:
    """Double one space between words and add a trailing space."""
    out: list[str | None] = []
    for text in texts:
        spaces = [m.start() for m in re.finditer(" ", text)]
        if spaces:
            i = spaces[int(rng.integers(len(spaces)))]
            text = text[:i] + "  " + text[i + 1:]
        out.append(text + " ")
    return out


def swap_words(texts: Sequence[str], groups: Sequence[Sequence[str]], rng: np.random.Generator) -> list[str | None]:
    """Replace the first word found in a group by another member of its group (synonyms, entities)."""
    members = {w.lower(): g for g in groups for w in g}
    if not members:
        return [None] * len(texts)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(members, key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    out: list[str | None] = []
    for text in texts:
        m = pattern.search(text)
        if m is None:
            out.append(None)
            continue
        others = [w for w in members[m.group(0).lower()] if w.lower() != m.group(0).lower()]
        new = others[int(rng.integers(len(others)))]
        if m.group(0)[:1].isupper():
            new = new[:1].upper() + new[1:]
        out.append(text[:m.start()] + new + text[m.end():])
    return out


def _reformat(number: str) -> str:
    if "." in number:
        whole, frac = number.split(".")
        trimmed = frac.rstrip("0")
        return f"{whole}.{trimmed}" if trimmed != frac and trimmed else f"{whole}.{frac}0"
    value = int(number)
    return f"{value:,}" if value >= 1000 else f"{value}.0"


def numbers(texts: Sequence[str], rng: np.random.Generator) -> list[str | None]:
    """Write each number another way with the same value (1000 -> 1,000; 2.50 -> 2.5; 7 -> 7.0)."""
    return [NUMBER.sub(lambda m: _reformat(m.group(0)), t) if NUMBER.search(t) else None for t in texts]


def noise_in_text(texts: Sequence[str], pct: float, rng: np.random.Generator) -> list[str | None]:
    """Scale each number in the text by a factor within ±pct% (kept to its decimals)."""
    out: list[str | None] = []
    for text in texts:
        if not NUMBER.search(text):
            out.append(None)
            continue

        def scaled(m: re.Match[str]) -> str:
            value = float(m.group(0)) * (1 + rng.uniform(-pct, pct) / 100)
            decimals = len(m.group(0).split(".")[1]) if "." in m.group(0) else 0
            return f"{value:.{decimals}f}"
        out.append(NUMBER.sub(scaled, text))
    return out


def negate(texts: Sequence[str], rng: np.random.Generator) -> list[str | None]:
    """Add "not" after the first auxiliary verb ("was good" -> "was not good")."""
    out: list[str | None] = []
    for text in texts:
        m = AUXILIARY.search(text)
        following = text[m.end():m.end() + 5].lower() if m else ""
        if m is None or following.startswith(" not") or following.startswith("n't"):
            out.append(None)
            continue
        out.append(text[:m.end()] + " not" + text[m.end():])
    return out


def append(texts: Sequence[str], suffix: str) -> list[str | None]:
    """Add a sentence at the end."""
    return [f"{t.rstrip()} {suffix}" for t in texts]


# -- tables ---------------------------------------------------------------------------------


def _numeric(frame: pl.DataFrame, column: str) -> None:
    from tripwire.errors import UsageError

    if column not in frame.columns:
        raise UsageError(f"column {column!r} is not in the model's input; columns: {', '.join(frame.columns[:20])}")
    if not frame.schema[column].is_numeric():
        raise UsageError(f"column {column!r} is {frame.schema[column]}, not a number: perturb it with "
                         "typos/case/whitespace/synonyms/entities instead")


def _same_type(values: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return values.round(0).cast(dtype) if dtype.is_integer() else values.cast(dtype)


def noise(frame: pl.DataFrame, columns: Sequence[str], pct: float, rng: np.random.Generator) -> pl.DataFrame:
    """Scale each value of the columns by its own factor within ±pct% (integers stay integers)."""
    out = []
    for c in columns:
        _numeric(frame, c)
        factor = pl.Series(1 + rng.uniform(-pct, pct, frame.height) / 100)
        out.append(_same_type(pl.col(c) * factor, frame.schema[c]).alias(c))
    return frame.with_columns(out)


def shift(frame: pl.DataFrame, columns: Sequence[str], by: float, relative: bool, sign: int) -> pl.DataFrame:
    """Raise (sign 1) or lower (sign -1) the columns by `by` percent (relative) or units."""
    out = []
    for c in columns:
        _numeric(frame, c)
        moved = pl.col(c) * (1 + sign * by / 100) if relative else pl.col(c) + sign * by
        # an integer column lowered by 10% must still move: round away from the original
        if frame.schema[c].is_integer():
            moved = (moved.ceil() if sign > 0 else moved.floor()).cast(frame.schema[c])
        out.append(moved.alias(c))
    return frame.with_columns(out)


def number_types(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Write the columns' numbers another way: integers as floats, floats rounded to 6 significant digits."""
    out = []
    for c in columns:
        _numeric(frame, c)
        dtype = frame.schema[c]
        out.append(pl.col(c).cast(pl.Float64) if dtype.is_integer() else pl.col(c).round_sig_figs(6))
    return frame.with_columns(out)


def text_columns(frame: pl.DataFrame, columns: Sequence[str], perturb: object) -> pl.DataFrame:
    """Apply a text perturbation to string columns (values it does not apply to stay as they are)."""
    from tripwire.errors import UsageError

    out = []
    for c in columns:
        if c not in frame.columns or frame.schema[c] != pl.String:
            raise UsageError(f"column {c!r} is not a text column of the model's input")
        values = frame[c].to_list()
        changed = perturb([v or "" for v in values])  # type: ignore[operator]
        out.append(pl.Series(c, [n if n is not None else v for v, n in zip(values, changed, strict=True)]))
    return frame.with_columns(out)


def column_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Reverse the order of the columns."""
    return frame.select(frame.columns[::-1])
