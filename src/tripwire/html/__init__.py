"""The self-contained HTML report: one file, no network, every data value escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from tripwire._version import __version__
from tripwire.html import charts
from tripwire.html.sections import evaluation_section, label_section
from tripwire.report.format import MAX_NAME, cut, evidence_items, number, pct, rows_line, timestamp

if TYPE_CHECKING:
    from collections.abc import Collection

    import jinja2

    from tripwire.profiling import ColumnProfile, DatasetProfile
    from tripwire.report import DatasetInfo, Finding, Report

#: longest text shown for one value; longer values are cut (the JSON report keeps them)
MAX_TEXT = MAX_NAME
MASK = "•••• (masked)"
#: evidence keys that hold data values, masked in columns that look like personal data
VALUE_KEYS = ("examples", "repaired", "value", "groups", "mapping", "new_values", "vanished", "unexpected",
              "counts", "values", "top", "top_values", "variants", "pairs", "example", "tokens")
#: row indices listed per finding before "(+N more)"
ROWS_SHOWN = 20


@cache
def _env() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("tripwire.html", "templates"),
        autoescape=True,  # every value is escaped unless a chart (built escaped) is marked safe
        undefined=jinja2.StrictUndefined,
    )


def render_report(report: Report, *, show_personal: bool | Collection[str] = False) -> str:
    """Return the report as one self-contained HTML page.

    Columns that look like personal data (`privacy.pii` found them, or their names or values
    look like e-mail addresses or phone numbers) have their values masked, unless
    `show_personal` is True or names them.
    Every name and value is cut for display (`MAX_TEXT`) before it is examined or drawn, so
    one huge value costs no more than a short one.
    """
    prof: DatasetProfile | None = report.extra.get("profile")
    ref: DatasetProfile | None = report.extra.get("reference")
    masked = set() if show_personal is True else _masked_columns(report, prof) - set(show_personal or ())
    findings = [_finding(i, f, masked) for i, f in enumerate(report.findings)]
    thumbs = report.extra.get("image_thumbnails") or {}  # set by `scan --images`: the worst images of a finding
    for shown, f in zip(findings, report.findings, strict=True):
        shown["thumbs"] = [{"name": _cut(t["name"], 120), "uri": t["uri"]} for t in thumbs.get(f"{f.code}|{f.title}", [])]
    columns = []
    if prof is not None:
        summary = {r["column"]: r for r in prof.summary_rows()}  # the figures `profile` prints
        columns = [_column(c, summary[c.name], ref.columns.get(c.name) if ref else None, report.findings,
                           c.name in masked) for c in prof.columns.values()]
    s = report.summary
    is_profile = report.command == "profile"
    verdict = ("A profile: what each column holds. No checks were run (tripwire scan looks for issues)."
               if is_profile else
               "Errors found: do not use this batch until they are fixed." if s["error"] else
               "No errors; some warnings deserve a look." if s["warning"] else
               "No errors or warnings.")
    return _env().get_template("report.html.j2").render(
        command=report.command, is_profile=is_profile, dataset=_info(report.dataset),
        reference=_info(report.reference) if report.reference else None, summary=s,
        findings=findings, columns=columns,
        checks=[{"name": _cut(c.name), "status": c.status, "reason": _cut(c.reason, 500)} for c in report.checks],
        notes=[_cut(n, 500) for n in report.notes],
        checks_passed=sum(c.status == "passed" for c in report.checks),
        checks_skipped=sum(c.status == "skipped" for c in report.checks),
        checks_unknown=sum(c.status == "unknown" for c in report.checks),
        labels=label_section(report, masked), evaluation=evaluation_section(report),
        verdict=verdict, version=__version__, masked_any=bool(masked),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_profile(profile: DatasetProfile) -> str:
    """Return a profile's column summaries as an HTML page (a report with no findings)."""
    from tripwire.report import DatasetInfo, Report

    info = DatasetInfo(profile.name, profile.rows, len(profile.columns), profile.fingerprint)
    return render_report(Report(command="profile", dataset=info, notes=tuple(profile.notes),
                                extra={"profile": profile}))


def _info(info: DatasetInfo) -> dict[str, Any]:
    return {"name": _cut(info.name) if info.name else None, "rows": f"{info.rows:,}", "columns": info.columns,
            "fingerprint": _cut(info.fingerprint, 80) if info.fingerprint else None}


def _masked_columns(report: Report, prof: DatasetProfile | None) -> set[str]:
    """Return the columns whose values are masked: as the run decided, else as the profile and findings say."""
    from tripwire.privacy.masking import personal_columns

    decided = report.extra.get("personal_columns")
    if decided is not None:
        return set(decided)
    ran = any(c.name == "privacy.pii" and c.status != "skipped" for c in report.checks)
    return personal_columns(prof, report.findings, scan_sample=not ran)


def _finding(rank: int, f: Finding, masked: set[str]) -> dict[str, Any]:
    hide = bool(masked.intersection(f.columns))
    evidence = {k: (MASK if hide and k in VALUE_KEYS else v) for k, v in f.evidence.items()}
    title = _cut(f.title, 2 * MAX_TEXT)  # cut before any search, so a huge title costs nothing
    if hide:
        title = title.split(" (e.g.")[0]
    columns = ", ".join(_cut(c, 80) for c in f.columns[:20]) + (" …" if len(f.columns) > 20 else "")
    return {"rank": rank, "severity": f.severity, "code": f.code, "columns": columns,
            "title": _cut(title), "evidence": evidence_items(evidence, list_items=10, limit=120), "fix": _cut(f.fix, 500),
            "rows": rows_line(f, ROWS_SHOWN), "message": "" if hide else _cut(f.message, 4000)}


def _column(col: ColumnProfile, summary: dict[str, Any], ref: ColumnProfile | None,
            findings: tuple[Finding, ...], masked: bool) -> dict[str, Any]:
    share = col.missing / col.count if col.count else 0.0
    ref_share = ref.missing / ref.count if ref is not None and ref.count else None
    rng = ""
    lo, median, hi = summary["min"], summary["median"], summary["max"]
    if col.numbers.n and col.kind != "temporal":
        rng = f"min {number(lo)} · median {number(median)} · max {number(hi)}"
    elif col.kind == "temporal" and col.numbers.n:
        rng = f"{timestamp(lo, col.physical_type)} → {timestamp(hi, col.physical_type)}"
    own = [f for f in findings if col.name in f.columns and len(f.columns) <= 3]
    patterns = []
    if col.text is not None and col.text.patterns.total and not masked:
        patterns = [(_cut(p, 30), pct(n / col.text.patterns.total)) for p, n in col.text.patterns.top(4)]
    show_top = col.kind in ("string", "boolean") or (col.frequent.exact and len(col.frequent.counts) <= 30)
    return {
        "name": _cut(col.name, 80), "type": col.inferred_type, "unit": None,
        "missing": f"{col.missing:,} ({pct(share)})",
        "missing_bar": charts.share_bar(share, ref_share),
        "distinct": f"{col.distinct_count:,.0f}", "range": rng if not masked else "",
        "masked": masked,
        "dist": None if masked or show_top else charts.distribution(col, ref),
        "top": charts.top_values(col, ref, masked) if show_top else None,
        "patterns": patterns,
        "flags": [{"code": f.code, "severity": f.severity, "title": _cut(f.title)} for f in own[:6]],
        "drift": [_cut(f.title) for f in own if f.code.startswith("drift.")][:3],
    }


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return cut(text, limit)
