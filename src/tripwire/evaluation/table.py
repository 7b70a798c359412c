"""The metrics table as plain text, one line per row: metric, qualifiers, value and interval."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tripwire.report.format import number

#: keys of a metrics row that are not qualifiers (class, group, baseline, k, ...)
_CORE = ("metric", "value", "ci_low", "ci_high", "n")
#: rows shown in the text view only through their findings or the JSON (long, per-bin or per-cell)
_HIDDEN = ("confusion", "reliability")


def metrics_text(rows: Iterable[dict[str, Any]]) -> str:
    """Return the metrics table as aligned text (the confusion matrix and reliability bins as compact lines)."""
    rows = list(rows)
    lines = []
    for r in rows:
        if r["metric"] in _HIDDEN:
            continue
        qual = ", ".join(f"{k}={v}" for k, v in r.items() if k not in _CORE)
        name = f"{r['metric']}[{qual}]" if qual else r["metric"]
        value = "n/a" if r["value"] is None else number(r["value"], 4)
        ci = "" if r["ci_low"] is None else f"  [{number(r['ci_low'], 4)}, {number(r['ci_high'], 4)}]"
        n = "" if r["n"] is None else f"  n={r['n']:,}"
        lines.append(f"  {name:<56} {value:>10}{ci}{n}")
    cells = [r for r in rows if r["metric"] == "confusion"]
    if cells:
        lines.append("  confusion (true -> predicted): " + ", ".join(
            f"{c['true']}->{c['predicted']}: {c['value']:,}" for c in cells))
    return "metrics:\n" + "\n".join(lines) + "\n" if lines else ""
