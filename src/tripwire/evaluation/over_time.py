"""Performance over time: this evaluation against the last stored one of the same model.

A headline metric dropped when it moved the wrong way by more than the two intervals
explain together: |difference| > sqrt(h1² + h2²), h the half-width of each 95% interval
(the usual test of a difference of two independent estimates).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tripwire.report import Finding
from tripwire.report.codes import code_info
from tripwire.report.format import number

#: headline metrics and whether higher is better
HEADLINE = {"accuracy": True, "balanced_accuracy": True, "macro_f1": True, "roc_auc": True, "pr_auc": True,
            "log_loss": False, "mae": False, "rmse": False, "r2": True, "precision_at_k": True,
            "recall_at_k": True, "ndcg_at_k": True, "map_at_k": True}
#: qualifiers that make a row a per-group or per-baseline figure, not a headline one
_SIDE = ("group", "group_column", "baseline", "batch_size")


def _key(row: dict[str, Any]) -> tuple[Any, ...] | None:
    if row.get("metric") not in HEADLINE or any(k in row for k in _SIDE):
        return None
    return (row["metric"], str(row.get("class")), row.get("k"))


def performance_drops(current: list[dict[str, Any]], previous: list[dict[str, Any]], model: str,
                      previous_label: str) -> list[Finding]:
    """Return a finding for each headline metric that fell beyond the two intervals."""
    before = {k: r for r in previous if (k := _key(r)) is not None}
    out = []
    for row in current:
        key = _key(row)
        old = before.get(key) if key is not None else None
        if old is None or None in (row["value"], old["value"], row["ci_low"], old["ci_low"]):
            continue
        higher_better = HEADLINE[row["metric"]]
        diff = row["value"] - old["value"]
        worse = -diff if higher_better else diff
        noise = np.hypot((row["ci_high"] - row["ci_low"]) / 2, (old["ci_high"] - old["ci_low"]) / 2)
        if worse <= noise:
            continue
        what = row["metric"] + (f"[class={row['class']}]" if row.get("class") is not None else "")
        moved = "fell" if higher_better else "rose"
        title = (f"{model}: {what} {moved} from {number(old['value'], 4)} ({previous_label}) to "
                 f"{number(row['value'], 4)} [{number(row['ci_low'], 4)}, {number(row['ci_high'], 4)}]")
        out.append(Finding("model.performance_drop", "warning", (), title,
                           {"metric": row["metric"], "value": row["value"], "previous": old["value"],
                            "change": diff, "noise": float(noise), "previous_evaluation": previous_label},
                           fix=code_info("model.performance_drop").fix, detector="evaluate"))
    return out
