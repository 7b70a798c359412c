"""`privacy.pii`: columns holding personal data, found in the profile's row sample."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from tripwire.detectors.common import pct
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.privacy.pii import ColumnPii, find_pii
from tripwire.report import Finding

#: where a masked profile keeps what `privacy.pii` found before its values were masked
FOUND_KEY = "pii"


def profile_date(created_at: str) -> date:
    """Return the day a profile was made (ages of birth dates are counted to it)."""
    try:
        return date.fromisoformat(created_at[:10])
    except ValueError:
        return date.today()


def pii_evidence(found: ColumnPii, *, estimated: bool) -> dict[str, Any]:
    """Return the evidence of one column's finding (examples already masked)."""
    return {"kinds": list(found.kinds), "share": round(found.share, 6), "count": found.count,
            "sampled_rows": found.sampled, "estimated": estimated, "per_kind": found.per_kind,
            "free_text": found.free_text, "examples": list(found.examples), "rows": list(found.rows)}


@register
class PersonalData(Detector):
    """Name the columns that hold e-mails, phones, cards, IBANs, IPs, ids, postcodes, birth dates or names.

    A profile whose personal columns were masked before (a stored one) carries what was
    found then, under `profile.source["pii"]`: those columns are reported from it.
    """

    name, family = "privacy.pii", "privacy"
    codes = ("privacy.pii",)
    requires = frozenset({"profile", "sample"})
    background = True  # no rows to locate: either thread may run it while the other works
    extras = ("phonenumbers",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        frame = ctx.profile.sample_frame()
        if frame is None or not frame.height:
            return
        earlier: dict[str, dict[str, Any]] = dict(ctx.profile.source.get(FOUND_KEY) or {})
        estimated = frame.height < ctx.profile.rows
        today = profile_date(ctx.profile.created_at)
        found = {p.column: pii_evidence(p, estimated=estimated)
                 for p in find_pii(frame.drop([c for c in earlier if c in frame.columns]), today=today)}
        for column in ctx.profile.columns:
            evidence = earlier.get(column) or found.get(column)
            if evidence is not None:
                yield self._finding(column, dict(evidence))

    def _finding(self, column: str, evidence: dict[str, Any]) -> Finding:
        rows = evidence.pop("rows", [])
        where = "of sampled rows" if evidence.get("estimated") else "of rows"
        kinds = ", ".join(str(k).replace("_", " ") for k in evidence.get("kinds", []))
        title = f"{column}: personal data ({kinds}) in {pct(float(evidence.get('share', 0)))} {where}"
        return self.finding("privacy.pii", "warning", column, title, evidence, rows=rows)
