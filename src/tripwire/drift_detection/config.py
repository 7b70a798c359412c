"""Drift thresholds: documented defaults, overridable per column (`options["drift"]`, a contract's
`drift:` section, or `--drift-config FILE`; the schema is in docs/drift.md).

    drift:
      alpha: 0.01                      # false-discovery rate across columns (Benjamini-Hochberg)
      wasserstein: {info: 0.1, warning: 0.3, error: 0.8}   # numeric shift, in reference SDs
      psi: {info: 0.1, warning: 0.25, error: 1.0}          # population stability index
      auc: {info: 0.6, warning: 0.7, error: 0.85}          # domain classifiers (multivariate, text)
      sample_rows: 5000                # rows per side for the classifiers
      skip: [load_date]                # columns never compared
      columns:
        income: {wasserstein: {warning: 0.15}}
        zip_code: {as: categorical}
        session_id: {skip: true}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tripwire.errors import UsageError

LEVELS = ("info", "warning", "error")

#: effect-size thresholds per metric: the smallest value at each severity
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    # a whole-distribution move, in reference standard deviations (Cohen: 0.2 small, 0.8 large)
    "wasserstein": {"info": 0.1, "warning": 0.3, "error": 0.8},
    # the industry's PSI reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 significant
    "psi": {"info": 0.1, "warning": 0.25, "error": 1.0},
    # AUC of a classifier telling reference from current (0.5: indistinguishable)
    "auc": {"info": 0.6, "warning": 0.7, "error": 0.85},
}
DEFAULT_ALPHA = 0.01
DEFAULT_SAMPLE_ROWS = 5000
_TOP_KEYS = {"alpha", "sample_rows", "skip", "columns", *DEFAULT_THRESHOLDS}
_COLUMN_KEYS = {"skip", "as", "wasserstein", "psi"}
_AS = ("numeric", "categorical")


@dataclass(frozen=True)
class DriftConfig:
    """Validated drift settings: global thresholds and per-column overrides."""

    alpha: float = DEFAULT_ALPHA
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    thresholds: dict[str, dict[str, float]] = field(default_factory=lambda: {
        k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()})
    skip: frozenset[str] = frozenset()
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> DriftConfig:
        """Read `options["drift"]` (or a mapping with a top-level `drift:`); raise UsageError on typos."""
        raw = (options or {}).get("drift") or {}
        if isinstance(raw, DriftConfig):
            return raw
        if not isinstance(raw, Mapping):
            raise UsageError("drift settings must be a mapping (see docs/drift.md)")
        if isinstance(raw.get("drift"), Mapping):  # a contract file: only its drift: section counts
            raw = raw["drift"]
        _known(raw, _TOP_KEYS, "drift")
        thresholds = {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
        for metric in DEFAULT_THRESHOLDS:
            if metric in raw:
                thresholds[metric] = _levels(raw[metric], thresholds[metric], f"drift.{metric}")
        alpha = _number(raw.get("alpha", DEFAULT_ALPHA), "drift.alpha")
        if not 0 < alpha < 1:
            raise UsageError(f"drift.alpha must be between 0 and 1, not {alpha}")
        sample_rows = int(_number(raw.get("sample_rows", DEFAULT_SAMPLE_ROWS), "drift.sample_rows"))
        skip = raw.get("skip") or []
        if isinstance(skip, str) or not isinstance(skip, (list, tuple)):
            raise UsageError("drift.skip must be a list of column names")
        columns: dict[str, dict[str, Any]] = {}
        for name, spec in (raw.get("columns") or {}).items():
            where = f"drift.columns.{name}"
            if not isinstance(spec, Mapping):
                raise UsageError(f"{where} must be a mapping such as {{wasserstein: {{warning: 0.2}}}}")
            _known(spec, _COLUMN_KEYS, where)
            col: dict[str, Any] = {"skip": bool(spec.get("skip", False))}
            if "as" in spec:
                if spec["as"] not in _AS:
                    raise UsageError(f"{where}.as must be one of {', '.join(_AS)}, not {spec['as']!r}")
                col["as"] = spec["as"]
            for metric in ("wasserstein", "psi"):
                if metric in spec:
                    col[metric] = _levels(spec[metric], thresholds[metric], f"{where}.{metric}")
            columns[str(name)] = col
        return cls(alpha, sample_rows, thresholds, frozenset(map(str, skip)), columns)

    def skipped(self, column: str) -> bool:
        """Tell whether the user asked never to compare this column."""
        return column in self.skip or self.columns.get(column, {}).get("skip", False)

    def levels(self, metric: str, column: str | None = None) -> dict[str, float]:
        """Return the info/warning/error thresholds of a metric for a column."""
        if column is not None and metric in self.columns.get(column, {}):
            return self.columns[column][metric]
        return self.thresholds[metric]

    def severity(self, metric: str, value: float, column: str | None = None) -> str | None:
        """Return the highest level whose threshold `value` reaches, or None."""
        levels = self.levels(metric, column)
        reached = [lv for lv in LEVELS if value >= levels[lv]]
        return reached[-1] if reached else None

    def treat_as(self, column: str) -> str | None:
        """Return a forced treatment ('numeric' or 'categorical') for a column, if any."""
        return self.columns.get(column, {}).get("as")


def _known(spec: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, spec)) - allowed)
    if unknown:
        raise UsageError(f"{where}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(allowed))}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where} must be a number, not {value!r}")
    return float(value)


def _levels(spec: Any, base: dict[str, float], where: str) -> dict[str, float]:
    """Merge a partial {info, warning, error} mapping into `base`; keep them ordered."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"warning": spec}  # a bare number is the warning threshold
    if not isinstance(spec, Mapping):
        raise UsageError(f"{where} must be a number or a mapping of info/warning/error thresholds")
    _known(spec, set(LEVELS), where)
    out = dict(base)
    for level, value in spec.items():
        out[level] = _number(value, f"{where}.{level}")
    # levels the user did not set give way to those set, so {warning: 2} alone stays ordered
    if "info" not in spec:
        out["info"] = min(out["info"], out["warning"])
    if "error" not in spec:
        out["error"] = max(out["error"], out["warning"])
    if "warning" not in spec:
        out["warning"] = min(max(out["warning"], out["info"]), out["error"])
    if not out["info"] <= out["warning"] <= out["error"]:
        raise UsageError(f"{where}: thresholds must satisfy info <= warning <= error, got {out}")
    return out
