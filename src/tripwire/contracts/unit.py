"""The protocol of a contract check, its registry, and how a contract expands into checks.

A check is an immutable unit: `decide(profile)` returns a `Decision` (passed, failed, or
unknown with the reason) without changing anything; `locator(profile)` describes the rows
that fail, for the run layer's one shared row pass; `settle(decision, rows)` turns the row
pass's result into the final decision. Kinds of check register themselves like detectors,
and each kind says which contract entries it builds checks from, so adding a kind is one
class in one file, and no list of kinds is kept anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from tripwire.contracts.model import ColumnSpec, Contract
    from tripwire.locators import RowLocator
    from tripwire.profiling import ColumnProfile, DatasetProfile

def parse_as_of(value: Any) -> datetime:
    """Return --as-of as an aware datetime (default: now, UTC)."""
    from tripwire.errors import UsageError

    if value is None:
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not an ISO date or time (e.g. 2026-11-24T06:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


Status = Literal["passed", "failed", "unknown"]
PASSED: Status = "passed"
FAILED: Status = "failed"
UNKNOWN: Status = "unknown"


@dataclass(frozen=True)
class Decision:
    """What a check concluded, the numbers behind it, and (when unknown) why."""

    status: Status
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    #: the columns the decision is about when they come from the data (unexpected columns)
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RowEvidence:
    """What the shared row pass found for one check's locator."""

    count: int
    rows: tuple[int, ...] = ()
    examples: tuple[Any, ...] = ()
    #: an aggregate locator's result (e.g. the newest time value), else None
    value: Any = None


@dataclass(frozen=True)
class Check:
    """One check of a contract: a stable name, the code it emits, how bad a failure is."""

    name: str
    code: str
    severity: str
    columns: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def decide(self, prof: DatasetProfile) -> Decision:
        """Return the decision the profile alone supports."""
        raise NotImplementedError

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        """Return the rows that fail, for naming and quarantining them (None: not row-level)."""
        return None

    def settle(self, decision: Decision, found: RowEvidence) -> Decision:
        """Return the final decision once the row pass counted the failing rows."""
        evidence = {**decision.evidence, "count": found.count}
        if found.examples:
            evidence["examples"] = list(found.examples)
        return Decision(FAILED if found.count else PASSED, evidence, columns=decision.columns)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        """Return the one-line title of a failure."""
        return f"{self.name} failed"


@dataclass(frozen=True)
class Expansion:
    """What a contract means for one data set: its checks, and the entries that do not apply."""

    checks: tuple[Check, ...]
    skipped: tuple[tuple[str, str], ...] = ()


class CheckKind:
    """A kind of check: builds checks from contract entries (subclass; register with `register_kind`)."""

    #: "column": `for_column(spec, col)` is called for each column present in the data;
    #: "dataset": `for_dataset(contract, prof, as_of)` once per contract
    scope: ClassVar[str] = "column"

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        """Return the checks this kind makes of one column's spec (none when the spec is silent)."""
        return ()

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        """Return checks, or (name, reason) pairs for entries that cannot apply to this data."""
        return ()


KINDS: dict[str, type[CheckKind]] = {}


def register_kind(name: str) -> Any:
    """Add a kind of check to the registry (a class decorator); order of registration is report order."""
    def add(cls: type[CheckKind]) -> type[CheckKind]:
        if name in KINDS:
            raise ValueError(f"check kind {name!r} is registered twice")
        KINDS[name] = cls
        return cls
    return add


def load_kinds() -> dict[str, type[CheckKind]]:
    """Import the built-in kinds once; return the registry."""
    import tripwire.contracts.checks  # noqa: F401  (registers the built-in kinds)

    return KINDS


def expand(contract: Contract, prof: DatasetProfile, as_of: datetime) -> Expansion:
    """Return the checks of a contract that apply to this data, and (name, reason) of the others."""
    kinds = load_kinds()
    checks: list[Check] = []
    skipped: list[tuple[str, str]] = []
    for spec in contract.columns:
        if spec.name not in prof:
            if spec.required:
                from tripwire.contracts.checks import RequiredColumn

                checks.append(RequiredColumn(f"{spec.name}.required", "schema.missing_column", "error",
                                             (spec.name,)))
            else:
                skipped.append((f"{spec.name}.*", "optional column absent"))
            continue
        col = prof[spec.name]
        for kind in kinds.values():
            if kind.scope == "column":
                checks.extend(kind.for_column(spec, col))
    for kind in kinds.values():
        if kind.scope != "dataset":
            continue
        for item in kind.for_dataset(contract, prof, as_of):
            if isinstance(item, tuple):
                skipped.append(item)
            else:
                checks.append(item)
    return Expansion(tuple(checks), tuple(skipped))
