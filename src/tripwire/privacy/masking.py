"""Mask personal values in every face: findings' evidence, profiles' top values, examples, row samples.

Which columns (`personal_columns`): those `privacy.pii` found (when it did not run, the same
search on the profile's row sample; without a sample, `looks.looks_personal` on the name
and top values), plus those masked already, minus the ones the user shows (`--show-pii
COL`, or `all`).

A report's evidence values in those columns become `MASK`. A stored profile keeps its
counts but its top values and row-sample values become tokens ("•" + 10 hex characters of
a SHA-256 of the value): equal values keep equal tokens, so drift, duplicates and
merges still work across stored batches, while the values are not shown. A token of a
low-entropy value (a first name, a postcode) can be guessed by someone who hashes
candidates; pseudonymise with a secret key (`tripwire pseudonymise`) before logging when
that matters. Non-text columns (dates of birth, numeric postcodes) lose their top values
and sampled values instead; their quantiles stay, for drift.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile
    from tripwire.report import Finding, Report

MASK = "•••• (masked)"
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
#: evidence keys that hold data values (examples, listed values, value -> count mappings)
VALUE_KEYS = frozenset({"examples", "repaired", "value", "values", "groups", "mapping", "new_values", "vanished",
                        "unexpected", "counts", "top", "top_values", "variants", "pairs", "example", "tokens",
                        "new_tokens", "fading_tokens", "min", "max", "changes", "vanished_values"})
#: value keys whose numbers are values (elsewhere, numbers are counts and stay)
NUMBER_KEYS = frozenset({"min", "max", "value", "example", "examples"})
#: `--show-pii all` shows every column
SHOW_ALL = "all"
#: findings whose evidence is masked by their detector already (shapes kept on purpose)
SELF_MASKED = frozenset({"privacy.pii"})
#: where a masked profile lists its masked columns (in `profile.source`, saved with it)
MASKED_KEY = "masked_columns"


def mask_value(value: Any, kind: str = "") -> str:
    """Return a masked form of one value: its shape, and a first letter or the last two digits."""
    text = str(value)[:64]
    if kind == "email" and "@" in text:
        local, _, domain = text.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}•••@•••.{tld}" if tld else f"{local[:1]}•••@•••"
    spots = [m.start() for m in _ALNUM.finditer(text)]
    if not spots:
        return MASK
    digits = sum(text[i].isdigit() for i in spots)
    keep = set() if len(spots) <= 3 else set(spots[-2:]) if digits * 2 >= len(spots) else {spots[0]}
    hidden = set(spots) - keep
    return "".join("•" if i in hidden else c for i, c in enumerate(text))


def token(value: Any) -> str:
    """Return the stable token standing for a value in stored profiles."""
    return "•" + hashlib.sha256(b"tripwire-mask:" + str(value).encode("utf-8")).hexdigest()[:10]


def shown(columns: Iterable[str], show: Collection[str] = ()) -> set[str]:
    """Return the columns to mask: `columns` minus those the user asked to see."""
    return set() if SHOW_ALL in show else set(columns) - set(show)


def personal_columns(profile: DatasetProfile | None, findings: Iterable[Finding] = (),
                     show: Collection[str] = (), *, scan_sample: bool = True) -> set[str]:
    """Return the columns whose values are masked: found personal, minus those shown.

    `findings` are the run's; with `scan_sample` (`privacy.pii` did not run: a drift or
    check run) the profile's row sample is searched here, so every command masks the same
    columns. Without a sample (or phonenumbers), the cruder `looks_personal` decides from
    the column's name and top values.
    """
    found = {c for f in findings if f.code == "privacy.pii" for c in f.columns}
    if profile is not None:
        found |= set(masked_columns(profile))
        if scan_sample:
            sampled = _sampled(profile)
            found |= sampled if sampled is not None else _looks(profile)
    return shown(found, show)


def _looks(profile: DatasetProfile) -> set[str]:
    from tripwire.privacy.looks import looks_personal

    return {c.name for c in profile.columns.values() if looks_personal(c)}


def masked_columns(profile: DatasetProfile) -> list[str]:
    """Return the columns of a profile whose values were masked already (a stored profile)."""
    return list(profile.source.get(MASKED_KEY) or [])


def _sampled(profile: DatasetProfile) -> set[str] | None:
    """Return the personal columns `privacy.pii` finds in the sample (None: it cannot look)."""
    from tripwire.extras import available

    frame = profile.sample_frame()
    if frame is None or not frame.height or not available("phonenumbers"):
        return None
    from tripwire.privacy.detector import profile_date
    from tripwire.privacy.pii import find_pii

    return {p.column for p in find_pii(frame, today=profile_date(profile.created_at))}


def mask_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Return the evidence with every data value under a value key replaced by the mask.

    Text is always masked there; numbers only under keys that hold a value itself (min,
    max, value, examples), since elsewhere they are counts.
    """
    return {k: _masked(v, k in NUMBER_KEYS) if k in VALUE_KEYS else v for k, v in evidence.items()}


