"""The detector protocol and its registry: small units that each find one family of issues.

A detector declares what it needs on the class (`requires`, `extras`); `run_detectors` runs
every registered detector whose needs are met and records the others as skipped, with why.
Plugins register through the `tripwire.detectors` entry-point group.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from tripwire.extras import EXTRA_OF, available
from tripwire.report.codes import code_info
from tripwire.report.finding import Finding, Severity
from tripwire.report.report import CheckResult

if TYPE_CHECKING:
    from tripwire.io.source import Source
    from tripwire.profiling.dataset import DatasetProfile

#: what a detector may need; each maps to the reason given when it is missing
NEEDS: dict[str, str] = {
    "profile": "needs a profile of the data",
    "reference": "needs --reference",
    "rows": "needs the rows (not available from a saved profile)",
    "sample": "needs a row sample (the profile was made with sample_rows=0)",
    "labels": "needs --label",
    "predictions": "needs --prediction",
}


@dataclass(frozen=True)
class ScanContext:
    """What detectors can look at: the batch's profile, and optionally more."""

    profile: DatasetProfile
    reference: DatasetProfile | None = None
    source: Source | None = None
    label: str | None = None
    prediction: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def available(self) -> set[str]:
        """Return the needs this context can satisfy."""
        have = {"profile"}
        if self.reference is not None:
            have.add("reference")
        if self.source is not None:
            have.add("rows")
        if self.profile.sample.num_rows:
            have.add("sample")
        if self.label:
            have.add("labels")
        if self.prediction:
            have.add("predictions")
        return have


class Detector:
    """Base class of detectors: set the class attributes, implement `run`."""

    name: ClassVar[str] = ""
    #: family for `--only` (schema, data, labels, drift, ...)
    family: ClassVar[str] = "data"
    #: codes this detector may emit (each must be in the catalogue)
    codes: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[frozenset[str]] = frozenset({"profile"})
    #: optional packages (import names) this detector needs, e.g. ("sklearn",)
    extras: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: ScanContext) -> Iterable[Finding]:
        """Return the findings for this context (nothing when all is well)."""
        raise NotImplementedError

    def finding(
        self,
        code: str,
        severity: Severity,
        columns: str | Iterable[str],
        title: str,
        evidence: dict[str, Any] | None = None,
        *,
        fix: str | None = None,
        locate: Any = None,
        rows: Iterable[int] = (),
        message: str = "",
    ) -> Finding:
        """Build a Finding stamped with this detector's name and the code's default fix."""
        cols = (columns,) if isinstance(columns, str) else tuple(columns)
        return Finding(code=code, severity=severity, columns=cols, title=title,
                       evidence=evidence or {}, rows=tuple(rows),
                       fix=fix if fix is not None else code_info(code).fix,
                       detector=self.name, message=message, locate=locate)


DETECTORS: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Add a detector class to the registry (use as a class decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    for code in cls.codes:
        code_info(code)  # fails loudly on a code that is not in the catalogue
    unknown = set(cls.requires) - set(NEEDS)
    if unknown:
        raise ValueError(f"{cls.__name__} requires unknown needs {sorted(unknown)}")
    DETECTORS[cls.name] = cls
    return cls


_loaded = False


def load_detectors() -> dict[str, type[Detector]]:
    """Import the built-in detector modules and entry-point plugins once; return the registry."""
    global _loaded
    if not _loaded:
        _loaded = True
        import importlib

        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        from importlib.metadata import entry_points

        for ep in entry_points(group="tripwire.detectors"):
            ep.load()
    return DETECTORS


#: modules whose import registers the built-in detectors
BUILTIN_MODULES: list[str] = [
    "tripwire.detectors.schema.columns",
    "tripwire.detectors.schema.types",
    "tripwire.detectors.schema.format",
    "tripwire.detectors.data.missing",
    "tripwire.detectors.data.outliers",
    "tripwire.detectors.data.magnitude",
    "tripwire.detectors.data.rescaled",
    "tripwire.detectors.data.duplicates",
    "tripwire.detectors.data.columns",
    "tripwire.detectors.data.variants",
    "tripwire.detectors.data.encoding",
    "tripwire.detectors.data.vocabulary",
    "tripwire.detectors.labels.classes",
    "tripwire.drift_detection.features",
    "tripwire.drift_detection.targets",
    "tripwire.drift_detection.multivariate",
    "tripwire.drift_detection.text",
]


def run_detectors(ctx: ScanContext, only: Iterable[str] | None = None,
                  names: Iterable[str] | None = None) -> tuple[list[Finding], list[CheckResult]]:
    """Run every registered detector whose needs are met; skip the rest with the reason.

    `only` limits to families (or detector names); a detector that raises is recorded as
    skipped with the error, and re-raised when TRIPWIRE_STRICT=1 (the test suite sets it).
    """
    registry = load_detectors()
    wanted = set(only) if only else None
    chosen = [c for c in registry.values() if names is None or c.name in set(names)]
    have = ctx.available()
    findings: list[Finding] = []
    checks: list[CheckResult] = []
    for cls in chosen:
        if wanted is not None and cls.family not in wanted and cls.name not in wanted:
            continue
        missing = [n for n in sorted(cls.requires) if n not in have]
        if missing:
            checks.append(CheckResult(cls.name, "skipped", NEEDS[missing[0]]))
            continue
        absent = [m for m in cls.extras if not available(m)]
        if absent:
            extra = EXTRA_OF.get(absent[0], "all")
            checks.append(CheckResult(cls.name, "skipped",
                                      f"install tripwire[{extra}] (needs {absent[0]})"))
            continue
        try:
            found = list(cls().run(ctx))
        except Exception as exc:  # a detector bug must not lose the rest of the scan
            if os.environ.get("TRIPWIRE_STRICT") == "1":
                raise
            checks.append(CheckResult(cls.name, "skipped", f"internal error: {exc!r}"))
            continue
        findings.extend(found)
        failed = any(f.severity in ("error", "warning") for f in found)
        checks.append(CheckResult(cls.name, "failed" if failed else "passed"))
    return findings, checks
