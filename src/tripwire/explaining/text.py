"""The feature ranking as aligned text: one line per feature, cost and interval."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tripwire.report.format import number

TITLES = {"permutation_importance": "permutation importance (cost of shuffling, held-out rows)",
          "ablation_cost": "ablation (cost of dropping, or of adding when negative; cross-validated)"}


def ranking_text(rows: Iterable[dict[str, Any]]) -> str:
    """Return each ranking (permutation, ablation) as a table: rank, feature, cost, interval."""
    rows = list(rows)
    out = []
    for r in rows:
        if r["metric"] not in TITLES and r["value"] is not None:
            out.append(f"{r['metric']}: {number(r['value'], 4)}" + (f" (n={r['n']:,})" if r.get("n") else ""))
    for kind, title in TITLES.items():
        ranked = [r for r in rows if r["metric"] == kind]
        if not ranked:
            continue
        out.append(f"{title}, {ranked[0]['scorer']}:")
        width = min(40, max(len(str(r["feature"])) for r in ranked) + 6)
        for r in ranked:
            name = r["feature"] if r.get("action", "drop") == "drop" else f"+ {r['feature']}"
            ci = "" if r["ci_low"] is None else f"[{number(r['ci_low'], 4)}, {number(r['ci_high'], 4)}]"
            out.append(f"  {r['rank']:>3}. {name:<{width}} {number(r['value'], 4):>10}  {ci}")
    return "\n".join(out) + "\n" if out else ""
