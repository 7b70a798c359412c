"""Check a posted ingest body field by field before anything reads or stores it.

The layout is the one `DatasetProfile.to_dict()` writes (and `Report.to_dict()` for a posted
report). Every field is checked for its type, range and length; the first problem is raised
as an `InputError` naming the field's path (`profile.columns[3].frequent.total`), which the
server answers with 422. Keys this version does not know are ignored, as `from_dict` ignores
them. After the layout, `load_ingest` rebuilds the profile and the report and touches what
the pages will read, so a body that passes can be stored and shown.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from typing import Any

from tripwire.errors import InputError
from tripwire.profiling.dataset import PROFILE_FORMAT

#: bounds of what one posted batch may hold (a real profile is far below each)
MAX_COLUMNS = 20_000
MAX_NAME = 1_000
MAX_COLUMN_NAME = 300  # the store's column-metrics key
MAX_TEXT = 20_000
MAX_ITEMS = 100_000
MAX_COUNT = 2**62  # counts are summed across batches: keep headroom below int64
MAX_SAMPLE_ROWS = 1_000_000
MAX_FINDINGS = 10_000
MAX_EVIDENCE_DEPTH = 8
KINDS = ("numeric", "boolean", "temporal", "string", "binary", "nested", "null")
CHECK_STATUSES = ("passed", "failed", "skipped", "unknown")
SEVERITIES = ("error", "warning", "info")
_CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
_MODEL = re.compile(r"^[^@]{1,200}(@[^@]{1,100})?$")
_FINGERPRINT = re.compile(r"^rowhash64:[0-9a-f]{1,16}$")

Check = Callable[[Any, str], None]


class _Invalid(Exception):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or 'body'}: {problem}")
        self.path = path or "body"
        self.problem = problem


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ---- field checks --------------------------------------------------------------------------
def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__.replace("str", "text").replace("dict", "object")


def integer(lo: int = 0, hi: int = MAX_COUNT) -> Check:
    """Accept an int in [lo, hi] (never a bool, a float or a numeric string)."""
    def check(v: Any, path: str) -> None:
        if not isinstance(v, int) or isinstance(v, bool):
            raise _Invalid(path, f"must be an integer, not {_kind(v)}")
        if not lo <= v <= hi:
            raise _Invalid(path, f"must be between {lo:,} and {hi:,}, not {_short(v)}")
    return check


def number(*, nullable: bool = False) -> Check:
    """Accept a finite int or float (JSON has no NaN or infinity)."""
    def check(v: Any, path: str) -> None:
        if v is None and nullable:
            return
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise _Invalid(path, f"must be a number, not {_kind(v)}")
        if isinstance(v, int) and abs(v) > 2**1023:
            raise _Invalid(path, "is too large for a float")
        if isinstance(v, float) and not math.isfinite(v):
            raise _Invalid(path, "must be finite")
    return check


def text(max_len: int = MAX_TEXT, *, nullable: bool = False, choices: tuple[str, ...] = (),
         pattern: re.Pattern[str] | None = None) -> Check:
    """Accept a string of bounded length, optionally one of `choices` or matching `pattern`."""
    def check(v: Any, path: str) -> None:
        if v is None and nullable:
            return
        if not isinstance(v, str):
            raise _Invalid(path, f"must be text, not {_kind(v)}")
        if len(v) > max_len:
            raise _Invalid(path, f"is {len(v):,} characters long (at most {max_len:,})")
        if choices and v not in choices:
            raise _Invalid(path, f"must be one of {', '.join(choices)}, not {_short(v)}")
        if pattern is not None and not pattern.match(v):
            raise _Invalid(path, f"is not in the expected form ({_short(v)})")
    return check


def base64_text(max_len: int) -> Check:
    """Accept base64 text that decodes."""
    def check(v: Any, path: str) -> None:
        text(max_len)(v, path)
        try:
            base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise _Invalid(path, "is not valid base64") from None
    return check


def listof(item: Check, max_len: int = MAX_ITEMS, *, nullable: bool = False) -> Check:
    """Accept a list of bounded length whose items all pass `item`."""
    def check(v: Any, path: str) -> None:
        if v is None and nullable:
            return
        if not isinstance(v, list):
            raise _Invalid(path, f"must be a list, not {_kind(v)}")
        if len(v) > max_len:
            raise _Invalid(path, f"has {len(v):,} items (at most {max_len:,})")
        for i, x in enumerate(v):
            item(x, f"{path}[{i}]")
    return check


def mapping(values: Check, max_len: int = 1_000, key_len: int = 200) -> Check:
    """Accept an object with short keys whose values all pass `values`."""
    def check(v: Any, path: str) -> None:
        if not isinstance(v, dict):
            raise _Invalid(path, f"must be an object, not {_kind(v)}")
        if len(v) > max_len:
            raise _Invalid(path, f"has {len(v):,} keys (at most {max_len:,})")
        for k, x in v.items():
            if len(k) > key_len:
                raise _Invalid(path, f"has a key of {len(k):,} characters (at most {key_len})")
            values(x, _join(path, k))
    return check


def obj(fields: dict[str, Check], optional: tuple[str, ...] = (), *, nullable: bool = False) -> Check:
    """Accept an object holding every field of `fields` (those in `optional` may be absent)."""
    def check(v: Any, path: str) -> None:
        if v is None and nullable:
            return
        if not isinstance(v, dict):
            raise _Invalid(path, f"must be an object, not {_kind(v)}")
        for name, field_check in fields.items():
            if name not in v:
                if name in optional:
                    continue
                raise _Invalid(_join(path, name), "is missing")
            field_check(v[name], _join(path, name))
    return check


def json_value(depth: int = MAX_EVIDENCE_DEPTH) -> Check:
    """Accept any JSON value nested at most `depth` levels, with bounded strings and numbers."""
    def check(v: Any, path: str, level: int = 0) -> None:
        if level > depth:
            raise _Invalid(path, f"is nested more than {depth} levels deep")
        if isinstance(v, dict):
            mapping(lambda x, p: check(x, p, level + 1), max_len=MAX_ITEMS)(v, path)
        elif isinstance(v, list):
            listof(lambda x, p: check(x, p, level + 1))(v, path)
        elif isinstance(v, str):
            text()(v, path)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            number()(v, path)
    return check


# ---- the profile layout ----------------------------------------------------------------------
def _opt_int(hi: int = MAX_COUNT) -> Check:
    def check(v: Any, path: str) -> None:
        if v is not None:
            integer(0, hi)(v, path)
    return check


_MOMENTS = obj({"n": integer(), "mean": number(), "m2": number(), "m3": number(), "m4": number()})
_BIN = listof(integer(), max_len=2)
_NUMBERS = obj({
    "min": number(nullable=True), "max": number(nullable=True), "moments": _MOMENTS,
    "quantiles": obj({"kll": base64_text(50_000_000)}),
    "zeros": integer(), "negatives": integer(), "integral": integer(),
    "magnitudes": obj({"positive": listof(_BIN, 1_000), "negative": listof(_BIN, 1_000)},
                      ("positive", "negative"), nullable=True),
}, ("min", "max", "zeros", "negatives", "integral", "magnitudes"), nullable=True)


def _item(v: Any, path: str) -> None:
    """A frequent item: [value, count], the value a scalar (or a flat list, for nested columns)."""
    if not isinstance(v, list) or len(v) != 2:
        raise _Invalid(path, "must be a [value, count] pair")
    value, count = v
    if isinstance(value, dict):
        raise _Invalid(f"{path}[0]", "must be a value, not an object")
    if isinstance(value, list):
        listof(json_value(0), 1_000)(value, f"{path}[0]")
        if any(isinstance(x, (list, dict)) for x in value):
            raise _Invalid(f"{path}[0]", "must be a value, not a nested list")
    else:
        json_value(0)(value, f"{path}[0]")
    integer(1)(count, f"{path}[1]")


def _frequent(max_items: int) -> Check:
    return obj({"capacity": integer(1, 1_000_000), "total": integer(), "error": integer(),
                "items": listof(_item, max_items)})


_TEXT = obj({
    "lengths": _MOMENTS, "min_length": _opt_int(), "max_length": _opt_int(),
    "parses": mapping(integer(), 100), "disguised_nulls": integer(),
    "char_classes": mapping(integer(), 100), "examples": mapping(listof(text(MAX_TEXT), 100), 100),
    "patterns": _frequent(10_000),
}, ("min_length", "max_length", "parses", "disguised_nulls", "char_classes", "examples"), nullable=True)

_COLUMN = obj({
    "name": text(MAX_COLUMN_NAME), "physical_type": text(1_000), "kind": text(choices=KINDS),
    "count": integer(), "nulls": integer(), "nan": integer(), "inf": integer(), "true_count": integer(),
    "numbers": _NUMBERS, "text": _TEXT, "frequent": _frequent(MAX_ITEMS),
    "distinct": obj({"p": integer(4, 18), "hll": base64_text(400_000)}),
}, ("nan", "inf", "true_count", "numbers", "text"))


def _config(v: Any, path: str) -> None:
    # ProfileConfig(**config) takes exactly these keys, so no other key may come through
    obj({"sample_rows": integer(0, MAX_SAMPLE_ROWS), "seed": integer(0, 2**63 - 1),
         "frequent_capacity": integer(1, 1_000_000)}, ("sample_rows", "seed", "frequent_capacity"))(v, path)
    for key in v:
        if key not in ("sample_rows", "seed", "frequent_capacity"):
            raise _Invalid(f"{path}.{key}", "is not a profile setting")


PROFILE = obj({
    "format": text(100, choices=("tripwire-profile",)),
    "format_version": integer(0, PROFILE_FORMAT),
    "name": text(MAX_NAME, nullable=True),
    "rows": integer(),
    "fingerprint": text(100, pattern=_FINGERPRINT),
    "created_at": text(100),
    "source": mapping(json_value(4), 1_000),
    "notes": listof(text(MAX_TEXT), 1_000),
    "config": _config,
    "columns": listof(_COLUMN, MAX_COLUMNS),
    "sample": obj({"capacity": integer(0, MAX_SAMPLE_ROWS), "seed": integer(0, 2**63 - 1),
                   "arrow": lambda v, p: None if v is None else base64_text(30_000_000)(v, p)}, ("seed", "arrow")),
}, ("format_version", "name", "fingerprint", "created_at", "source", "notes", "config"))

_DATASET_INFO = obj({"name": text(MAX_NAME, nullable=True), "rows": integer(), "columns": integer(0, MAX_COLUMNS),
                     "fingerprint": text(100, nullable=True)}, ("name", "fingerprint"))
_FINDING = obj({
    "code": text(100, pattern=_CODE), "severity": text(choices=SEVERITIES),
    "columns": listof(text(MAX_NAME), 1_000), "title": text(MAX_TEXT), "evidence": mapping(json_value(), 1_000),
    "rows": listof(integer(), 1_000), "fix": text(MAX_TEXT), "detector": text(200), "message": text(MAX_TEXT),
}, ("columns", "evidence", "rows", "fix", "detector", "message"))
REPORT = obj({
    "command": text(100), "dataset": _DATASET_INFO,
    "findings": listof(_FINDING, MAX_FINDINGS),
    "checks": listof(obj({"name": text(1_000), "status": text(choices=CHECK_STATUSES), "reason": text(MAX_TEXT)},
                         ("reason",)), MAX_FINDINGS),
    "reference": lambda v, p: None if v is None else _DATASET_INFO(v, p),
    "quarantine": lambda v, p: None if v is None else mapping(json_value(3), 1_000)(v, p),
}, ("findings", "checks", "reference", "quarantine"))

BODY = obj({
    "profile": PROFILE,
    "report": lambda v, p: None if v is None else REPORT(v, p),
    "source": text(2_000, nullable=True), "model": text(300, nullable=True, pattern=_MODEL),
    "trained_on": text(64, nullable=True),
}, ("report", "source", "model", "trained_on"))


# ---- relations between fields ------------------------------------------------------------------
def _consistent(profile: dict[str, Any]) -> None:
    """Check what one field says about another (counts within rows, unique names, ...)."""
    rows = profile["rows"]
    seen: set[str] = set()
    for i, col in enumerate(profile["columns"]):
        path = f"profile.columns[{i}]"
        if col["name"] in seen:
            raise _Invalid(f"{path}.name", f"repeats the column name {_short(col['name'])}")
        seen.add(col["name"])
        count = col["count"]
        if count > rows:
            raise _Invalid(f"{path}.count", f"is {count:,}, more than the profile's {rows:,} rows")
        if col["nulls"] + col.get("nan", 0) > count:
            raise _Invalid(f"{path}.nulls", f"nulls and NaN ({col['nulls'] + col.get('nan', 0):,}) exceed "
                                            f"the count ({count:,})")
        for key in ("inf", "true_count"):
            if col.get(key, 0) > count:
                raise _Invalid(f"{path}.{key}", f"exceeds the count ({count:,})")
        freq = col["frequent"]
        if freq["total"] > count:
            raise _Invalid(f"{path}.frequent.total", f"exceeds the count ({count:,})")
        if sum(c for _, c in freq["items"]) > freq["total"]:
            raise _Invalid(f"{path}.frequent.items", "counts add up to more than frequent.total")
        if len(base64.b64decode(col["distinct"]["hll"])) != 1 << col["distinct"]["p"]:
            raise _Invalid(f"{path}.distinct.hll", "does not hold 2**p registers")
        num = col.get("numbers")
        if num:
            _numbers_consistent(num, count, f"{path}.numbers")


def _numbers_consistent(num: dict[str, Any], count: int, path: str) -> None:
    from tripwire.profiling.stats.numeric import MAG_BINS

    n = num["moments"]["n"]
    if n > count:
        raise _Invalid(f"{path}.moments.n", f"exceeds the column's count ({count:,})")
    lo, hi = num.get("min"), num.get("max")
    if n and (lo is None or hi is None):
        raise _Invalid(f"{path}.min", "is missing while the column has numbers")
    if lo is not None and hi is not None and lo > hi:
        raise _Invalid(f"{path}.min", "is larger than max")
    for key in ("zeros", "negatives", "integral"):
        if num.get(key, 0) > n:
            raise _Invalid(f"{path}.{key}", f"exceeds the number of values ({n:,})")
    for sign, bins in (num.get("magnitudes") or {}).items():
        for j, pair in enumerate(bins):
            if len(pair) != 2 or pair[0] >= MAG_BINS:
                raise _Invalid(f"{path}.magnitudes.{sign}[{j}]", f"must be [bin < {MAG_BINS}, count]")
    try:
        from datasketches import kll_doubles_sketch

        sketch = kll_doubles_sketch.deserialize(base64.b64decode(num["quantiles"]["kll"]))
    except Exception:
        raise _Invalid(f"{path}.quantiles.kll", "is not a quantile sketch") from None
    if sketch.n != n:
        raise _Invalid(f"{path}.quantiles.kll", f"summarises {sketch.n:,} values, not moments.n ({n:,})")


def check_ingest_body(body: Any) -> None:
    """Raise an InputError naming the first field of an ingest body that is not right."""
    try:
        BODY(body, "")
        _consistent(body["profile"])
    except _Invalid as exc:
        raise InputError(f"{exc.path}: {exc.problem}",
                         hint="post what `tripwire profile DATA -o profile.json` writes") from None
    except RecursionError:
        raise InputError("the body is nested too deeply") from None


def load_ingest(body: Any) -> tuple[Any, Any]:
    """Check an ingest body; return its profile and posted report (or None), both readable.

    Beyond the layout, rebuild both objects and compute what the pages show (quantiles,
    top values, the row sample, the JSON that is stored), so a batch that passes here can
    always be shown later.
    """
    from tripwire.profiling import DatasetProfile
    from tripwire.report import Report

    check_ingest_body(body)
    step = "profile"
    try:
        profile = DatasetProfile.from_dict(body["profile"])
        step = "profile.sample.arrow"
        sample = profile.sample.rows()
        if sample is not None:
            sample.validate(full=True)
            if sample.num_rows > profile.sample.capacity:
                raise ValueError("holds more rows than its capacity")
            if "__row__" not in sample.column_names:
                raise ValueError("has no __row__ column")
        step = "profile.columns"
        for col in profile.columns.values():
            step = f"profile.columns[{col.name!r}]"
            col.top(10)
            _ = col.distinct_count, col.inferred_type, col.missing
            if col.numbers.n:
                col.numbers.quantiles.quantiles([0.005, 0.5, 0.995])
                col.numbers.quantiles.cdf([col.numbers.min, col.numbers.max])
        step = "profile"
        profile.summary_rows()
        profile.to_json()
        step = "report"
        report = Report.from_dict(body["report"]) if body.get("report") is not None else None
        if report is not None:
            report.to_json()
    except InputError:
        raise
    except Exception as exc:  # a field combination the layout check let through
        raise InputError(f"{step}: cannot be read ({type(exc).__name__}: {_short(str(exc), 200)})",
                         hint="post what `tripwire profile DATA -o profile.json` writes") from None
    return profile, report


def _short(value: Any, limit: int = 60) -> str:
    text_ = repr(value)
    return text_ if len(text_) <= limit else text_[: limit - 1] + "…"
