"""The findings of an evaluation, each titled in words from the same numbers as its evidence."""

from __future__ import annotations

from typing import Any

from tripwire.evaluation.fairness import Fairness
from tripwire.evaluation.slices import Slice
from tripwire.report import Finding
from tripwire.report.codes import code_info
from tripwire.report.finding import MAX_ROWS
from tripwire.report.format import number, pct

#: the expected calibration error above which (its whole interval) probabilities are miscalibrated
ECE_TOLERANCE = 0.05


def _finding(code: str, severity: str, columns: tuple[str, ...], title: str, evidence: dict[str, Any],
             rows: tuple[int, ...] = ()) -> Finding:
    return Finding(code, severity, columns, title, evidence, rows[:MAX_ROWS],  # type: ignore[arg-type]
                   fix=code_info(code).fix, detector="evaluate")


def figure(value: float, proportion: bool) -> str:
    """Write a metric value: a share as a percentage, anything else as a number."""
    if proportion:
        return pct(value)
    return number(value, 3) if abs(value) < 1000 else f"{value:,.0f}"  # 1,061 rather than 1.06e+03


def ranged(value: float, low: float | None, high: float | None, proportion: bool) -> str:
    """Write 'value [low, high]' (percent signs dropped inside the brackets, as in '31% [27, 35]')."""
    if low is None or high is None:
        return figure(value, proportion)
    lo, hi = figure(max(low, 0.0) if proportion else low, proportion), figure(high, proportion)
    return f"{figure(value, proportion)} [{lo.rstrip('%')}, {hi.rstrip('%')}]"


def unscored_finding(rows: list[int], total: int, columns: tuple[str, ...]) -> Finding:
    """Return the finding that counts rows left out for a missing label, prediction or probability."""
    share = len(rows) / total
    return _finding("model.unscored_rows", "warning", columns,
                    f"{len(rows):,} rows ({pct(share)}) could not be judged: the label, prediction or "
                    "probability is missing; they are left out of every metric",
                    {"count": len(rows), "rows_total": total, "share": share}, tuple(rows))


def slice_findings(found: list[Slice], overall: float, metric: str, proportion: bool, total: int,
                   prediction: str) -> list[Finding]:
    """Return one weak-slice finding per slice, worst impact first (the order given)."""
    out = []
    for rank, s in enumerate(found, 1):
        title = (f"{metric} {ranged(s.value, *s.ci, proportion)} where {s.where}, vs "
                 f"{figure(overall, proportion)} overall ({s.rows:,} rows)")
        out.append(_finding("model.weak_slice", "warning", s.columns, title,
                            {"slice": s.where, "metric": metric, "value": s.value, "ci_low": s.ci[0],
                             "ci_high": s.ci[1], "overall": overall, "count": s.rows, "share": s.rows / total,
                             "p_value": s.p_value, "impact": s.impact(overall), "rank": rank,
                             "prediction": prediction},
                            s.first_rows))
    return out


def fairness_findings(fair: Fairness, column: str, prediction: str, tolerance: float, unit: str) -> list[Finding]:
    """Return a finding for each gap whose whole interval lies above the tolerance."""
    out = []
    for gap in fair.gaps:
        low = gap["ci_low"]
        if low is None or low <= tolerance:
            continue
        proportion = unit == "points"
        name = gap["metric"].removesuffix("_gap").replace("_", " ")
        rate = {"demographic parity": "selection_rate", "equal opportunity": "true_positive_rate",
                "error": "mae"}.get(name)
        per_group = {str(r["group"]): r["value"] for r in fair.rows if r["metric"] == rate} if rate else {}
        worst = ""
        if per_group:
            hi = max(per_group, key=lambda g: per_group[g])
            lo = min(per_group, key=lambda g: per_group[g])
            worst = (f": {figure(per_group[hi], proportion)} for {column} = '{hi}' vs "
                     f"{figure(per_group[lo], proportion)} for '{lo}'")
        title = (f"{name} gap across {column} {ranged(gap['value'], low, gap['ci_high'], proportion)}{worst}")
        evidence = {"gap": gap["metric"], "value": gap["value"], "ci_low": low, "ci_high": gap["ci_high"],
                    "tolerance": tolerance, "groups": per_group, "groups_left_out": fair.hidden_groups,
                    "prediction": prediction}
        out.append(_finding("model.fairness_gap", "warning", (column,), title, evidence))
    return out


def calibration_finding(ece: dict[str, Any], curve: dict[str, Any], column: str) -> list[Finding]:
    """Return the miscalibration finding when the ECE's whole interval lies above the tolerance."""
    if ece["ci_low"] is None or ece["ci_low"] <= ECE_TOLERANCE:
        return []
    worst = max(curve["bins"], key=lambda b: b["rows"] * abs(b["observed_rate"] - b["mean_predicted"]))
    title = (f"{column}: expected calibration error {ranged(ece['value'], ece['ci_low'], ece['ci_high'], True)}; "
             f"where {pct(worst['low'])}–{pct(worst['high'])} is predicted (mean {pct(worst['mean_predicted'])}), "
             f"{pct(worst['observed_rate'])} are positive")
    return [_finding("model.calibration", "warning", (column,), title,
                     {"ece": ece["value"], "ci_low": ece["ci_low"], "ci_high": ece["ci_high"],
                      "tolerance": ECE_TOLERANCE, "curve": curve["bins"]})]


def band_finding(rows: list[dict[str, Any]], band: float, target: float, prediction: str) -> list[Finding]:
    """Return the error-band finding when the share within ±band is below the target beyond its interval."""
    name = f"within_{round(band * 100)}pct"
    row = next((r for r in rows if r["metric"] == name), None)
    if row is None:
        from tripwire.errors import UsageError

        raise UsageError(f"--band {band:g}: choose one of the bands 0.01, 0.05, 0.1, 0.2")
    if row["ci_high"] is None or row["ci_high"] >= target:
        return []
    title = (f"{prediction}: {ranged(row['value'], row['ci_low'], row['ci_high'], True)} of predictions within "
             f"±{pct(band)} of the truth, below the target of {pct(target)}")
    return [_finding("model.error_band", "warning", (prediction,), title,
                     {"band": band, "target": target, "value": row["value"], "ci_low": row["ci_low"],
                      "ci_high": row["ci_high"], "rows": row["n"]})]

