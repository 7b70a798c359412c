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

    #: exact integer power sums of the lengths (n, Σl, Σl², Σl³, Σl⁴): merge by addition, so
    #: the length moments do not depend on batching
    length_sums: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    min_length: int | None = None
    max_length: int | None = None
    #: values (rows) parsing as each kind in PARSE_KINDS
    parses: dict[str, int] = field(default_factory=dict)
    disguised_nulls: int = 0
    #: values (rows) containing each class of CHAR_CLASSES
    char_classes: dict[str, int] = field(default_factory=dict)
    #: the first few distinct values (in text order) per character class and per unparseable
    #: kind, for evidence; the merge keeps the first of the union, so batching does not matter
    examples: dict[str, list[str]] = field(default_factory=dict)
    patterns: FrequentItems = field(default_factory=lambda: FrequentItems(PATTERN_CAPACITY))

    @property
    def lengths(self) -> Moments:
        """Return count, mean and central moments of the lengths, from the exact sums."""
        return _moments_of_sums(self.length_sums)

    def merged(self, other: TextStats) -> TextStats:
        """Return the statistics of both inputs."""
        examples = {k: sorted(set(v) | set(other.examples.get(k, [])))[:EXAMPLES_PER_CLASS]
                    for k, v in self.examples.items()}
        for k, vals in other.examples.items():
            examples.setdefault(k, list(vals))
        examples = {k: examples[k] for k in sorted(examples)}  # key order too is input-free
        return TextStats(
            length_sums=tuple(a + b for a, b in zip(self.length_sums, other.length_sums, strict=True)),  # type: ignore[arg-type]
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
            "length_sums": [str(x) for x in self.length_sums],  # text: Σl⁴ outgrows JSON numbers
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
            length_sums=_sums_of(data),
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
    return text_stats_many(distinct.with_columns(column=pl.lit(0, pl.Int32)), 1)[0]


def text_stats_many(distinct: pl.DataFrame, columns: int
                    ) -> list[tuple[TextStats, np.ndarray, np.ndarray]]:
    """Compute text_stats for many columns at once from a frame of `column` (0..columns-1),
    distinct `value` and `count`: one pass of each regex over all columns' values, so a wide
    table costs a few Polars calls, not a few per column."""
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
    per_column = flags.group_by("column").agg(
        *[(pl.col(c).cast(pl.Int64) * pl.col("count")).sum().alias(c) for c in checks],
        pl.col("length").min().alias("min_length"), pl.col("length").max().alias("max_length"),
    )
    sums = {row["column"]: row for row in per_column.iter_rows(named=True)}
    # examples: the first few values in text order per column and class
    odd = ~pl.col("p_float") & ~pl.col("null")
    example_keys = [k for k in checks if k.startswith("c_")] + ["not_number"]
    examples = flags.select(
        "column", "value", *[pl.col(k) for k in checks if k.startswith("c_")], odd.alias("not_number"),
    ).unpivot(index=["column", "value"], variable_name="kind", value_name="flag").filter(
        pl.col("flag")
    ).group_by("column", "kind").agg(v.sort().head(EXAMPLES_PER_CLASS))
    found: dict[int, dict[str, list[str]]] = {}
    for col, kind, values in examples.iter_rows():
        found.setdefault(col, {})[kind[2:] if kind.startswith("c_") else kind] = values
    pats, pat_bounds = _by_column(flags.group_by("column", "pattern").agg(pl.col("count").sum())
                                  .rename({"pattern": "value"}), columns)
    numbers, num_bounds = _by_column(flags.filter(pl.col("p_float")).select(
        "column", v.str.strip_chars().cast(pl.Float64, strict=False).alias("x"), "count"
    ).drop_nulls(), columns)
    xs, xcounts = numbers["x"].to_numpy(), numbers["count"].to_numpy()
    powers = _power_sums(flags, columns)
    out = []
    for i in range(columns):
        row = sums.get(i)
        if row is None:
            out.append((TextStats(), np.zeros(0), np.zeros(0, dtype=np.int64)))
            continue
        stats = TextStats(
            length_sums=powers[i],
            min_length=row["min_length"],
            max_length=row["max_length"],
            parses={k[2:]: int(row[k]) for k in checks if k.startswith("p_")},
            disguised_nulls=int(row["null"]),
            char_classes={k[2:]: int(row[k]) for k in checks if k.startswith("c_")},
            examples={k: found[i][k] for k in sorted(found.get(i, {})) if k in
                      {e[2:] if e.startswith("c_") else e for e in example_keys}},
        )
        lo, hi = int(pat_bounds[i]), int(pat_bounds[i + 1])
        stats.patterns = FrequentItems.of_counts(pats.slice(lo, hi - lo), PATTERN_CAPACITY)
        lo, hi = int(num_bounds[i]), int(num_bounds[i + 1])
        out.append((stats, xs[lo:hi], xcounts[lo:hi]))
    return out


def _by_column(frame: pl.DataFrame, columns: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Return the frame sorted by `column` (then dropped) and where each column's rows start."""
    frame = frame.sort("column")
    bounds = np.searchsorted(frame["column"].to_numpy(), np.arange(columns + 1))
    return frame.drop("column"), bounds


def _first(values: pl.Series) -> list[str]:
    """Return the first few values in text order (a choice that does not depend on batching)."""
    return values.sort().head(EXAMPLES_PER_CLASS).to_list()


def _power_sums(flags: pl.DataFrame, columns: int) -> list[tuple[int, int, int, int, int]]:
    """Return (n, Σl, Σl², Σl³, Σl⁴) of the lengths per column, as exact Python integers."""
    by_length = flags.group_by("column", "length").agg(pl.col("count").sum())
    out = [[0, 0, 0, 0, 0] for _ in range(columns)]
    # one step per distinct (column, length), not per value
    for col, length, count in by_length.iter_rows():
        sums, power = out[col], 1
        for k in range(5):
            sums[k] += int(count) * power
            power *= int(length)
    return [tuple(s) for s in out]  # type: ignore[misc]


def _moments_of_sums(sums: tuple[int, int, int, int, int]) -> Moments:
    """Return the moments of integers from their exact power sums (rational arithmetic)."""
    from fractions import Fraction

    n, s1, s2, s3, s4 = sums
    if n == 0:
        return Moments()
    mean = Fraction(s1, n)
    m2 = s2 - s1 * mean
    m3 = s3 - 3 * s2 * mean + 2 * s1 * mean * mean
    m4 = s4 - 4 * s3 * mean + 6 * s2 * mean * mean - 3 * s1 * mean**3
    return Moments(n, float(mean), float(m2), float(m3), float(m4))


def _sums_of(data: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """Read the power sums; rebuild them from the moments of profiles saved before they existed."""
    if "length_sums" in data:
        return tuple(int(x) for x in data["length_sums"])  # type: ignore[return-value]
    m = Moments.from_dict(data["lengths"])
    n, mean = m.n, m.mean
    s1 = n * mean
    s2 = m.m2 + n * mean**2
    s3 = m.m3 + 3 * mean * s2 - 2 * n * mean**3
    s4 = m.m4 + 4 * mean * s3 - 6 * mean**2 * s2 + 3 * n * mean**4
    return (n, round(s1), round(s2), round(s3), round(s4))


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
