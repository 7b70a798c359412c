"""Write the figures every renderer shows (text, HTML, JUnit) in one way: shares, numbers,
timestamps, row lists and cut names, so two views of one finding never disagree."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tripwire.report.finding import Finding

#: longest name (dataset, column, check) shown; longer ones are cut for display only
MAX_NAME = 200
#: row indices listed by the text and JUnit views before "(+N more)"
ROWS_SHOWN = 10
#: evidence keys whose value is a share (a fraction of rows), written with `pct`
_SHARE_SUFFIX = "share"


def pct(share: float) -> str:
    """Write a share as a percentage a person reads easily (0.0003 -> '0.03%').

    The one way every share is written, in titles, text, HTML and JUnit: whole percents from
    10%, one decimal from 1%, and below that the first significant digit (1 of 560 rows is
    '0.2%', never '0%').
    """
    if share == 0 or not math.isfinite(share):
        return "0%" if share == 0 else str(share)
    if share < 0:
        return "-" + pct(-share)
    if share >= 0.1:
        return f"{share:.0%}"
    if share >= 0.01:
        return f"{share:.1%}"
    digits = max(0, -math.floor(math.log10(share * 100)))
    return f"{share * 100:.{digits}f}%"


def share_of(count: int, rows: int) -> str:
    """Write count / rows as a share (0 rows: '0%')."""
    return pct(count / rows) if rows else "0%"


def number(value: Any, digits: int = 4) -> str:
    """Write a number: integers (and floats holding one) as integers, others with `digits`.

    Large values are rounded to a whole number instead of going to exponent notation, so
    54,250 is never '5.425e+04'; tiny and huge ones keep the exponent.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        item = getattr(value, "item", None)  # numpy scalar
        if callable(item):
            return number(item(), digits)
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if 1e4 <= abs(value) < 1e15:
        return str(round(value))
    return f"{value:.{digits}g}"


def timestamp(seconds: float, physical: str = "timestamp") -> str:
    """Write seconds since the epoch as 'YYYY-MM-DD HH:MM', at any year (before 1, past 9999).

    `physical` is the column's Arrow type: durations are written in seconds, times of day
    as HH:MM:SS.
    """
    if not math.isfinite(seconds):
        return str(seconds)
    if physical.startswith("duration"):
        return f"{number(seconds)} s"
    if physical.startswith(("time32", "time64")):
        whole = int(seconds)
        return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    import numpy as np

    minutes = math.floor(seconds / 60)
    try:  # numpy's datetime64 spans far past what datetime (years 1..9999) can hold
        text = str(np.datetime64(minutes, "m"))
    except (OverflowError, ValueError):
        return f"{number(seconds)} s since 1970"
    negative = text.startswith("-")
    year, _, rest = text.lstrip("-").partition("-")  # numpy writes year -2 as '-002': pad it to 4
    return f"{'-' if negative else ''}{int(year):04d}-{rest}".replace("T", " ")


def cut(text: str, limit: int = MAX_NAME) -> str:
    """Cut text to `limit` characters for display (the JSON keeps the whole value)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value(v: Any, limit: int = 40) -> str:
    """Write one evidence value short: numbers by `number`, text quoted and cut."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return number(v)
    text = repr(cut(v, limit + 2)) if isinstance(v, str) else str(v)
    return cut(text, limit)


def evidence_items(evidence: Mapping[str, Any], list_items: int = 5, limit: int = 40) -> list[tuple[str, str]]:
    """Return (key, text) for each evidence entry as every renderer writes it.

    Keys ending in 'share' are written as percentages by `pct`; `all_rows` is left out (the
    rows line says how many there are).
    """
    out = []
    for key, v in evidence.items():
        if key == "all_rows":
            continue
        if key.endswith(_SHARE_SUFFIX) and isinstance(v, (int, float)) and not isinstance(v, bool):
            text = pct(float(v))
        elif isinstance(v, (list, tuple)):
            text = "[" + ", ".join(value(x, limit) for x in v[:list_items]) + (", …" if len(v) > list_items else "") + "]"
        elif isinstance(v, Mapping):
            items = list(v.items())[:list_items]
            text = "{" + ", ".join(f"{value(k, limit)}: {value(x, limit)}" for k, x in items)
            text += ", …}" if len(v) > list_items else "}"
        else:
            text = value(v, limit)
        out.append((cut(str(key), 80), text))
    return out


def evidence_line(evidence: Mapping[str, Any], limit: int = 220) -> str:
    """Return the evidence on one line: 'count=3; share=0.3%; …'."""
    return cut("; ".join(f"{k}={v}" for k, v in evidence_items(evidence)), limit)


def row_count(f: Finding) -> int:
    """Return how many rows the finding is about: its own count, else the rows it lists.

    A detector's `count` is the finding's figure; the located rows (capped) never say more
    than it unless the count is missing or smaller.
    """
    listed = f.evidence.get("all_rows")
    located = len(listed) if isinstance(listed, (list, tuple)) else len(f.rows)
    count = f.evidence.get("count")
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if isinstance(count, int) and not isinstance(count, bool):
        return max(count, located)
    return located


def rows_line(f: Finding, shown: int = ROWS_SHOWN) -> str:
    """Return the first row indices and how many more there are: '3, 7, 9 … (+1,330 more)'."""
    first = f.rows[:shown]
    if not first:
        return ""
    more = row_count(f) - len(first)
    return ", ".join(map(str, first)) + (f" … (+{more:,} more)" if more > 0 else "")
