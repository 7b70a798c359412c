"""The `joins:` check kind: this batch must join another data set the way the contract says.

The other side's keys are read once when the run asks for the locator; this batch's keys
are counted in the run's one shared row pass (which also names and quarantines the rows
without a partner); `settle` then runs the join analysis of `tripwire.joins` on the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from tripwire.contracts.model import Contract, JoinSpec
from tripwire.contracts.unit import (
    FAILED,
    PASSED,
    UNKNOWN,
    Check,
    CheckKind,
    Decision,
    RowEvidence,
    register_kind,
)
from tripwire.errors import InputError
from tripwire.profiling import DatasetProfile


@dataclass(frozen=True)
class JoinKeyLocator:
    """Rows whose key has no partner on the other side; also counts every key of the batch."""

    columns: tuple[str, ...]
    right: pl.DataFrame = field(compare=False, hash=False, repr=False)
    right_nulls: int = 0

    def start(self) -> _JoinKeyScanner:
        """Return a scanner that gathers this side's key counts across batches."""
        return _JoinKeyScanner(self)


class _JoinKeyScanner:
    def __init__(self, loc: JoinKeyLocator) -> None:
        from tripwire.joins.keys import COUNT

        self.loc = loc
        self.keys = [f"k{i}" for i in range(len(loc.columns))]
        self.right_distinct = loc.right.drop(COUNT)
        self.parts: list[pl.DataFrame] = []
        self.nulls = 0

    def mask(self, df: pl.DataFrame, offset: int) -> np.ndarray:
        from tripwire.joins.keys import comparable, key_counts

        keys = df.select([pl.col(c).alias(k) for c, k in zip(self.loc.columns, self.keys, strict=True)])
        self.parts.append(key_counts(keys))
        has_null = keys.select(pl.any_horizontal(pl.all().is_null())).to_series().to_numpy()
        self.nulls += int(has_null.sum())
        left, right = comparable(keys, self.right_distinct)
        found = left.with_row_index("__i").drop_nulls(self.keys).join(right, on=self.keys, how="semi")
        orphan = ~has_null
        orphan[found.get_column("__i").to_numpy()] = False
        return orphan

    @property
    def value(self) -> dict[str, Any]:
        from tripwire.joins.keys import COUNT

        if self.parts:
            left = pl.concat(self.parts).group_by(self.keys).agg(pl.col(COUNT).sum())
        else:
            left = self.right_distinct.clear().with_columns(pl.lit(0, pl.UInt32).alias(COUNT))
        return {"left": (left, self.nulls), "right": (self.loc.right, self.loc.right_nulls)}


@register_kind("joins")
class JoinKeys(Check, CheckKind):
    """This data set joins another (`with:`) on `on:` as `expect:` says, orphans within bounds."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        from tripwire.joins.keys import parse_on

        for spec in contract.joins:
            pairs = parse_on(spec.on)
            for col in pairs.left:
                if col not in prof:
                    raise InputError(f"joins: {spec.label}: no key column {col!r} in this data set",
                                     hint="fix `on:` in the contract (LEFT=RIGHT when the names differ)")
            yield cls(f"joins[{spec.label}]", "data.join_keys", spec.severity, pairs.left,
                      {"spec": spec, "right": pairs.right})

    def decide(self, prof: DatasetProfile) -> Decision:
        """Say that the rows of both sides are needed (the profile holds no key sets)."""
        return Decision(UNKNOWN, reason="needs the keys of both sides (a row pass)")

    def locator(self, prof: DatasetProfile) -> JoinKeyLocator:
        """Read the other side's keys once, refusing absent or incomparable key columns."""
        from tripwire.io import open_source
        from tripwire.joins.check import side_counts

        spec: JoinSpec = self.params["spec"]
        right = open_source(spec.with_)
        for col in self.params["right"]:
            if col not in right.schema.names:
                raise InputError(f"joins: {spec.label}: no key column {col!r} on the other side",
                                 path=right.name, hint=f"its columns: {', '.join(right.schema.names[:12])}")
        counts, nulls = side_counts(right, tuple(self.params["right"]))
        return JoinKeyLocator(self.columns, counts, nulls)

    def settle(self, decision: Decision, found: RowEvidence) -> Decision:
        """Run the join analysis on both sides' key counts; fail on any warning or error it gives."""
        from tripwire.joins.check import check_counts
        from tripwire.joins.keys import KeyPairs

        spec: JoinSpec = self.params["spec"]
        if not isinstance(found.value, Mapping):
            return Decision(UNKNOWN, reason="the row pass gave no keys")
        pairs = KeyPairs(self.columns, tuple(self.params["right"]))
        result = check_counts(found.value["left"], found.value["right"], pairs, ("batch", spec.with_),
                              spec.expect, fuzzy=spec.fuzzy, max_orphan_share=spec.max_orphan_share)
        a = result.analysis
        bad = [f for f in result.findings if f.severity in ("error", "warning")]
        evidence = {"count": a.left.orphan_rows, "with": spec.with_, "on": pairs.label(),
                    "cardinality": a.cardinality, "expected": spec.expect, "joined_rows": a.joined_rows,
                    "matched_rows": a.matched_left_rows, "orphan_keys": a.left.orphan_keys,
                    "orphan_examples": a.left.orphan_examples,
                    "problems": [f.title for f in bad], "details": [f.to_dict()["evidence"] for f in bad]}
        return Decision(FAILED if bad else PASSED, evidence)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        """Return the first problem, and how many more there are."""
        problems = list(evidence.get("problems") or ["the join check failed"])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"joins {evidence.get('with')}: {problems[0]}{more}"
