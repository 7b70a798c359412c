"""Decide a CSV column's type from every value in the file, then convert text to that type.

A column gets the first of bool, int, float, date, timestamp, timestamp_tz that *every*
non-empty value in the whole file parses as, else it stays a string:

- bool: exactly true/false, True/False, TRUE/FALSE (not 0/1, not yes/no);
- int: ``-?(0|[1-9][0-9]*)`` that fits int64. A leading zero ("007") or a leading "+" keeps the
  column a string (ids, zip codes), as do thousands separators ("1,234"); an int column too
  large for int64 stays a string rather than lose digits as float;
- float: decimal or scientific notation without a leading zero or "+", and nan/NaN/inf/-inf;
- date: ISO ``yyyy-mm-dd`` that is a real date;
- timestamp: ISO 8601 ``yyyy-mm-dd[T ]hh:mm[:ss[.ffffff]]`` -> timestamp("us");
- timestamp_tz: the same with ``Z`` or a ``+hh:mm`` offset on every value -> timestamp("us",
  "UTC"). Naive and offset values mixed, or more than 6 fractional digits, stay strings.

Empty cells don't count as evidence and become null in a typed column; a column whose cells
are all empty stays a string of "". Everything here is vectorised with pyarrow.compute.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

#: candidate kinds, in order of preference
KINDS = ("bool", "int", "float", "date", "timestamp", "timestamp_tz")

TYPES: dict[str, pa.DataType] = {
    "string": pa.large_string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamp_tz": pa.timestamp("us", "UTC"),
}

_TRUE_TEXT = ("true", "True", "TRUE")
_BOOL_TEXT = (*_TRUE_TEXT, "false", "False", "FALSE")


@functools.cache
def _value_set(texts: tuple[str, ...]) -> pa.Array:
    # built on first use: pyarrow imports pandas the first time it builds an array from Python
    # objects, and a command that reads no CSV should not pay for that at start-up
    return pa.array(texts, pa.large_string())
_NUMBER = r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SPECIAL = r"-?(?:inf|Inf|INF|infinity|Infinity)|nan|NaN|NAN"
_CLOCK = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
PATTERNS = {
    "int": r"^-?(?:0|[1-9][0-9]*)$",
    "float": rf"^(?:{_NUMBER}|{_SPECIAL})$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": rf"^{_CLOCK}$",
    "timestamp_tz": rf"^{_CLOCK}(?:Z|[+-][0-9]{{2}}(?::?[0-9]{{2}})?)$",
}


@dataclass
class Evidence:
    """What the values of one column seen so far allow it to be."""

    alive: set[str] = field(default_factory=lambda: set(KINDS))
    has_values: bool = False

    def update(self, column: pa.Array) -> None:
        """Drop every kind that some non-empty value of `column` does not parse as."""
        if not self.alive:
            return
        values = pc.filter(column, pc.not_equal(column, ""))
        if len(values) == 0:
            return
        self.has_values = True
        for kind in KINDS:
            if kind not in self.alive:
                continue
            if kind == "float" and "int" in self.alive:
                continue  # every int is a float
            if not _all_parse(values, kind):
                self.alive.discard(kind)
                if kind == "int" and _all_match(values, "int"):
                    self.alive.discard("float")  # int64 overflow: float would lose digits

    def merged(self, other: Evidence) -> Evidence:
        """Return the evidence of both (a column over several files)."""
        return Evidence(self.alive & other.alive, self.has_values or other.has_values)

    def kind(self) -> str:
        """Return the decided kind: the first surviving candidate, else "string"."""
        if not self.has_values:
            return "string"
        return next((k for k in KINDS if k in self.alive), "string")


def _all_parse(values: pa.Array, kind: str) -> bool:
    if kind == "bool":
        return bool(pc.all(pc.is_in(values, value_set=_value_set(_BOOL_TEXT))).as_py())
    if not _all_match(values, kind):
        return False
    try:  # the pattern checks the shape; the cast checks ranges (int64, real dates)
        pc.cast(values, TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _all_match(values: pa.Array, kind: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, PATTERNS[kind])).as_py())


def convert(column: pa.Array, kind: str) -> pa.Array:
    """Convert a column of text to `kind`; empty cells become null (strings stay as they are)."""
    if kind == "string":
        return column
    empty = pc.equal(column, "")
    has_empty = pc.any(empty).as_py()
    if kind == "bool":
        out = pc.is_in(column, value_set=_value_set(_TRUE_TEXT))
        return pc.if_else(empty, pa.scalar(None, pa.bool_()), out) if has_empty else out
    if has_empty:
        column = pc.if_else(empty, pa.scalar(None, column.type), column)
    return pc.cast(column, TYPES[kind])