def mask_finding(f: Finding) -> Finding:
    """Return the finding with its evidence values masked, and those values cut out of its title."""
    if f.code in SELF_MASKED:
        return f
    title = f.title.split(" (e.g.")[0]
    # longest first, so a value that contains another is replaced whole
    for text in sorted(_texts(f.evidence), key=len, reverse=True):
        title = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", "••••", title)
    return dataclasses.replace(f, evidence=mask_evidence(f.evidence), title=title)


def _texts(evidence: dict[str, Any]) -> set[str]:
    """Return the text values (and mapping keys) under the evidence's value keys."""
    out: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, str):
            if v.strip():
                out.add(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    for key, value in evidence.items():
        if key in VALUE_KEYS:
            walk(value)
    return out


def mask_report(report: Report, columns: Collection[str]) -> Report:
    """Return the report with the evidence of findings on `columns` masked, and a note saying so."""
    if not columns:
        report.extra["personal_columns"] = []  # decided: the HTML report masks nothing either
        return report
    findings = tuple(mask_finding(f) if set(f.columns) & set(columns) else f for f in report.findings)
    note = (f"values of personal columns masked: {', '.join(sorted(columns))} "
            "(show them with --show-pii COL)")
    out = dataclasses.replace(report, findings=findings, notes=(*report.notes, note))
    out.extra.update(report.extra)
    out.extra["personal_columns"] = sorted(columns)
    return out


def _masked(value: Any, numbers: bool) -> Any:
    if isinstance(value, (list, tuple)):
        return [_masked(v, numbers) for v in value]
    if isinstance(value, dict):
        return {f"{MASK} #{i + 1}": v if isinstance(v, (int, float)) and not isinstance(v, bool) else _masked(v, numbers)
                for i, v in enumerate(value.values())}
    if value is None or (not numbers and isinstance(value, (int, float))):
        return value
    return MASK


def mask_profile(profile: DatasetProfile, columns: Collection[str],
                 found: dict[str, dict[str, Any]] | None = None) -> DatasetProfile:
    """Return a copy of the profile whose personal columns keep counts but show no values.

    `found` (column -> `privacy.pii` evidence) is kept with the profile, so a scan of the
    masked profile still reports what was found in the values it no longer holds.
    """
    from tripwire.privacy.detector import FOUND_KEY
    from tripwire.profiling import DatasetProfile
    from tripwire.profiling.stats.sample import RowSample

    done = set(masked_columns(profile))
    wanted = sorted(c for c in columns if c in profile.columns and c not in done)
    if not wanted:
        return profile
    data = profile.to_dict()
    earlier = dict(data["source"].get(FOUND_KEY) or {})
    earlier.update({c: e for c, e in (found or {}).items() if c in wanted})
    data["source"] = {**data["source"], MASKED_KEY: sorted(done | set(wanted)), FOUND_KEY: earlier}
    for col in data["columns"]:
        if col["name"] not in wanted:
            continue
        freq = col.get("frequent") or {}
        if col.get("kind") == "string":
            freq["items"] = [[token(v), n] for v, n in freq.get("items", [])]
        else:
            top = max((n for _, n in freq.get("items", [])), default=0)
            freq.update(items=[], counts_exact=False, error=int(freq.get("error", 0)) + int(top))
        if col.get("text"):
            col["text"]["examples"] = {}
    out = DatasetProfile.from_dict(data)
    if out.sample.table is not None:
        sample = out.sample.table
        for name in wanted:
            i = sample.schema.get_field_index(name)
            if i < 0:
                continue
            sample = sample.set_column(i, name, _masked_array(sample.column(name)))
        out.sample = RowSample(out.sample.capacity, sample, out.sample.seed)
    return out


def _masked_array(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return tokens for a text column's values, nulls for any other type."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        s = pl.Series(arr.combine_chunks()).cast(pl.String)
        distinct = s.drop_nulls().unique()
        # the sample holds at most 10,000 rows: one hash per distinct sampled value
        lookup = pl.DataFrame({"v": distinct, "t": [token(v) for v in distinct.to_list()]})
        tokens = s.to_frame("v").join(lookup, on="v", how="left", maintain_order="left").get_column("t")
        return pa.chunked_array([tokens.to_arrow().cast(arr.type)])
    return pa.chunked_array([pa.nulls(len(arr), arr.type)])
