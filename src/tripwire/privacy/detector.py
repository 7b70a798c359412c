"""`privacy.pii`: columns holding personal data, found in the profile's row sample."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from tripwire.detectors.common import pct
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.privacy.pii import find_pii
from tripwire.report import Finding


def profile_date(created_at: str) -> date:
    """Return the day a profile was made (ages of birth dates are counted to it)."""
    try:
        return date.fromisoformat(created_at[:10])
    except ValueError:
        return date.today()


@register
class PersonalData(Detector):
    """Name the columns that hold e-mails, phones, cards, IBANs, IPs, ids, postcodes, birth dates or names."""

    name, family = "privacy.pii", "privacy"
    codes = ("privacy.pii",)
    requires = frozenset({"profile", "sample"})
    extras = ("phonenumbers",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        frame = ctx.profile.sample_frame()
        if frame is None or not frame.height:
            return
        estimated = frame.height < ctx.profile.rows
        for found in find_pii(frame, today=profile_date(ctx.profile.created_at)):
            where = "of sampled rows" if estimated else "of rows"
            title = (f"{found.column}: personal data ({', '.join(k.replace('_', ' ') for k in found.kinds)}) "
                     f"in {pct(found.share)} {where}")
            yield self.finding(
                "privacy.pii", "warning", found.column, title,
                {"kinds": list(found.kinds), "share": round(found.share, 6), "count": found.count,
                 "sampled_rows": found.sampled, "estimated": estimated, "per_kind": found.per_kind,
                 "free_text": found.free_text, "examples": list(found.examples)},
                rows=found.rows)
