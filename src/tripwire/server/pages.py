"""Server-rendered dashboard pages (Jinja, autoescaped; charts are the report's SVG)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from tripwire.html import charts

if TYPE_CHECKING:
    import jinja2

    from tripwire.store import Store

TREND_METRICS = (("rows", "rows", False), ("errors", "errors", False), ("warnings", "warnings", False),
                 ("rows_dropped_share", "rows dropped by the contract", True))
COLUMN_TRENDS = (("null_share", "missing share", True), ("drift_score", "drift score", False),
                 ("mean", "mean", False))


@cache
def _env() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("tripwire.server", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _render(template: str, **kw: Any) -> str:
    return _env().get_template(template).render(**kw)


def login(error: bool = False) -> str:
    """Return the login form."""
    return _render("login.html.j2", error=error)


def datasets(items: list[dict[str, Any]]) -> str:
    """Return the home page: every dataset and its latest status."""
    return _render("datasets.html.j2", title="datasets", datasets=items)


def dataset(store: Store, name: str, column: str | None) -> str:
    """Return a dataset's page: batches over time, trend charts, a column's trends."""
    batches = store.batches(name, 200)
    label = [b["logged_at"].strftime("%m-%d %H:%M") for b in batches]
    trends = []
    for metric, title, pct in TREND_METRICS:
        points = [(label[i], b[metric]) for i, b in enumerate(batches)]
        trends.append({"title": title, "svg": charts.line(points, title, percent=pct)})
    columns = list(store.profile(batches[-1]["id"]).columns) if batches else []
    column = column if column in columns else (columns[0] if columns else None)
    col_trends = []
    if column is not None:
        for metric, title, pct in COLUMN_TRENDS:
            series = store.series(name, metric, column, 200)
            points = [(t.strftime("%m-%d %H:%M"), v) for _, t, v in series]
            col_trends.append({"title": f"{column}: {title}", "svg": charts.line(points, title, percent=pct)})
    return _render("dataset.html.j2", title=name, name=name, batches=batches[::-1], trends=trends,
                   columns=columns, column=column, col_trends=col_trends, findings=store.findings(name, 1))


def batch(store: Store, batch_id: int) -> str:
    """Return a batch's findings, with a link to its full HTML report."""
    report = store.report(batch_id)
    return _render("batch.html.j2", title=f"batch {batch_id}", batch_id=batch_id, report=report,
                   findings=report.findings, summary=report.summary)


def alerts(items: list[dict[str, Any]]) -> str:
    """Return the alert deliveries, failures first."""
    return _render("alerts.html.j2", title="alerts", alerts=sorted(items, key=lambda a: a["status"] != "failed"))


def lineage(info: dict[str, Any], model: str) -> str:
    """Return what a model was trained on and what it has seen since."""
    return _render("lineage.html.j2", title=f"lineage of {model}", info=info, model=model)
