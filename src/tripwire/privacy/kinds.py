"""Per-value tests of personal-data kinds, vectorised over a Polars string Series.

Each `is_<kind>` returns a boolean Series, true where the whole value is of that kind; the
`contains_<kind>` forms look inside free text. Checksums (Luhn, IBAN and NIR mod 97) run as
Polars expressions over every value; phone numbers pass a cheap regex first and only the
candidates (capped) are parsed with `phonenumbers`.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
EMAIL_IN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = rf"^{_OCTET}(\.{_OCTET}){{3}}$"
IPV4_IN = rf"\b{_OCTET}(\.{_OCTET}){{3}}\b"
# full and "::"-compressed IPv6: hex groups of at most four, at least two colons
IPV6 = r"^(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|([0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{0,4}::([0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{0,4})$"
#: US social security number: area not 000, 666 or 9xx; group not 00; serial not 0000
SSN = r"^(00[1-9]|0[1-9]\d|[1-578]\d\d|6[0-57-9]\d|66[0-57-9])-(0[1-9]|[1-9]\d)-(000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})$"
#: UK National Insurance number (HMRC NIM39110): prefix letters D, F, I, Q, U, V never used,
#: O not second, BG GB KN NK NT TN ZZ never issued; suffix A-D
NINO = r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$"
NINO_BAD_PREFIX = r"^(BG|GB|KN|NK|NT|TN|ZZ)"
#: French NIR (numéro de sécurité sociale): sex, year, month, département (2A/2B in Corsica),
#: commune, order, then a two-digit key = 97 - (first 13 digits mod 97)
NIR = r"^[1-478]\d{4}(\d{2}|2A|2B)\d{6}\d{2}$"
IBAN = r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$"
CARD = r"^\d{12,19}$"
POSTAL = (r"^\d{5}(-\d{4})?$|^\d{4}$|^\d{6}$|^\d{4} ?[A-Z]{2}$|^\d{3} ?\d{2}$|^\d{2}-\d{3}$"
          r"|^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$|^[A-Z]\d[A-Z] ?\d[A-Z]\d$")
#: cheap filter before phone parsing: digits, separators and an extension; no date or time shape
PHONE_CHARS = r"^\+?[\d\s().\-/]{6,22}(\s*(x|ext\.?)\s*\d{1,6})?$"
DATE_LIKE = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d+\.\d+$|^\d+$"
#: regions tried in turn for numbers written without a country code
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "ES", "IT", "NL", "BR", "SE", "CA", "AU")
#: phone candidates parsed per column (a sample is enough to decide; the rest are estimated)
MAX_PHONE_PARSES = 400


def is_email(s: pl.Series) -> pl.Series:
    """Return whether each value is one e-mail address."""
    return s.str.strip_chars().str.contains(EMAIL)


def is_ip(s: pl.Series) -> pl.Series:
    """Return whether each value is an IPv4 or IPv6 address."""
    t = s.str.strip_chars()
    return t.str.contains(IPV4) | (t.str.contains(IPV6) & (t.str.count_matches(":") >= 2))


def _digits(s: pl.Series) -> pl.Series:
    return s.str.replace_all(r"[\s-]", "")


def luhn_valid(digits: pl.Series, width: int = 19) -> pl.Series:
    """Return whether each all-digit value passes the Luhn check (vectorised over positions)."""
    padded = digits.str.zfill(width)  # leading zeros do not change a Luhn sum
    frame = pl.DataFrame({"d": padded})
    terms = []
    for i in range(width):
        d = pl.col("d").str.slice(i, 1).cast(pl.Int32, strict=False).fill_null(0)
        if (width - 1 - i) % 2 == 1:  # every second digit from the right is doubled
            d = pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2)
        terms.append(d)
    return frame.select((pl.sum_horizontal(terms) % 10 == 0).alias("ok")).to_series()


def is_card(s: pl.Series) -> pl.Series:
    """Return whether each value is a payment card number: 12-19 digits (Maestro has 12), Luhn-valid, not all zeros."""
    d = _digits(s.str.strip_chars())
    shaped = d.str.contains(CARD).fill_null(False) & (d.str.replace_all("0", "", literal=True).str.len_chars() > 0)
    return _checked(shaped, d, luhn_valid)


def _checked(shaped: pl.Series, values: pl.Series, check: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """Return `shaped` narrowed to the values passing `check`, run only on the shaped ones."""
    if not shaped.any():
        return shaped
    ok = pl.Series([False] * shaped.len())
    idx = shaped.arg_true()
    return ok.scatter(idx, check(values.filter(shaped)).fill_null(False))


def _mod97(digits: pl.Expr, width: int) -> pl.Expr:
    """Return int(digits) mod 97 for digit strings of at most `width` characters."""
    padded = digits.str.zfill(width)
    r = pl.lit(0, dtype=pl.Int64)
    for i in range(0, width, 7):  # 7 digits at a time: r * 10^7 + chunk stays below 2^63
        chunk = padded.str.slice(i, 7).cast(pl.Int64, strict=False).fill_null(0)
        r = (r * 10 ** min(7, width - i) + chunk) % 97
    return r


def iban_valid(s: pl.Series) -> pl.Series:
    """Return whether each value is an IBAN with a valid mod-97 checksum (ISO 13616)."""
    t = s.str.replace_all(r"\s", "").str.to_uppercase()
    return _checked(t.str.contains(IBAN).fill_null(False), t, _iban_sum_ok)


def _iban_sum_ok(t: pl.Series) -> pl.Series:
    moved = t.str.slice(4) + t.str.slice(0, 4)
    for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        moved = moved.str.replace_all(letter, str(10 + i), literal=True)
    return pl.DataFrame({"d": moved}).select(_mod97(pl.col("d"), 70) == 1).to_series()


def is_ssn(s: pl.Series, *, hinted: bool) -> pl.Series:
    """Return whether each value is a US SSN (dashed; nine bare digits only under a name hint)."""
    t = s.str.strip_chars()
    if hinted:
        t = pl.Series(t).str.replace(r"^(\d{3})(\d{2})(\d{4})$", "$1-$2-$3")
    return t.str.contains(SSN)


def is_nino(s: pl.Series) -> pl.Series:
    """Return whether each value is a UK National Insurance number."""
    t = s.str.strip_chars().str.to_uppercase()
    return t.str.contains(NINO) & ~t.str.contains(NINO_BAD_PREFIX)


def is_nir(s: pl.Series) -> pl.Series:
    """Return whether each value is a French NIR whose key checks (97 - n mod 97)."""
    t = s.str.replace_all(r"\s", "").str.to_uppercase()
    return _checked(t.str.contains(NIR).fill_null(False), t, _nir_key_ok)


def _nir_key_ok(t: pl.Series) -> pl.Series:
    # Corsica: 2A and 2B count as 19 and 18 in the key computation
    body = t.str.slice(0, 13).str.replace("2A", "19", literal=True).str.replace("2B", "18", literal=True)
    frame = pl.DataFrame({"b": body, "k": t.str.slice(13, 2).cast(pl.Int64, strict=False)})
    return frame.select((97 - _mod97(pl.col("b"), 14)) == pl.col("k")).to_series()


def is_national_id(s: pl.Series, *, hinted: bool) -> pl.Series:
    """Return whether each value is a US SSN, a UK NI number or a French NIR."""
    return is_ssn(s, hinted=hinted) | is_nino(s) | is_nir(s)


def is_postal(s: pl.Series) -> pl.Series:
    """Return whether each value has a postal-code shape (US, UK, CA, DE, FR, NL, PL, SE, ...)."""
    return s.str.strip_chars().str.to_uppercase().str.contains(POSTAL)


def phone_candidates(s: pl.Series, *, hinted: bool) -> pl.Series:
    """Return whether each value could be a phone number, cheaply (before parsing).

    Without a phone name hint a value must start with "+" or "(", or hold three groups of
    digits: bare digit strings and codes such as "17-000003" are more often identifiers.
    Bare digit strings count only in a column where a tenth of the values look like phones.
    """
    t = s.str.strip_chars()
    digits = t.str.replace_all(r"(x|ext\.?)\s*\d+$", "").str.count_matches(r"\d")
    shaped = t.str.contains(PHONE_CHARS) & (digits >= 7) & (digits <= 15)
    if not hinted:  # codes such as "17-000003" have digits and a dash too: ask for a phone's look
        groups = t.str.replace_all(r"(x|ext\.?)\s*\d+$", "").str.count_matches(r"\d+")
        formatted = (t.str.contains(r"^[+(]") | (groups >= 3)) & ~t.str.contains(DATE_LIKE)
        bare = t.str.contains(r"^0?\d{8,12}$")
        # bare digits count only beside numbers written like phones ("+39 ..." and "0942104894")
        if (shaped & formatted).sum() < 0.1 * max(1, int(t.is_not_null().sum())):
            bare = bare & False
        shaped = shaped & (formatted | bare)
    return shaped & ~t.str.contains(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def parse_phones(values: list[str]) -> list[bool]:
    """Tell, per candidate, whether `phonenumbers` reads it as a possible number of some region."""
    import phonenumbers

    out = []
    for v in values:  # only the capped candidates of one column reach this loop
        ok = False
        for region in (None,) if v.startswith("+") else PHONE_REGIONS:
            try:
                num = phonenumbers.parse(v, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(num) and phonenumbers.is_valid_number(num):
                ok = True
                break
        out.append(ok)
    return out
