"""Find personal data in the columns of a frame (the profile's row sample): kinds, shares, rows.

A column is personal when at least half of its non-null values are of one kind (e-mail,
phone, payment card, IBAN, IP address, national identifier, postal code, date of birth,
person name), or, for free text, when at least 2% of its rows (and three of them) contain an
e-mail address, phone number, card number, IBAN or IP address. Kinds whose values are
ambiguous alone need the column's name to say so: postal codes, dates of birth, bare
nine-digit SSNs and single-word names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from tripwire.privacy import kinds as K
from tripwire.privacy.masking import mask_value
from tripwire.privacy.names import NAME_HINT, name_like

#: share of a column's non-null values that must be of one kind
MIN_SHARE = 0.5
#: share (and count) of free-text rows that must contain personal data
MIN_TEXT_SHARE, MIN_TEXT_COUNT = 0.02, 3
MAX_ROWS, MAX_EXAMPLES = 100, 3
ROW = "__row__"

#: substrings of free text that may be personal, each then tested like a whole value
TEXT_RUNS = {"email": K.EMAIL_IN, "ip": K.IPV4_IN, "card": r"\b\d(?:[ -]?\d){11,18}\b",
             "iban": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", "phone": r"\+?\(?\d[\d\s().-]{6,18}\d"}
PHONE_HINT = re.compile(r"phone|mobile|cell|(^|_)tel(ephone)?($|_)|fax", re.IGNORECASE)
POSTAL_HINT = re.compile(r"zip|postal|post_?code|postcode|(^|_)plz($|_)|(^|_)cap($|_)", re.IGNORECASE)
ID_HINT = re.compile(r"ssn|social_?sec|nino|national_?(id|insurance)|(^|_)nir($|_)|insee", re.IGNORECASE)
DOB_HINT = re.compile(r"birth|(^|_)dob($|_)|born|bday", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnPii:
    """Personal data found in one column of the sample."""

    column: str
    kinds: tuple[str, ...]
    count: int
    sampled: int
    non_null: int
    per_kind: dict[str, float] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    examples: tuple[str, ...] = ()
    free_text: bool = False

    @property
    def share(self) -> float:
        """Return the share of sampled rows holding personal data."""
        return self.count / self.sampled if self.sampled else 0.0


def find_pii(frame: pl.DataFrame, *, today: date | None = None) -> list[ColumnPii]:
    """Return the personal-data columns of `frame` (a `__row__` column, if present, names rows)."""
    rows = frame.get_column(ROW) if ROW in frame.columns else pl.int_range(frame.height, eager=True)
    out = []
    for name in frame.columns:
        if name.startswith("__"):
            continue
        found = classify(frame.get_column(name), rows, today=today or date.today())
        if found is not None:
            out.append(found)
    return out


def classify(s: pl.Series, rows: pl.Series, *, today: date) -> ColumnPii | None:
    """Return what personal data one column holds, or None."""
    name = s.name
    if s.dtype in (pl.Date, pl.Datetime) or isinstance(s.dtype, pl.Datetime):
        return _birth_dates(s, rows, today) if DOB_HINT.search(name) else None
    if s.dtype.is_integer():
        if not (POSTAL_HINT.search(name) or PHONE_HINT.search(name) or ID_HINT.search(name)):
            return _structured(s.cast(pl.String), rows, only=("card",))
        return _structured(s.cast(pl.String), rows)
    if s.dtype != pl.String:
        return None
    if DOB_HINT.search(name):
        parsed = s.str.strip_chars().str.to_date(strict=False)
        if parsed.drop_nulls().len() >= 0.9 * max(1, s.drop_nulls().len()):
            return _birth_dates(parsed.alias(name), rows, today)
    text = s.drop_nulls()
    if text.len() and text.str.len_chars().mean() >= 30 and text.str.contains(r"\s\S+\s").mean() >= 0.5:
        return _free_text(s, rows)
    return _structured(s, rows)


def _structured(s: pl.Series, rows: pl.Series, only: tuple[str, ...] | None = None) -> ColumnPii | None:
    """Judge a column of short values on its distinct values, weighted by their counts."""
    name = s.name
    counts = s.drop_nulls().value_counts(sort=True, name="__n__")
    keep = counts.get_column(name).str.strip_chars().str.len_chars() > 0
    values, weights = counts.get_column(name).filter(keep), counts.get_column("__n__").filter(keep)
    n = int(weights.sum())
    if not n:
        return None
    need = MIN_SHARE * n

    def rows_where(mask: pl.Series) -> int:
        return int(weights.filter(mask).sum())

    # cheap gates: most columns hold no "@", few digits, or digits but no letters at all
    digits = values.str.count_matches(r"\d")
    gates = {"email": rows_where(values.str.contains("@", literal=True)) >= need,
             "digits": rows_where((digits > 0) | values.str.contains(":", literal=True)) >= need,
             "six_digits": rows_where(digits >= 6) >= need,
             "name": rows_where(digits == 0) >= need}
    tests = {
        "email": ("email", lambda: K.is_email(values)),
        "card": ("six_digits", lambda: K.is_card(values)),
        "iban": ("six_digits", lambda: K.iban_valid(values)),
        "ip": ("digits", lambda: K.is_ip(values)),
        "national_id": ("six_digits", lambda: K.is_national_id(values, hinted=bool(ID_HINT.search(name)))),
        "phone": ("six_digits", lambda: _phones(values, hinted=bool(PHONE_HINT.search(name)))),
        "postal_code": ("digits", lambda: K.is_postal(values) if POSTAL_HINT.search(name) else None),
        "name": ("name", lambda: name_like(values, hinted=bool(NAME_HINT.search(name)))),
    }
    found: dict[str, pl.Series] = {}
    # a value of a kind with a checksum or a strict shape is not also a phone number
    specific = pl.Series([False] * values.len())
    for kind, (gate, test) in tests.items():
        if (only is not None and kind not in only) or not gates[gate]:
            continue
        mask = test()
        if mask is None:
            continue
        mask = mask.fill_null(False)
        if kind == "phone":
            mask = mask & ~specific
        elif kind in ("email", "card", "iban", "ip", "national_id"):
            specific = specific | mask
        if rows_where(mask) >= need:
            found[kind] = mask
    if "postal_code" in found and len(found) > 1:
        found.pop("postal_code")  # a zip column of phone-shaped or card values is not postal
    hits = {k: s.is_in(values.filter(m).implode()).fill_null(False) for k, m in found.items()}
    return _result(s, rows, hits, n)


def _phones(values: pl.Series, *, hinted: bool) -> pl.Series:
    """Return whether each value is a phone number: candidates parsed with phonenumbers.

    At most MAX_PHONE_PARSES distinct candidates are parsed; when there are more and most
    parsed ones are valid, the unparsed candidates count as phones (the share is then an
    estimate, like the sample it comes from).
    """
    cand = K.phone_candidates(values, hinted=hinted)
    distinct = values.filter(cand).unique(maintain_order=True).head(K.MAX_PHONE_PARSES)
    if not distinct.len():
        return cand
    ok = pl.Series(K.parse_phones(distinct.to_list()))
    valid, invalid = distinct.filter(ok), distinct.filter(~ok)
    if distinct.len() == values.filter(cand).n_unique() or valid.len() * 2 < distinct.len():
        return cand & values.is_in(valid.implode())
    # more candidates than parsed, mostly valid: the unparsed candidates count as phones too
    return cand & ~values.is_in(invalid.implode())


def _free_text(s: pl.Series, rows: pl.Series) -> ColumnPii | None:
    values = s.fill_null("")
    runs = {kind: values.str.extract_all(pattern) for kind, pattern in TEXT_RUNS.items()}
    hits = {
        "email": runs["email"].list.len() > 0,
        "ip": runs["ip"].list.len() > 0,
        "card": _any_in(runs["card"], K.is_card),
        "iban": _any_in(runs["iban"], K.iban_valid),
        "phone": _any_in(runs["phone"], lambda x: _phones(x.str.strip_chars(), hinted=False)),
    }
    n = int(s.is_not_null().sum())
    hits = {k: m.fill_null(False) for k, m in hits.items()
            if m.sum() >= max(MIN_TEXT_COUNT, MIN_TEXT_SHARE * max(n, 1))}
    # examples show the personal part of a text, not the whole text
    first = sorted(hits, key=lambda k: (-int(hits[k].sum()), k))[:1]
    parts = runs[first[0]].list.first().alias(s.name) if first else s
    return _result(s, rows, hits, n, free_text=True, shown=parts)


def _any_in(runs: pl.Series, test: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """Return, per value, whether any of its extracted substrings passes `test`."""
    flat = pl.DataFrame({"i": pl.int_range(runs.len(), eager=True), "r": runs}).explode("r").drop_nulls()
    if not flat.height:
        return pl.Series([False] * runs.len())
    ok = flat.filter(test(flat.get_column("r")))
    return pl.int_range(runs.len(), eager=True).is_in(ok.get_column("i").implode())


def _birth_dates(s: pl.Series, rows: pl.Series, today: date) -> ColumnPii | None:
    d = s.cast(pl.Date)
    n = int(d.is_not_null().sum())
    if n < 3:
        return None
    age = today.year - d.dt.year()
    plausible = (age >= 0) & (age <= 120)
    if plausible.fill_null(False).sum() < 0.95 * n or d.dt.year().n_unique() < 3:
        return None
    return _result(s.cast(pl.String), rows, {"date_of_birth": plausible.fill_null(False)}, n)


def _result(s: pl.Series, rows: pl.Series, hits: dict[str, pl.Series], n: int,
            free_text: bool = False, shown: pl.Series | None = None) -> ColumnPii | None:
    if not hits:
        return None
    order = sorted(hits, key=lambda k: (-int(hits[k].sum()), k))
    anyhit = pl.Series([False] * s.len())
    for m in hits.values():
        anyhit = anyhit | m
    matched = rows.filter(anyhit).sort()
    first = order[0]
    raw = (s if shown is None else shown).cast(pl.String).filter(hits[first]).unique(maintain_order=True).head(MAX_EXAMPLES).to_list()
    return ColumnPii(
        column=s.name, kinds=tuple(order), count=int(anyhit.sum()), sampled=s.len(), non_null=n,
        per_kind={k: round(int(hits[k].sum()) / n, 4) for k in order},
        rows=tuple(int(r) for r in matched.head(MAX_ROWS)),
        examples=tuple(mask_value(v, first) for v in raw if v is not None), free_text=free_text)
