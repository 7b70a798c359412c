"""The dashboard's model pages: what a guard routed, champion vs challenger, metrics over time.

A model page gathers everything stored under one model name: the guard's decisions (share
of rows sent to the fallback per batch, overall and by the rule that fired first), the
champion/challenger comparison and the delayed-label metric per week once labels arrived
(`tripwire.run.serving`), and the metrics of every `tripwire evaluate --store` run of the
model (stored as dataset `evaluate/NAME`). Every value reaches the page through the
autoescaping templates or the escaped SVG charts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tripwire.server import charts
from tripwire.server.errors import NotFound
from tripwire.server.readcache import Recent

if TYPE_CHECKING:
    import polars as pl

    from tripwire.store import Store

#: overall metrics of a stored evaluation drawn as trends (the first ones present)
EVALUATE_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "roc_auc", "log_loss", "ece",
                    "mae", "rmse", "r2", "mape")
MAX_EVALUATE_CHARTS = 6
#: bootstrap resamples of the comparison drawn on the page (the CLI's default is 1,000)
PAGE_RESAMPLES = 200
#: each dataset's label charts and comparison, under the version of its stored outputs and labels
_SECTIONS = Recent(32)


def models(store: Store) -> list[dict[str, Any]]:
    """Return every model with a guard record or a stored evaluation."""
    from tripwire.store.serving import guarded_models

    found: dict[str, dict[str, Any]] = {}
    for g in guarded_models(store):
        name = g["model_name"] or g["dataset"]
        entry = found.setdefault(name, _empty(name))
        entry["datasets"].append(g["dataset"])
        entry["batches"] += g["batches"]
        entry["rows"] += g["rows"] or 0
        entry["routed"] += g["routed"] or 0
        entry["last"] = max(filter(None, (entry["last"], g["last"])), default=None)
    for d in store.datasets():
        if d["name"].startswith("evaluate/"):
            name = d["name"][len("evaluate/"):]
            entry = found.setdefault(name, _empty(name))
            entry["evaluations"] = d["batches"]
            entry["last"] = max(filter(None, (entry["last"], d["last_logged_at"])), default=None)
    return sorted(found.values(), key=lambda e: e["name"])


def _empty(name: str) -> dict[str, Any]:
    return {"name": name, "datasets": [], "batches": 0, "rows": 0, "routed": 0, "evaluations": 0, "last": None}


def model_view(store: Store, name: str) -> dict[str, Any]:
    """Return what the model page shows (NotFound when nothing is stored under the name)."""
    from tripwire.store.serving import decisions

    made = decisions(store, model=name)
    evaluations = _evaluations(store, name)
    if not made and evaluations is None:
        raise NotFound(f"no guard decisions or stored evaluations of a model {name!r}")
    view: dict[str, Any] = {"name": name, "decisions": made[-50:][::-1], "guard": [], "rules": [],
                            "datasets": sorted({d["dataset"] for d in made}), "compare": [], "labels": [],
                            "evaluate": evaluations or []}
    if made:
        view["guard"], view["rules"] = _guard_charts(made)
    for ds in view["datasets"]:
        labels, compare = _served_sections(store, ds)
        view["labels"] += labels
        view["compare"] += compare
    return view


def _served_sections(store: Store, dataset: str) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Return a dataset's label charts and comparison, computed again only once outputs or labels were stored.

    They read and join every stored output and label (the costly part of the page), so they
    are kept under the tables' last row ids for the dataset, which change with each write.
    """
    from tripwire.run.serving import labelled_outputs
    from tripwire.store.serving import served_version

    key = (store.url, dataset, served_version(store, dataset))
    kept = _SECTIONS.get(key)
    if kept is None:
        labelled = labelled_outputs(store, dataset)  # read once for both sections
        kept = _SECTIONS.put(key, (_label_charts(store, dataset, labelled), _comparison(store, dataset, labelled)))
    return kept


def _guard_charts(made: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Return the share-routed charts (overall, then per rule) and a table of the rules."""
    points = [(d["at"], d["rows_routed"] / d["rows"] if d["rows"] else 0.0) for d in made]
    out = [{"title": "share of rows sent to the fallback", "svg": charts.trend(points, "share routed", percent=True)}]
    by_rule: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    table: dict[str, dict[str, Any]] = {}
    for d in made:
        rule = d["rule"]
        if rule is None:
            continue
        t = table.setdefault(rule, {"rule": rule, "batches": 0, "rows": 0, "last": None})
        t["batches"] += 1
        t["rows"] += d["rows_routed"]
        t["last"] = d["at"]
    for rule in table:
        by_rule[rule] = [(d["at"], (d["rows_routed"] / d["rows"] if d["rows"] else 0.0) if d["rule"] == rule
                          else 0.0) for d in made]
        out.append({"title": f"routed by rule: {rule}", "svg": charts.trend(by_rule[rule], rule, percent=True)})
    return out, sorted(table.values(), key=lambda t: -t["rows"])


def _label_charts(store: Store, dataset: str, labelled: pl.DataFrame) -> list[dict[str, str]]:
    """Return one chart per model version of its delayed-label metric per week."""
    from tripwire.run.serving import label_trend

    series: dict[tuple[str, str], list[tuple[datetime, float | None]]] = defaultdict(list)
    for r in label_trend(store, dataset, labelled=labelled):
        series[(r["model"], r["metric"])].append((datetime.fromisoformat(r["window"] + "T00:00:00+00:00"),
                                                  r["value"]))
    return [{"title": f"{model}: {metric} per week of serving ({dataset}, delayed labels)",
             "svg": charts.trend(pts, metric, zero_based=False)} for (model, metric), pts in series.items()]


def _comparison(store: Store, dataset: str, labelled: pl.DataFrame) -> list[dict[str, Any]]:
    """Return the champion/challenger rows of a dataset (none without a labelled challenger)."""
    from tripwire.errors import UsageError
    from tripwire.run.serving import compare_models

    try:
        report = compare_models(dataset=dataset, store=store, resamples=PAGE_RESAMPLES, labelled=labelled)
    except UsageError:
        return []
    champion, challenger = report.extra["champion"], report.extra["challenger"]
    return [{"dataset": dataset, "champion": champion, "challenger": challenger, **m} for m in report.metrics or ()]


def _evaluations(store: Store, name: str) -> list[dict[str, Any]] | None:
    """Return a chart per overall metric of the model's stored evaluations (None: none stored)."""
    history = f"evaluate/{name}"
    if history not in {d["name"] for d in store.datasets()}:
        return None
    series: dict[str, list[tuple[datetime, float | None]]] = defaultdict(list)
    for b in store.batches(history, 200):
        try:
            metrics = store.report(b["id"]).metrics or ()
        except Exception:  # a stored report that cannot be read leaves a gap, not a broken page
            continue
        for m in metrics:
            qualifiers = set(m) - {"metric", "value", "ci_low", "ci_high", "n"}
            if m["metric"] in EVALUATE_METRICS and qualifiers <= {"class"}:  # overall, or a binary AUC's class
                key = f"{m['metric']}[class={m['class']}]" if qualifiers else m["metric"]
                series[key].append((b["logged_at"], m["value"]))
    order = {m: i for i, m in enumerate(EVALUATE_METRICS)}
    shown = sorted(series, key=lambda k: (order[k.partition("[")[0]], k))[:MAX_EVALUATE_CHARTS]
    return [{"title": f"{m} per stored evaluation", "svg": charts.trend(series[m], m, zero_based=False)}
            for m in shown]
