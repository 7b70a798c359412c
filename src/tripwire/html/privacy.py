"""Decide which columns look like personal data, so their values are masked in reports (N28)."""

from __future__ import annotations

import re

from tripwire.profiling import ColumnProfile

PERSONAL_NAME = re.compile(
    r"(e-?mail|phone|mobile|(^|_)(first|last|full|given|family|sur)_?name|^name$|customer_?name|"
    r"address|street|postcode|zip_?code|ssn|social_?security|passport|iban|card_?number|"
    r"(^|_)ip(_?addr(ess)?)?$|birth|(^|_)dob$|license_?plate)", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"^\+?\d[\d\s().-]{7,}\d$")


def looks_personal(col: ColumnProfile) -> bool:
    """Tell whether a column's name or values look like personal data."""
    if PERSONAL_NAME.search(col.name):
        return True
    # the first 320 characters: EMAIL backtracks quadratically over one long cell
    values = [str(v)[:320] for v, _ in col.frequent.top(20) if isinstance(v, str)]
    if col.text is not None:
        values += [str(v)[:320] for vs in col.text.examples.values() for v in vs]
    hits = sum(bool(EMAIL.search(v) or PHONE.match(v)) for v in values)
    return bool(values) and hits >= max(1, len(values) // 3)
