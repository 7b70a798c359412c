"""One Finding type for every command: a stable code, the evidence, the rows, the fix."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

#: the JSON contract caps `rows` at this many indices; more go to `evidence["all_rows"]`
MAX_ROWS = 100
#: row indices a finding keeps in `evidence["all_rows"]` (the rest are counted, not listed)
MAX_ALL_ROWS = 100_000


@dataclass(frozen=True)
class Finding:
    """One issue found in the data: what, how bad, where, the numbers behind it, what to do.

    `locate` is an optional Polars expression over one batch that is true on the offending
    rows; it is not serialised: the runner evaluates all findings' expressions in one extra
    pass over the input to fill `rows` (and `evidence["all_rows"]`) when rows are available.
    """

    code: str
    severity: Severity
    columns: tuple[str, ...]
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    fix: str = ""
    detector: str = ""
    message: str = ""
    locate: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if isinstance(self.columns, (list, str)):
            cols = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
            object.__setattr__(self, "columns", cols)
        if not isinstance(self.rows, tuple):
            object.__setattr__(self, "rows", tuple(int(r) for r in self.rows))

    def with_rows(self, rows: list[int], total: int | None = None) -> Finding:
        """Return a copy holding the first rows (and all of them in evidence when over the cap)."""
        evidence = dict(self.evidence)
        if len(rows) > MAX_ROWS:
            evidence["all_rows"] = list(rows)
        if total is not None:
            evidence.setdefault("count", total)
        return replace(self, rows=tuple(rows[:MAX_ROWS]), evidence=evidence, locate=None)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON contract's object."""
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "columns": list(self.columns),
            "title": self.title,
            "evidence": _jsonable(self.evidence),
            "rows": list(self.rows),
            "fix": self.fix,
            "detector": self.detector,
        }
        if self.message:
            out["message"] = self.message
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Rebuild a finding from its JSON object."""
        return cls(
            code=data["code"],
            severity=data["severity"],
            columns=tuple(data.get("columns", ())),
            title=data["title"],
            evidence=dict(data.get("evidence", {})),
            rows=tuple(data.get("rows", ())),
            fix=data.get("fix", ""),
            detector=data.get("detector", ""),
            message=data.get("message", ""),
        )


def _jsonable(value: Any) -> Any:
    """Turn NumPy scalars, tuples, dates and non-finite floats into plain JSON values."""
    import math

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        # 12 significant digits: summation order (threads, batch sizes, a reloaded profile)
        # moves the last bits of a float, and the same input must print the same numbers
        return float(f"{value:.12g}") if math.isfinite(value) else str(value)
    item = getattr(value, "item", None)
    if callable(item):  # numpy scalar
        return _jsonable(item())
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


jsonable = _jsonable
