"""data.encoding: text damaged on its way in — mojibake, U+FFFD, control characters,
literal escapes, HTML entities, mixed quote styles (N9) — with ftfy's repair as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl

from tripwire.detectors.common import pct, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.extras import require
from tripwire.profiling import ColumnProfile
from tripwire.profiling.stats.text import CHAR_CLASSES
from tripwire.report import Finding

#: character class -> (severity, what it means, what to do)
PROBLEMS = {
    "mojibake": ("warning", "mojibake (UTF-8 read as cp1252/latin-1, e.g. 'Ã©' for 'é')",
                 "Re-read the source as UTF-8, or repair the values with ftfy.fix_text (see 'repaired')."),
    "replacement_char": ("warning", "U+FFFD replacement characters (bytes lost in decoding)",
                         "The original bytes are gone: re-export the source with the right encoding."),
    "control": ("warning", "control characters",
                "Strip control characters; they break tokenisers, CSV writers and dashboards."),
    "escaped_newline": ("info", "literal \\r \\n \\t escapes",
                        "Replace the two-character escapes with real line breaks or spaces before tokenising."),
    "html_entity": ("info", "HTML entities such as &amp;",
                    "Unescape the entities (html.unescape): the text was scraped or exported from HTML."),
}


#: a letter of the Latin script next to one of a script or symbol set that mis-decoded UTF-8
#: produces (Cyrillic, Greek, box drawing, half-width katakana, √ ⌐ Γ): inside one word,
#: honest text almost never mixes them
MIXED_SCRIPT = (r"\p{Latin}[\p{Cyrillic}\p{Greek}\x{2500}-\x{259F}\x{FF61}-\x{FF9F}\x{221A}\x{2310}\x{2320}\x{2321}]"
                r"|[\p{Cyrillic}\p{Greek}\x{2500}-\x{259F}\x{FF61}-\x{FF9F}\x{221A}\x{2310}\x{2320}\x{2321}]\p{Latin}")


def garbled_values(col: ColumnProfile, ftfy: Any) -> dict[str, int]:
    """Return the column's values that read as mojibake from any codec pair, with counts.

    Judged on the distinct values the profile counted exactly (ftfy's badness measure, or a
    Latin letter glued to another script); empty when the column's values were not all counted.
    """
    if not col.frequent.exact or not col.frequent.counts:
        return {}
    values = [v for v in col.frequent.counts if isinstance(v, str)]
    if not values:
        return {}
    mixed = pl.Series(values, dtype=pl.String).str.contains(MIXED_SCRIPT).to_list()
    from ftfy.badness import is_bad

    return {v: int(col.frequent.counts[v]) for v, m in zip(values, mixed, strict=True)
            if ((m or is_bad(v)) and ftfy.fix_text(v) != v) or m}


@register
class Encoding(Detector):
    """Report text columns with encoding damage, each class with examples and repairs."""

    name, family, codes = "encoding", "data", ("data.encoding",)
    extras = ("ftfy",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        ftfy = require("ftfy", "Repairing damaged text")
        for col in ctx.profile.columns.values():
            if col.text is None:
                continue
            classes = dict(col.text.char_classes)
            garbled = garbled_values(col, ftfy)
            if garbled:
                yield self._garbled(col, garbled, ftfy)
                classes.pop("mojibake", None)  # the same values, counted once
            for cls, (severity, what, fix) in PROBLEMS.items():
                count = classes.get(cls, 0)
                if not count:
                    continue
                examples = col.text.examples.get(cls, [])[:5]
                repaired = [ftfy.fix_text(e) for e in examples]
                if cls == "html_entity":
                    import html

                    repaired = [html.unescape(e) for e in examples]
                share = count / col.count
                yield self.finding(
                    "data.encoding", severity, col.name,
                    f"{col.name}: {count:,} values with {what} ({pct(share)})",
                    {"count": count, "share": share, "kind": cls,
                     "examples": [short(e, 200) for e in examples],
                     "repaired": [short(r, 200) for r in repaired]},
                    fix=fix,
                    locate=pl.col(col.name).cast(pl.String).str.contains(CHAR_CLASSES[cls]),
                )
            curly, straight = classes.get("curly_quotes", 0), classes.get("straight_quotes", 0)
            if min(curly, straight) >= max(5, 0.01 * col.non_null):
                yield self.finding(
                    "data.encoding", "info", col.name,
                    f"{col.name}: mixed quote styles ({curly:,} values with curly quotes, "
                    f"{straight:,} with straight ones)",
                    {"count": min(curly, straight), "kind": "mixed_quotes", "curly": curly,
                     "straight": straight},
                    fix="Normalise quotes (ftfy.fix_text with uncurl_quotes=True) before "
                        "tokenising, or the same word gets two tokens.",
                )

    def _garbled(self, col: ColumnProfile, garbled: dict[str, int], ftfy: Any) -> Finding:
        count = sum(garbled.values())
        share = count / col.count
        examples = sorted(garbled, key=lambda v: (-garbled[v], v))[:5]
        return self.finding(
            "data.encoding", "warning", col.name,
            f"{col.name}: {count:,} values with mojibake (text decoded with the wrong codec, "
            f"e.g. {short(examples[0], 40)!r}) ({pct(share)})",
            {"count": count, "share": share, "kind": "mojibake", "distinct": len(garbled),
             "examples": [short(e, 200) for e in examples],
             "repaired": [short(ftfy.fix_text(e), 200) for e in examples]},
            fix="Re-read the source with its real encoding, or repair the values with "
                "ftfy.fix_text (see 'repaired').",
            locate=pl.col(col.name).cast(pl.String).is_in(list(garbled)),
        )
