"""Person names: the first- and last-name lists shipped in `data/` (copied from faker's providers).

`scripts/make_name_lists.py` wrote the lists from faker's person providers of ten locales
(en_US, en_GB, en_IN, de_DE, fr_FR, es_ES, it_IT, nl_NL, pt_BR, sv_SE), so looking a name up
needs neither faker nor a download.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import polars as pl

#: a column name that says it holds people's names
NAME_HINT = re.compile(
    r"(^|[_\s.-])(first|last|given|family|sur|full|middle|maiden|fore|person|patient|customer|"
    r"employee|client|contact|applicant|author|user)?[_\s.-]?names?$|^(fore|sur|first|last)?names?$"
    r"|^(surname|forename|firstname|lastname|fname|lname)$", re.IGNORECASE)
#: titles, suffixes and particles that may stand beside a name without being one
FILLERS = ("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "jr", "sr", "ii", "iii", "iv", "md", "phd",
           "dds", "dvm", "de", "van", "von", "der", "den", "da", "di", "del", "la", "le", "du", "mx")


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Return the shipped (first names, last names), lower-cased."""
    out = []
    for kind in ("first_names", "last_names"):
        text = files("tripwire.privacy").joinpath(f"data/{kind}.txt").read_text(encoding="utf-8")
        out.append(frozenset(x for x in text.splitlines() if x and not x.startswith("#")))
    return out[0], out[1]


def _tokens(values: pl.Series) -> pl.DataFrame:
    """Return one row per (value index, lower-cased word) of the values."""
    words = values.str.to_lowercase().str.replace_all(r"[.,]", " ").str.split(" ")
    return (pl.DataFrame({"i": pl.int_range(values.len(), eager=True), "w": words})
            .explode("w").filter(pl.col("w").str.len_chars() > 0))


def name_like(values: pl.Series, *, hinted: bool) -> pl.Series:
    """Tell, per value, whether it reads as a person's name.

    With a name hint on the column a value of one to four words, one of them a known name,
    counts; without one, every word must be a known name (or a title such as "Dr.") and there
    must be two to four of them, since single words such as "Austin" or "Green" are also
    places and colours.
    """
    first, last = name_lists()
    known = pl.Series(sorted(first | last))
    tok = _tokens(values).with_columns(
        name=pl.col("w").is_in(known.implode()),
        filler=pl.col("w").is_in(pl.Series(FILLERS).implode()) | (pl.col("w").str.len_chars() == 1),
        alpha=pl.col("w").str.contains(r"^[^\W\d_][^\W\d_'-]*$"),
    )
    per = tok.group_by("i").agg(
        n=pl.len(), names=pl.col("name").sum(), fillers=(pl.col("filler") & ~pl.col("name")).sum(),
        alpha=pl.col("alpha").all())
    if hinted:
        ok = per.filter(pl.col("alpha") & (pl.col("n") <= 4) & (pl.col("names") >= 1))
    else:
        ok = per.filter(pl.col("alpha") & (pl.col("names") >= 2) & (pl.col("n") <= 5)
                        & (pl.col("names") + pl.col("fillers") == pl.col("n")))
    hits = pl.Series("i", ok.get_column("i"), dtype=pl.Int64)
    return pl.int_range(values.len(), eager=True).cast(pl.Int64).is_in(hits.implode())
