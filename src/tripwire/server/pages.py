"""Server-rendered dashboard pages (Jinja, autoescaped; charts are escaped SVG).

A batch whose stored profile or report cannot be read is shown as one line, "cannot show
this batch: …", never as a server error; the dataset page then shows what it can.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tripwire.server import charts
from tripwire.server.lookup import require_batch, require_dataset
from tripwire.server.readcache import Recent

if TYPE_CHECKING:
    import jinja2

    from tripwire.profiling import DatasetProfile
    from tripwire.store import Store

#: (metric, title, percent, integer)
TREND_METRICS = (("rows", "rows", False, True), ("errors", "errors", False, True),
                 ("warnings", "warnings", False, True), ("rows_dropped_share", "rows dropped by the contract", True, False),
                 ("label_noise_share", "label noise (estimated share of mislabelled rows)", True, False))
#: trends drawn only when some batch has a value (label noise needs batches logged with --label)
OPTIONAL_TRENDS = ("label_noise_share",)
COLUMN_TRENDS = (("null_share", "missing share", True, False), ("drift_score", "drift score", False, False),
                 ("mean", "mean", False, False))


_PROFILES, _SUMMARIES, _TIME_STARTS = Recent(16), Recent(64), Recent(20_000)


class CannotShow(Exception):
    """A stored batch that cannot be read back; the page says so in one line."""


@cache
def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("tripwire.server", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["segment"] = lambda v: quote(str(v), safe="")  # one URL path segment: '/' escaped too
    return env


def _render(template: str, csrf: str | None = None, **kw: Any) -> str:
    return _env().get_template(template).render(csrf=csrf, **kw)


def login(error: bool = False) -> str:
    """Return the login form."""
    return _render("login.html.j2", error=error)


def error(status: int, message: str, csrf: str | None = None) -> str:
    """Return an error page (404, cannot show, ...) in the dashboard's frame."""
    return _render("error.html.j2", csrf, title=str(status), status=status, message=message)


def datasets(items: list[dict[str, Any]], csrf: str | None = None) -> str:
    """Return the home page: every dataset and its latest status."""
    return _render("datasets.html.j2", csrf, title="datasets", datasets=items)


def dataset(store: Store, name: str, column: str | None, csrf: str | None = None) -> str:
    """Return a dataset's page: batches over time, trend charts, a column's trends and summary."""
    require_dataset(store, name)
    batches = store.batches(name, 200)
    latest, problem = None, None
    if batches:
        try:
            latest = load_profile(store, batches[-1]["id"])
        except CannotShow as exc:
            problem = f"cannot show batch {batches[-1]['id']}: {exc}"
    axis_column, when = data_times(store, batches, latest)
    trends = []
    for metric, title, pct, integer in TREND_METRICS:
        if metric in OPTIONAL_TRENDS and all(b.get(metric) is None for b in batches):
            continue
        points = [(when[b["id"]], b[metric]) for b in batches]
        trends.append({"title": title, "svg": charts.trend(points, title, percent=pct, integer=integer)})
    columns = list(latest.columns) if latest is not None else []
    column = column if column in columns else (columns[0] if columns else None)
    col_trends = []
    if column is not None:
        for metric, title, pct, integer in COLUMN_TRENDS:
            series = store.series(name, metric, column, 200)
            points = [(when.get(b, t), v) for b, t, v in series]
            col_trends.append({"title": f"{column}: {title}",
                               "svg": charts.trend(points, title, percent=pct, integer=integer,
                                                   zero_based=metric != "mean")})
    return _render("dataset.html.j2", csrf, title=name, name=name, batches=batches[::-1], trends=trends,
                   columns=columns, column=column, col_trends=col_trends, findings=store.findings(name, 1),
                   summary=_summary(store, batches[-1]["id"], latest) if latest is not None else [], problem=problem,
                   axis=f"data time ({axis_column}, earliest value of each batch)" if axis_column else "time logged")


def batch(store: Store, batch_id: int, csrf: str | None = None) -> str:
    """Return a batch's findings, with a link to its full HTML report."""
    dataset_name = require_batch(store, batch_id)
    report = load_report(store, batch_id)
    return _render("batch.html.j2", csrf, title=f"batch {batch_id}", batch_id=batch_id, report=report,
                   dataset=dataset_name, findings=report.findings, summary=report.summary)


