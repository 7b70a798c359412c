"""The schema of tripwire's YAML files (contracts, test suites, guard and alert rules), checked when they load.

A wrong value is one line naming the file, the line, the key and what was expected
(`contract.yaml:7: columns.price.min: expected a number, got 'abc'`), so nothing wrong
reaches a check at run time and nothing is silently ignored. Unknown keys get a did-you-mean.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from tripwire.errors import InputError
from tripwire.yamlfile import line_of

#: scalar values a contract may list (allowed values, bounds)
SCALARS = (str, int, float, bool, date)


def shown(value: Any) -> str:
    """Return a value as an error message shows it: short, and with its YAML kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Schema:
    """Read values out of YAML data by key path, raising one-line errors that say where."""

    def __init__(self, source: str, hint: str) -> None:
        self.source, self.hint = source, hint

    def error(self, key: str, problem: str, line: int | None = None) -> InputError:
        """Return the error for a key (dotted path) with the file and line."""
        return InputError(f"{key + ': ' if key else ''}{problem}", path=self.source, line=line, hint=self.hint)

    def wrong(self, data: Any, name: Any, key: str, expected: str) -> InputError:
        """Return 'key: expected ..., got ...' for data[name]."""
        return self.error(key, f"expected {expected}, got {shown(data[name])}", line_of(data, name))

    def mapping(self, data: Any, name: Any, key: str, expected: str = "a mapping") -> dict:
        """Return data[name] as a mapping ({} when absent or null)."""
        value = data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.wrong(data, name, key, expected)
        return value

    def keys(self, data: dict, allowed: Iterable[str], where: str) -> None:
        """Refuse a key that is not in `allowed`, suggesting the closest allowed one."""
        allowed = sorted(allowed)
        for key in data:
            if isinstance(key, str) and key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            raise self.error(where, f"unknown key {str(key)!r}; {hint}", line_of(data, key))

    def number(self, data: dict, name: str, key: str, *, lo: float | None = None, hi: float | None = None,
               integer: bool = False) -> float | int | None:
        """Return data[name] as a number within [lo, hi] (None when absent)."""
        value = data.get(name)
        if value is None:
            return None
        kind = "a whole number" if integer else "a number"
        if lo is not None and hi is not None:
            kind += f" from {lo:g} to {hi:g}"
        elif lo is not None:
            kind += f" of at least {lo:g}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (integer and not (isinstance(value, int) or value.is_integer())) or \
                (isinstance(value, float) and math.isnan(value)):
            raise self.wrong(data, name, key, kind)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.wrong(data, name, key, kind)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise self.wrong(data, name, key, kind + " within 64-bit integers (write larger ones as 1e20)")
        return int(value) if integer else value

    def boolean(self, data: dict, name: str, key: str, default: bool) -> bool:
        """Return data[name] as true/false (the default when absent)."""
        value = data.get(name, default)
        if not isinstance(value, bool):
            raise self.wrong(data, name, key, "true or false")
        return value

    def text(self, data: dict, name: Any, key: str) -> str | None:
        """Return data[name] as text (None when absent)."""
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.wrong(data, name, key, "text")
        return value

    def choice(self, data: dict, name: str, key: str, options: Iterable[str], default: str | None) -> str | None:
        """Return data[name], one of `options` (the default when absent)."""
        options = tuple(options)
        value = data.get(name, default)
        if value is None and default is None:
            return None
        if not isinstance(value, str) or value not in options:
            close = difflib.get_close_matches(str(value), options, n=1) if isinstance(value, str) else []
            extra = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.wrong(data, name, key, "one of " + ", ".join(options) + extra)
        return value

    def texts(self, data: dict, name: str, key: str, *, single: bool = False) -> tuple[str, ...] | None:
        """Return data[name] as a list of texts (one text too when `single`); None when absent."""
        value = data.get(name)
        if value is None:
            return None
        if single and isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.wrong(data, name, key, "a list of column names" if not single else
                             "a column name or a list of them")
        return tuple(value)

    def scalars(self, data: dict, name: str, key: str) -> tuple[Any, ...] | None:
        """Return data[name] as a list of plain values (text, numbers, true/false, dates)."""
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, SCALARS) for v in value):
            raise self.wrong(data, name, key, "a list of values (text, numbers, true/false or dates)")
        if any(isinstance(v, float) and math.isnan(v) for v in value):
            raise self.wrong(data, name, key, "a list of values without .nan")
        return tuple(value)

    def bound(self, data: dict, name: str, key: str) -> Any:
        """Return a range bound: a number, a date or time, or an ISO date/time text."""
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, (date, datetime)):
            return value
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
                return value
            except ValueError:
                raise self.wrong(data, name, key, "a number or an ISO date/time such as 2026-01-31") from None
        try:
            return self.number(data, name, key)
        except InputError:
            raise self.wrong(data, name, key, "a number or an ISO date/time such as 2026-01-31") from None

    def ordered(self, lo: Any, hi: Any, data: dict, key: str) -> None:
        """Refuse min > max (both numbers, or both dates)."""
        if lo is None or hi is None:
            return
        try:
            bad = _comparable(lo) > _comparable(hi)
        except TypeError:
            raise self.error(key, f"min {shown(lo)} and max {shown(hi)} are not of the same kind",
                             line_of(data, "min")) from None
        if bad:
            raise self.error(key, f"min {shown(lo)} is greater than max {shown(hi)}", line_of(data, "min"))

    def regex(self, data: dict, name: str, key: str) -> str | None:
        """Return a regular expression that the row engine (Polars, Rust syntax) accepts."""
        value = self.text(data, name, key)
        if value is None:
            return None
        import polars as pl

        try:
            pl.Series([""]).str.contains(f"^(?:{value})$")
        except pl.exceptions.PolarsError as exc:
            reason = str(exc).strip().splitlines()
            why = next((ln.strip() for ln in reason if ln.strip().startswith("error:")), reason[0] if reason else "")
            raise self.error(key, f"not a usable regular expression ({why[:120]})", line_of(data, name)) from None
        return value


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value
