"""The one result of every command: the findings, the checks that ran, and how to show them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tripwire._version import __version__
from tripwire.report.finding import SEVERITIES, SEVERITY_RANK, Finding, jsonable

#: "unknown": a check that could not judge (never counted as passed; `--strict` fails it)
CheckStatus = Literal["passed", "failed", "skipped", "unknown"]


@dataclass(frozen=True)
class DatasetInfo:
    """What a report says about a data set: its name, size and content fingerprint."""

    name: str | None
    rows: int
    columns: int
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract's `dataset` object."""
        return {
            "name": self.name,
            "rows": self.rows,
            "columns": self.columns,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetInfo:
        """Rebuild from the JSON object."""
        return cls(data.get("name"), int(data["rows"]), int(data["columns"]), data.get("fingerprint"))


@dataclass(frozen=True)
class CheckResult:
    """One contract check or detector and how it ended."""

    name: str
    status: CheckStatus
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract's `checks` item."""
        out: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class RunInfo:
    """How a run read its inputs: one entry per pass ({"kind": types|profile|rows, "input": name})."""

    passes: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract's `run` object."""
        return {"passes": [dict(p) for p in self.passes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunInfo:
        """Rebuild from the JSON object."""
        passes = data.get("passes") if isinstance(data, dict) else None
        return cls(tuple(dict(p) for p in passes if isinstance(p, dict)) if isinstance(passes, list) else ())


class ReportError(AssertionError):
    """Raised by Report.raise_for_errors: the batch has error-level findings."""


@dataclass(frozen=True)
class Report:
    """Findings plus every check that ran, for `check`, `scan`, `drift` and later commands."""

    command: str
    dataset: DatasetInfo
    findings: tuple[Finding, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    reference: DatasetInfo | None = None
    quarantine: dict[str, Any] | None = None
    #: free-form context a renderer may show (notes on how input was read, timings, ...)
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    #: the passes the run made over its inputs (None for reports not made by the run layer)
    run: RunInfo | None = field(default=None, compare=False)
    #: the metrics table of `evaluate` (one dict per row: metric, value, ci_low, ci_high, n, ...)
    metrics: tuple[dict[str, Any], ...] | None = None

    def __post_init__(self) -> None:
        ranked = tuple(sorted(self.findings, key=_rank_key))
        object.__setattr__(self, "findings", ranked)
        object.__setattr__(self, "checks", tuple(self.checks))

    @property
    def summary(self) -> dict[str, int]:
        """Count findings per severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """Return 1 when any finding is an error, else 0 (2 is for runs that could not happen)."""
        return 1 if self.summary["error"] else 0

    @property
    def ok(self) -> bool:
        """Tell whether the batch has no error-level finding."""
        return self.exit_code == 0

    def by_code(self, code: str) -> list[Finding]:
        """Return the findings with this code."""
        return [f for f in self.findings if f.code == code]

    def raise_for_errors(self) -> None:
        """Raise ReportError listing the error-level findings (for pytest and pipelines)."""
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            lines = "\n".join(f"  [{f.code}] {f.title}" for f in errors)
            raise ReportError(f"{len(errors)} error-level finding(s) in {self.dataset.name}:\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        """Return the report as the JSON contract (see docs/json.md)."""
        return {
            "tripwire_version": __version__,
            "command": self.command,
            "dataset": self.dataset.to_dict(),
            "reference": self.reference.to_dict() if self.reference else None,
            "findings": [f.to_dict() for f in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "quarantine": jsonable(self.quarantine) if self.quarantine is not None else None,
            "summary": self.summary,
            **({"run": self.run.to_dict()} if self.run is not None else {}),
            **({"metrics": [jsonable(m) for m in self.metrics]} if self.metrics is not None else {}),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Return the JSON contract as text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from its JSON object."""
        return cls(
            command=data["command"],
            dataset=DatasetInfo.from_dict(data["dataset"]),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", [])),
            checks=tuple(
                CheckResult(c["name"], c["status"], c.get("reason", ""))
                for c in data.get("checks", [])
            ),
            reference=DatasetInfo.from_dict(data["reference"]) if data.get("reference") else None,
            quarantine=data.get("quarantine"),
            run=RunInfo.from_dict(data["run"]) if isinstance(data.get("run"), dict) else None,
            metrics=tuple(data["metrics"]) if isinstance(data.get("metrics"), list) else None,
        )

    def to_text(self, *, color: bool = False, max_findings: int | None = None) -> str:
        """Return a ranked, human-readable list of findings and a one-line summary."""
        from tripwire.report.text import render_text

        return render_text(self, color=color, max_findings=max_findings)

    def to_junit(self) -> str:
        """Return JUnit XML with one test case per check, so CI systems list them."""
        from tripwire.report.junit import render_junit

        return render_junit(self)

    def to_html(self, *, show_personal: bool = False) -> str:
        """Return one self-contained HTML page (no network; values escaped, personal data masked)."""
        from tripwire.html import render_report

        return render_report(self, show_personal=show_personal)

    def fix(self, data: Any, output: str | Path | None = None, **options: Any) -> Any:
        """Apply the repairs this report's findings propose to `data` (the data it was made from).

        Returns a `FixResult` (the repaired frame, the audit, before/after counts); options as
        `tripwire.fix` (apply, skip, mapping, save_mapping, audit, rescale, rescan).
        """
        from tripwire.run import fix

        return fix(data, self, output=output, **options)

    def _repr_html_(self) -> str:
        """Show the report in Jupyter, isolated in an iframe so its styles and script stay inside."""
        from html import escape

        return (f'<iframe srcdoc="{escape(self.to_html())}" style="width:100%;height:720px;border:0" '
                'sandbox="allow-scripts"></iframe>')

    def render(self, fmt: str) -> str:
        """Return the report in one of the formats every command takes."""
        renderers = {"text": self.to_text, "json": self.to_json, "junit": self.to_junit,
                     "html": self.to_html}
        if fmt not in renderers:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(renderers)}")
        return renderers[fmt]()

    def save(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the report to a file; the format follows the suffix unless given."""
        path = Path(path)
        fmt = fmt or {".json": "json", ".xml": "junit", ".html": "html"}.get(path.suffix, "text")
        path.write_text(self.render(fmt), encoding="utf-8")
        return path


def _rank_key(f: Finding) -> tuple[Any, ...]:
    share = f.evidence.get("share") if isinstance(f.evidence, dict) else None
    share = share if isinstance(share, (int, float)) else 0.0
    return (SEVERITY_RANK[f.severity], -share, f.code, f.columns)
