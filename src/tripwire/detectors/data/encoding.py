"""data.encoding: text damaged on its way in — mojibake, U+FFFD, control characters,
literal escapes, HTML entities, mixed quote styles (N9) — with ftfy's repair as evidence."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from tripwire.detectors.common import pct, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.extras import require
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
            classes = col.text.char_classes
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
