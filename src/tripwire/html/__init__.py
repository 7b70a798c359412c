"""The self-contained HTML report: one file, no network, every data value escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from tripwire._version import __version__
from tripwire.html import charts
from tripwire.html.privacy import looks_personal

if TYPE_CHECKING:
    import jinja2

    from tripwire.profiling import ColumnProfile, DatasetProfile
    from tripwire.report import Finding, Report

#: longest text shown for one value; longer values are cut (the JSON report keeps them)
MAX_TEXT = 200
MASK = "•••• (masked)"


@cache
def _env() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("tripwire.html", "templates"),
        autoescape=True,  # every value is escaped unless a chart (built escaped) is marked safe
        undefined=jinja2.StrictUndefined,
    )


def render_report(report: Report, *, show_personal: bool = False) -> str:
    """Return the report as one self-contained HTML page.

    Columns that look like personal data (names such as email or phone, or values that look
    like e-mail addresses or phone numbers) have their values masked unless `show_personal`.
    """
    prof: DatasetProfile | None = report.extra.get("profile")
    ref: DatasetProfile | None = report.extra.get("reference")
    masked = {c.name for c in prof.columns.values() if looks_personal(c)} if prof and not show_personal else set()
    findings = [_finding(i, f, masked) for i, f in enumerate(report.findings)]
    columns = [_column(c, ref.columns.get(c.name) if ref else None, report.findings, c.name in masked)
               for c in prof.columns.values()] if prof else []
    s = report.summary
    verdict = ("Errors found: do not use this batch until they are fixed." if s["error"] else
               "No errors; some warnings deserve a look." if s["warning"] else
               "No errors or warnings.")
    return _env().get_template("report.html.j2").render(
        command=report.command, dataset=report.dataset, reference=report.reference, summary=s,
        findings=findings, columns=columns, checks=report.checks, notes=report.notes,
        checks_passed=sum(c.status == "passed" for c in report.checks),
        checks_skipped=sum(c.status == "skipped" for c in report.checks),
        checks_unknown=sum(c.status == "unknown" for c in report.checks),
        verdict=verdict, version=__version__, masked_any=bool(masked),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_profile(profile: DatasetProfile) -> str:
    """Return a profile's column summaries as an HTML page (a report with no findings)."""
    from tripwire.report import DatasetInfo, Report

    info = DatasetInfo(profile.name, profile.rows, len(profile.columns), profile.fingerprint)
    return render_report(Report(command="profile", dataset=info, notes=tuple(profile.notes),
                                extra={"profile": profile}))


def _finding(rank: int, f: Finding, masked: set[str]) -> dict[str, Any]:
    hide = bool(masked.intersection(f.columns))
    evidence = {k: v for k, v in f.evidence.items() if k != "all_rows"}
    if hide:
        evidence = {k: (MASK if k in ("examples", "repaired", "value", "groups", "mapping", "new_values",
                                      "vanished", "unexpected", "counts") else v) for k, v in evidence.items()}
    text = json.dumps(_cut_all(evidence), ensure_ascii=False, indent=1, default=str)
    title = f.title if not hide else f.title.split(" (e.g.")[0]
    rows = ", ".join(map(str, f.rows[:20])) + (" …" if len(f.rows) > 20 else "")
    return {"rank": rank, "severity": f.severity, "code": f.code, "columns": _cut(", ".join(f.columns)),
            "title": _cut(title), "evidence": _cut(text, 4000), "fix": _cut(f.fix), "rows": rows}


def _when(seconds: float) -> str:
    # 9999-12-31T23:59:59.999999 rounds, as float seconds, into the year 10000
    try:
        return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%d %H:%M}"
    except (ValueError, OverflowError, OSError):
        return f"{seconds:,.0f} s from 1970"


def _column(col: ColumnProfile, ref: ColumnProfile | None, findings: tuple[Finding, ...],
            masked: bool) -> dict[str, Any]:
    num = col.numbers
    share = col.missing / col.count if col.count else 0.0
    ref_share = ref.missing / ref.count if ref is not None and ref.count else None
    rng = ""
    if num.n and col.kind != "temporal":
        q = num.quantiles.quantile(0.5)
        rng = f"min {num.min:.4g} · median {q:.4g} · max {num.max:.4g}"
    elif col.kind == "temporal" and num.n:
        rng = f"{_when(num.min)} → {_when(num.max)}"
    own = [f for f in findings if col.name in f.columns and len(f.columns) <= 3]
    patterns = []
    if col.text is not None and col.text.patterns.total and not masked:
        patterns = [(_cut(p, 30), f"{n / col.text.patterns.total:.0%}") for p, n in col.text.patterns.top(4)]
    show_top = col.kind in ("string", "boolean") or (col.frequent.exact and len(col.frequent.counts) <= 30)
    return {
        "name": _cut(col.name, 80), "type": col.inferred_type, "unit": None,
        "missing": f"{col.missing:,} ({share:.1%})",
        "missing_bar": charts.share_bar(share, ref_share),
        "distinct": f"{col.distinct_count:,.0f}", "range": rng if not masked else "",
        "masked": masked,
        "dist": None if masked or show_top else charts.distribution(col, ref),
        "top": charts.top_values(col, ref, masked) if show_top else None,
        "patterns": patterns,
        "flags": [{"code": f.code, "severity": f.severity, "title": _cut(f.title)} for f in own[:6]],
        "drift": [_cut(f.title) for f in own if f.code.startswith("drift.")][:3],
    }


def _cut_all(value: Any, depth: int = 0) -> Any:
    """Cut every string inside evidence (and long lists) so one value cannot flood the page."""
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, dict):
        return {_cut(str(k), 80): _cut_all(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_cut_all(v, depth + 1) for v in value[:50]]
    return value


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
