"""Statistics of string values: lengths, parse shares, character classes, value patterns.

Computed on a batch's distinct values weighted by their counts, so a column of a million
rows and fifty distinct values costs fifty regex evaluations, not a million.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from tripwire.profiling.stats.frequent import FrequentItems
from tripwire.profiling.stats.moments import Moments
from tripwire.profiling.stats.patterns import signatures
from tripwire.vocabulary import DISGUISED_NULLS

_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
_C1 = "\u0080-\u009f€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# UTF-8 bytes decoded as cp1252/latin-1: "Ã©" for "é", "â€™" for "’", "Â " for a no-break space
_MOJIBAKE = f"[ÂÃ][\u00a0-\u00bf{_C1}]|â€[\u00a0-\u00bf{_C1}]|Ã¢â‚¬|ï»¿"
_ESCAPES = r"\\[rnt]"
_ENTITY = r"&(?:[A-Za-z][A-Za-z0-9]{1,7}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"

#: character classes counted per column: name -> regex (values containing at least one)
CHAR_CLASSES: dict[str, str] = {
    "non_ascii": r"[^\x00-\x7F]",
    "control": _CONTROL,
    "replacement_char": "\ufffd",
    "mojibake": _MOJIBAKE,
    "escaped_newline": _ESCAPES,
    "html_entity": _ENTITY,
    "edge_whitespace": r"^\s|\s$",
    "curly_quotes": "[\u2018\u2019\u201c\u201d]",
    "straight_quotes": "['\"]",
}

_INT = r"^\s*[+-]?\d+\s*$"
_FLOAT = r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$"
_THOUSANDS = r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$"
_BOOL = r"(?i)^\s*(?:true|false|yes|no)\s*$"
_M = r"(?:0?[1-9]|1[0-2])"
_D = r"(?:0?[1-9]|[12]\d|3[01])"
_DATE = (rf"^\s*(?:\d{{4}}-{_M}-{_D}|\d{{4}}/{_M}/{_D}|{_D}[/.-]{_M}[/.-]\d{{4}}"
         rf"|{_M}/{_D}/\d{{2,4}}|{_D}[ -][A-Za-z]{{3,9}}[ -]\d{{2,4}}|[A-Za-z]{{3,9}} {_D},? \d{{4}})\s*$")
_DATETIME = (rf"^\s*\d{{4}}-{_M}-{_D}[T ]\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:[.,]\d+)?)?"
             r"\s*(?:Z|[+-]\d{2}:?\d{2}|UTC)?\s*$")

#: parse kinds -> regex; "float" includes integers, "number" adds thousands separators
PARSE_KINDS: dict[str, str] = {
    "int": _INT,
    "float": _FLOAT,
    "thousands": _THOUSANDS,
    "bool": _BOOL,
    "date": _DATE,
    "datetime": _DATETIME,
}

PATTERN_CAPACITY = 256
EXAMPLES_PER_CLASS = 5


@dataclass
class TextStats:
    """Mergeable statistics of a column's string values."""

    lengths: Moments = field(default_factory=Moments)
    min_length: int | None = None
    max_length: int | None = None
    #: values (rows) parsing as each kind in PARSE_KINDS
    parses: dict[str, int] = field(default_factory=dict)
    disguised_nulls: int = 0
    #: values (rows) containing each class of CHAR_CLASSES
    char_classes: dict[str, int] = field(default_factory=dict)
    #: a few distinct values per character class and per unparseable kind, for evidence
    examples: dict[str, list[str]] = field(default_factory=dict)
    patterns: FrequentItems = field(default_factory=lambda: FrequentItems(PATTERN_CAPACITY))

    def merged(self, other: TextStats) -> TextStats:
        """Return the statistics of both inputs."""
        examples = {k: list(v) for k, v in self.examples.items()}
        for k, vals in other.examples.items():
            have = examples.setdefault(k, [])
            have.extend(v for v in vals if v not in have)
            del have[EXAMPLES_PER_CLASS:]
        return TextStats(
            lengths=self.lengths.merge(other.lengths),
            min_length=_opt(min, self.min_length, other.min_length),
            max_length=_opt(max, self.max_length, other.max_length),
            parses=_add(self.parses, other.parses),
            disguised_nulls=self.disguised_nulls + other.disguised_nulls,
            char_classes=_add(self.char_classes, other.char_classes),
            examples=examples,
            patterns=self.patterns.merged(other.patterns),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return JSON."""
        return {
            "lengths": self.lengths.to_dict(),
            "min_length": self.min_length,
            "max_length": self.max_length,
            "parses": self.parses,
            "disguised_nulls": self.disguised_nulls,
            "char_classes": self.char_classes,
            "examples": self.examples,
            "patterns": self.patterns.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextStats:
        """Rebuild from JSON."""
        return cls(
            lengths=Moments.from_dict(data["lengths"]),
            min_length=data.get("min_length"),
            max_length=data.get("max_length"),
            parses={k: int(v) for k, v in data.get("parses", {}).items()},
            disguised_nulls=int(data.get("disguised_nulls", 0)),
            char_classes={k: int(v) for k, v in data.get("char_classes", {}).items()},
            examples={k: list(v) for k, v in data.get("examples", {}).items()},
            patterns=FrequentItems.from_dict(data["patterns"]),
        )


def text_stats(distinct: pl.DataFrame) -> tuple[TextStats, np.ndarray, np.ndarray]:
    """Compute TextStats from a frame of distinct `value` strings and their `count`.

    Also return the numbers the strings hold (values parsing as float, and their counts), so
    a numeric column read as text still gets numeric statistics.
    """
    v = pl.col("value")
    checks = [f"p_{k}" for k in PARSE_KINDS] + [f"c_{k}" for k in CHAR_CLASSES] + ["null"]
    flags = distinct.with_columns(
        length=v.str.len_chars(), pattern=signatures(distinct["value"]),
        simple=v.str.contains(r"^[A-Za-z0-9]+$"),
    )
    # plain alphanumeric values (codes, ids, words) can only be ints, bools or null tokens:
    # decide those cheaply and run the full regex battery on the rest
    simple = flags.filter(pl.col("simple")).with_columns(
        **{c: pl.lit(False) for c in checks},
    ).with_columns(
        p_int=v.str.contains(r"^\d+$"),
        p_float=v.str.contains(r"^\d+$"),
        p_bool=v.str.to_lowercase().is_in(("true", "false", "yes", "no")),
        null=v.str.to_lowercase().is_in(DISGUISED_NULLS),
    )
    rest = flags.filter(~pl.col("simple")).with_columns(
        **{f"p_{k}": v.str.contains(p) for k, p in PARSE_KINDS.items()},
        **{f"c_{k}": v.str.contains(p) for k, p in CHAR_CLASSES.items()},
        null=v.str.strip_chars().str.to_lowercase().is_in(DISGUISED_NULLS),
    )
    flags = pl.concat([simple, rest.select(simple.columns)]) if rest.height else simple
    counts = flags["count"]
    weights = counts.to_numpy().astype(np.float64)
    lengths = flags["length"].to_numpy().astype(np.float64)
    sums = flags.select(
        [(pl.col(c).cast(pl.Int64) * pl.col("count")).sum().alias(c) for c in checks]
    ).row(0, named=True)
    stats = TextStats(
        lengths=Moments.of(lengths, weights),
        min_length=int(lengths.min()) if lengths.size else None,
        max_length=int(lengths.max()) if lengths.size else None,
        parses={k[2:]: int(sums[k]) for k in checks if k.startswith("p_")},
        disguised_nulls=int(sums["null"]),
        char_classes={k[2:]: int(sums[k]) for k in checks if k.startswith("c_")},
    )
    examples: dict[str, list[str]] = {}
    for key in checks:
        if key.startswith("c_") and sums[key]:
            examples[key[2:]] = flags.filter(pl.col(key))["value"].head(EXAMPLES_PER_CLASS).to_list()
    # values that are not numbers, in a column that is mostly numbers: the evidence of a type break
    if 0 < sums["p_float"] < counts.sum():
        odd = flags.filter(~pl.col("p_float") & ~pl.col("null")).sort("count", descending=True)
        if odd.height:
            examples["not_number"] = odd["value"].head(EXAMPLES_PER_CLASS).to_list()
    stats.examples = examples
    pats = flags.group_by("pattern").agg(pl.col("count").sum()).sort(
        ["count", "pattern"], descending=[True, False]
    )
    stats.patterns = FrequentItems.of(pats["pattern"].to_list(), pats["count"].to_list(),
                                      PATTERN_CAPACITY, total=int(counts.sum()))
    numbers = flags.filter(pl.col("p_float")).select(
        v.str.strip_chars().cast(pl.Float64, strict=False).alias("x"), "count"
    ).drop_nulls()
    return stats, numbers["x"].to_numpy(), numbers["count"].to_numpy()


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, n in b.items():
        out[k] = out.get(k, 0) + n
    return out


def _opt(fn, a, b):  # noqa: ANN001 - tiny helper for optional min/max
    if a is None:
        return b
    if b is None:
        return a
    return fn(a, b)
