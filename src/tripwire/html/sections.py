"""The report's labels and evaluation sections, as plain rows for the template (it escapes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tripwire.privacy.masking import MASK
from tripwire.report.format import cut, number, pct

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile
    from tripwire.report import Report

#: suspected rows and conflicting groups listed
SUSPECTS_SHOWN, GROUPS_SHOWN, CLASSES_SHOWN = 50, 10, 30
_CORE = ("metric", "value", "ci_low", "ci_high", "n")


def label_section(report: Report, masked: set[str]) -> dict[str, Any] | None:
    """Return the label section: class counts, suspected mislabelled rows, conflicting groups."""
    noisy = [f for f in report.by_code("labels.noisy") if f.evidence.get("judged")]
    conflicting = report.by_code("labels.conflicting")
    if not noisy and not conflicting:
        return None
    label = (noisy or conflicting)[0].columns[0]
    hide = label in masked

    def show(v: Any) -> str:
        return MASK if hide else cut(str(v), 80)

    out: dict[str, Any] = {"label": cut(label, 80), "suspects": [], "noise": [], "groups": [], "proxy": None,
                           "classes": _class_counts(report, label, hide), "suspects_total": 0}
    if noisy:
        ev = noisy[0].evidence
        out["suspects"] = [{"row": s["row"], "given": show(s["given"]), "suggested": show(s["suggested"]),
                            "quality": number(s["quality"], 3)} for s in ev.get("suspects", [])[:SUSPECTS_SHOWN]]
        out["suspects_total"] = int(ev.get("count", 0))
        out["noise"] = [(show(k), pct(v)) for k, v in list(ev.get("noise_rate_by_class", {}).items())[:CLASSES_SHOWN]]
        proxy = ev.get("proxy") or {}
        if proxy.get("folds"):
            out["proxy"] = (f"{cut(str(proxy.get('model', '')), 120)}: cross-validated accuracy "
                            f"{pct(proxy['accuracy'])} (majority guess {pct(proxy.get('baseline_accuracy', 0))})"
                            + (" — a weak proxy makes a weak judge" if proxy.get("weak") else ""))
        else:
            out["proxy"] = "the given out-of-sample probabilities"
    if conflicting:
        for g in conflicting[0].evidence.get("largest_groups", [])[:GROUPS_SHOWN]:
            labels = ", ".join(f"{show(k)}: {v}" for k, v in list(g["labels"].items())[:5])
            out["groups"].append({"rows": ", ".join(str(r) for r in g["rows"][:10]), "count": g["count"],
                                  "labels": labels})
    return out


def _class_counts(report: Report, label: str, hide: bool) -> list[dict[str, str]]:
    prof: DatasetProfile | None = report.extra.get("profile")
    ref: DatasetProfile | None = report.extra.get("reference")
    col = prof.columns.get(label) if prof is not None else None
    if col is None or hide or not col.non_null:
        return []
    ref_col = ref.columns.get(label) if ref is not None else None
    rows = []
    for value, count in col.frequent.top(CLASSES_SHOWN):
        row = {"value": cut(str(value), 80), "count": f"{count:,}", "share": pct(count / col.non_null),
               "reference": ""}
        if ref_col is not None and ref_col.non_null:
            rc = ref_col.frequent.count(value)
            row["reference"] = f"{rc:,} ({pct(rc / ref_col.non_null)})"
        rows.append(row)
    return rows


def evaluation_section(report: Report) -> dict[str, Any] | None:
    """Return the metrics grouped for reading: headline, baselines, groups, calibration, confusion."""
    if report.metrics is None:
        return None
    parts: dict[str, list[dict[str, str]]] = {"headline": [], "baselines": [], "groups": [], "calibration": [],
                                              "other": []}
    confusion: dict[tuple[str, str], Any] = {}
    for r in report.metrics:
        metric = str(r.get("metric"))
        if metric == "confusion":
            confusion[(str(r.get("true")), str(r.get("predicted")))] = r.get("value")
            continue
        row = _metric_row(r)
        if metric == "reliability":
            row["what"] = f"predicted {number(r.get('low'), 2)}–{number(r.get('high'), 2)}"
            row["extra"] = f"mean predicted {number(r.get('mean_predicted'), 3)}"
            parts["calibration"].append(row)
        elif metric == "expected_calibration_error":
            parts["calibration"].insert(0, row)
        elif "baseline" in r:
            parts["baselines"].append(row)
        elif "group_column" in r:
            parts["groups"].append(row)
        elif set(r) - set(_CORE) - {"class"}:
            parts["other"].append(row)
        else:
            parts["headline"].append(row)
    slices = [{"title": cut(f.title, 300), "severity": f.severity} for f in report.by_code("model.weak_slice")]
    classes = sorted({t for t, _ in confusion} | {p for _, p in confusion})
    grid = [[cut(t, 40), *[_int(confusion.get((t, p))) for p in classes]] for t in classes]
    return {"parts": parts, "slices": slices, "classes": [cut(c, 40) for c in classes], "confusion": grid,
            "title": "Evaluation" if report.command == "evaluate" else "Metrics"}


def _metric_row(r: dict[str, Any]) -> dict[str, str]:
    qual = ", ".join(f"{k}={v}" for k, v in r.items() if k not in _CORE)
    low, high = r.get("ci_low"), r.get("ci_high")
    return {"metric": cut(str(r.get("metric")), 80), "what": cut(qual, 200),
            "value": "n/a" if r.get("value") is None else number(r["value"], 4),
            "interval": "" if low is None or high is None else f"[{number(low, 4)}, {number(high, 4)}]",
            "n": "" if r.get("n") is None else f"{int(r['n']):,}", "extra": ""}


def _int(v: Any) -> str:
    return "" if v is None else f"{int(v):,}"
