"""Tell from a column's name and profile whether it looks like personal data (no row sample needed)."""

from __future__ import annotations

import re

from tripwire.profiling import ColumnProfile

PERSONAL_NAME = re.compile(
    r"(e-?mail|phone|mobile|(^|_)(first|last|full|given|family|sur)_?name|^name$|customer_?name|"
    r"address|street|postcode|zip_?code|ssn|social_?security|passport|iban|card_?number|"
    r"(^|_)ip(_?addr(ess)?)?$|birth|(^|_)dob$|license_?plate)", re.IGNORECASE)
#: characters of one value examined; an address or a phone number is far shorter, and the cap
#: keeps a 100,000-character cell as cheap as a short one
MAX_EXAMINED = 320
# Linear on any input: a match may only start where a word starts (the look-behind), and the
# local part is possessive, so no start position re-scans text another one already scanned.
EMAIL = re.compile(r"(?<![^\s<(\[,;:\"'])[^@\s<>()\[\],;:\"']++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*+")
TLD = re.compile(r"\.[A-Za-z]{2,}$")
PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
#: dates and times (2013-01-01, 01/02/2013, 2013-01-01 05:00): digits and separators too, not phones
DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                  r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def looks_personal(col: ColumnProfile) -> bool:
    """Tell whether a column's name or values look like personal data.

    Date, time and number columns never do by their values: a date is digits and dashes like
    a phone number, but it is not one.
    """
    if PERSONAL_NAME.search(col.name[:MAX_EXAMINED]):
        return True
    if col.kind != "string":
        return False
    values = [v[:MAX_EXAMINED] for v, _ in col.frequent.top(20) if isinstance(v, str)]
    if col.text is not None:
        values += [str(v)[:MAX_EXAMINED] for vs in col.text.examples.values() for v in vs]
    hits = sum(looks_like_contact(v) for v in values)
    if values and hits >= max(1, len(values) // 3):
        return True
    # a column of distinct values keeps no frequent values: judge the shapes its values take
    patterns = col.text.patterns if col.text is not None else None
    if patterns is None or not patterns.total:
        return False
    shaped = sum(n for p, n in patterns.top(10) if looks_like_contact(_example_of(p)))
    return shaped * 3 >= patterns.total


def _example_of(pattern: str) -> str:
    """Return a value of a pattern signature (digit -> d, lower-case run -> a, upper -> A)."""
    return pattern[:MAX_EXAMINED].replace("d", "0").replace("a", "ab").replace("A", "AB")


def looks_like_contact(value: str) -> bool:
    """Tell whether one value holds an e-mail address or is a phone number (not a date)."""
    value = value[:MAX_EXAMINED]
    if "@" in value:
        if any(TLD.search(m.group()) for m in EMAIL.finditer(value)):
            return True
    text = value.strip()
    return bool(PHONE.fullmatch(text)) and not DATE.fullmatch(text)