def batch_report(store: Store, batch_id: int) -> str:
    """Return a batch's full HTML report, the reference it was compared with overlaid."""
    dataset_name = require_batch(store, batch_id)
    report = load_report(store, batch_id)
    report.extra["profile"] = load_profile(store, batch_id)
    reference = compared_reference(store, dataset_name, report)
    if reference is not None:
        report.extra["reference"] = reference
    try:
        return report.to_html()
    except Exception as exc:  # odd stored values the renderer cannot draw
        raise CannotShow(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def alerts(items: list[dict[str, Any]], csrf: str | None = None) -> str:
    """Return the alert deliveries, failures first."""
    return _render("alerts.html.j2", csrf, title="alerts", alerts=sorted(items, key=lambda a: a["status"] != "failed"))


def lineage(info: dict[str, Any], model: str, csrf: str | None = None) -> str:
    """Return what a model was trained on and what it has seen since."""
    return _render("lineage.html.j2", csrf, title=f"lineage of {model}", info=info, model=model)


def models(store: Store, csrf: str | None = None) -> str:
    """Return every guarded or evaluated model."""
    from tripwire.server.models import models as found

    return _render("models.html.j2", csrf, title="models", models=found(store))


def model(store: Store, name: str, csrf: str | None = None) -> str:
    """Return a model's page: guard decisions, champion vs challenger, metrics over time."""
    from tripwire.server.models import model_view

    return _render("model.html.j2", csrf, title=f"model {name}", view=model_view(store, name))


# ---- reading stored batches --------------------------------------------------------------------
def load_report(store: Store, batch_id: int) -> Any:
    """Return a stored batch's report, or raise CannotShow saying why it cannot be read."""
    try:
        return store.report(batch_id)
    except Exception as exc:
        raise CannotShow(f"its report cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None


def load_profile(store: Store, batch_id: int) -> DatasetProfile:
    """Return a stored batch's profile, or raise CannotShow saying why it cannot be read.

    The last few are kept: a stored batch never changes, and reading one back (JSON, sketches,
    frequent items) costs more than drawing the whole dataset page.
    """
    key = (store.url, batch_id)
    profile = _PROFILES.get(key)
    if profile is None:
        try:
            profile = _PROFILES.put(key, store.profile(batch_id))
        except Exception as exc:
            raise CannotShow(f"its profile cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None
    return profile


def compared_reference(store: Store, dataset_name: str, report: Any) -> DatasetProfile | None:
    """Return the stored reference when it is the one this batch was compared with, else None."""
    if report.reference is None:
        return None
    try:
        reference = store.reference(dataset_name)
    except Exception:  # no reference set, or one that cannot be read: show the batch alone
        return None
    return reference if reference.fingerprint == report.reference.fingerprint else None


def _summary(store: Store, batch_id: int, profile: DatasetProfile) -> list[dict[str, str]]:
    key = (store.url, batch_id)
    return _SUMMARIES.get(key) or _SUMMARIES.put(key, column_summary(profile))


def column_summary(profile: DatasetProfile) -> list[dict[str, str]]:
    """Return the latest batch's per-column figures as shown: the profile's summary rows written
    with the report's formatters, personal-data columns masked as the report masks them."""
    from tripwire.privacy.masking import personal_columns
    from tripwire.report.format import number, pct, timestamp

    # the one decision every report and command masks by (privacy.pii on the row sample, and
    # the columns masked when the batch was stored), not a second heuristic that could disagree
    masked = personal_columns(profile)
    out = []
    for row, col in zip(profile.summary_rows(), profile.columns.values(), strict=True):
        figures = dict.fromkeys(("min", "median", "max"), "")
        if col.numbers.n and col.name not in masked:
            for key in figures:
                value = row[key]
                if value is not None:
                    figures[key] = timestamp(value, col.physical_type) if col.kind == "temporal" else number(value)
        out.append({
            "column": row["column"], "type": row["type"],
            "missing": f"{col.missing:,} ({pct(col.missing / col.count if col.count else 0.0)})",
            "distinct": f"{col.distinct_count:,.0f}", **figures,
        })
    return out


def _utc(seconds: float) -> datetime | None:
    """Return epoch seconds as a UTC time, None beyond the years datetime can hold."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


# ---- the x axis: the data's own time when the batches carry one ------------------------------
def data_times(store: Store, batches: list[dict[str, Any]],
               latest: DatasetProfile | None) -> tuple[str | None, dict[int, datetime]]:
    """Return the time column used for the x axis (None: the log time) and each batch's time.

    The column is the latest batch's first date or timestamp column; a batch's time is its
    earliest value. When any batch lacks the column, every point uses its log time instead.
    """
    logged = {b["id"]: b["logged_at"] for b in batches}
    if latest is None:
        return None, logged
    column = next((c.name for c in latest.columns.values() if c.kind == "temporal" and c.numbers.n
                   and c.physical_type.startswith(("date", "timestamp"))), None)
    if column is None:
        return None, logged
    out = {}
    for b in batches:
        start = _batch_time_starts(store, b["id"]).get(column)
        if start is None:
            return None, logged
        when = _utc(start)
        if when is None:
            return None, logged
        out[b["id"]] = when
    return column, out


def _batch_time_starts(store: Store, batch_id: int) -> dict[str, float]:
    """Return the earliest value (epoch seconds) of each time column of a batch (cached: batches
    never change once stored)."""
    key = (store.url, batch_id)
    starts = _TIME_STARTS.get(key)
    if starts is None:
        try:
            prof = load_profile(store, batch_id)
            starts = {c.name: float(c.numbers.min) for c in prof.columns.values()
                      if c.kind == "temporal" and c.numbers.n and c.numbers.min is not None}
        except CannotShow:
            starts = {}
        _TIME_STARTS.put(key, starts)
    return starts
