"""Profile one column of one batch, and merge column profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from polars.exceptions import PanicException

from tripwire.arrays import to_numpy
from tripwire.errors import InputError
from tripwire.profiling.stats.distinct import DistinctSketch
from tripwire.profiling.stats.frequent import DEFAULT_CAPACITY, FrequentItems
from tripwire.profiling.stats.numeric import NumericStats
from tripwire.profiling.stats.text import TextStats, text_stats

#: kinds of column, decided from the Arrow type
KINDS = ("numeric", "boolean", "temporal", "string", "binary", "nested", "null")

#: a string column is typed as a parse kind when at least this share of its real values parse
TYPE_SHARE = 1.0


@dataclass
class ColumnProfile:
    """Everything tripwire knows about one column: counts, types, sketches, text statistics.

    `numbers` summarises the column's finite numbers: native numbers, temporal values as
    epoch seconds, or the values of a text column that parse as numbers. `text` is set for
    string columns. `frequent` holds the most common non-null values (NaN excluded).
    """

    name: str
    physical_type: str
    kind: str
    count: int = 0
    nulls: int = 0
    nan: int = 0
    inf: int = 0
    true_count: int = 0
    numbers: NumericStats = field(default_factory=NumericStats)
    text: TextStats | None = None
    frequent: FrequentItems = field(default_factory=FrequentItems)
    distinct: DistinctSketch = field(default_factory=DistinctSketch)

    # ---- derived figures -------------------------------------------------------------------
    @property
    def non_null(self) -> int:
        """Return the number of values that are neither null nor NaN."""
        return self.count - self.nulls - self.nan

    @property
    def null_share(self) -> float:
        """Return the share of rows that are null or NaN (disguised nulls not included)."""
        return (self.nulls + self.nan) / self.count if self.count else 0.0

    @property
    def missing(self) -> int:
        """Return null + NaN + disguised-null values ('', 'N/A', '-', ...)."""
        return self.nulls + self.nan + (self.text.disguised_nulls if self.text else 0)

    @property
    def distinct_exact(self) -> bool:
        """Tell whether `distinct_count` is exact (every value was counted)."""
        return self.frequent.distinct is not None and self.frequent.total == self.non_null

    @property
    def distinct_count(self) -> float:
        """Return the number of distinct non-null values: exact when small, else estimated.

        The estimate (HyperLogLog, ~1.6% standard error) is never above the non-null count
        nor below the number of values known to be distinct.
        """
        if self.distinct_exact:
            return float(self.frequent.distinct)  # type: ignore[arg-type]
        estimate = max(self.distinct.estimate(), float(len(self.frequent.counts)))
        return float(min(round(estimate), self.non_null))

    # ---- the one accessor per figure a user sees ---------------------------------------------
    def quantile(self, q: float) -> float | None:
        """Return the value at rank q of the column's numbers (None when it has none).

        Linear interpolation between order statistics (numpy's and pandas' default): exact
        while the column is below the exact limit, else within `accuracy()["rank_error"]`.
        Every renderer shows quantiles through this method, so they all agree.
        """
        out = self.quantiles([q])
        return None if out is None else out[0]

    def quantiles(self, qs: list[float]) -> list[float] | None:
        """Return the values at ranks qs (see `quantile`), None when the column has no numbers."""
        num = self.numbers
        if num.n == 0:
            return None
        values = num.quantiles.quantiles(qs)
        # a sketch may miss the extremes: the exact min and max are ranks 0 and 1 and bound the rest
        return [float(num.min if q <= 0 else num.max if q >= 1 else min(max(v, num.min), num.max))  # type: ignore[type-var]
                for q, v in zip(qs, values, strict=True)]

    @property
    def median(self) -> float | None:
        """Return the median of the column's numbers (None when it has none)."""
        return self.quantile(0.5)

    def accuracy(self) -> dict[str, Any]:
        """Return which figures are exact and the stated error of those that are not."""
        q = self.numbers.quantiles
        return {
            "quantiles_exact": q.exact,
            "rank_error": q.rank_error,
            "distinct_exact": self.distinct_exact,
            "distinct_relative_error": 0.0 if self.distinct_exact else self.distinct.relative_error,
            "top_exact": self.frequent.counts_exact,
            "top_error": self.frequent.error,
        }

    @property
    def inferred_type(self) -> str:
        """Return the logical type: int, float, bool, date, datetime, string, or empty."""
        if self.non_null == 0:
            return "empty"
        if self.kind == "numeric":
            return "int" if self.physical_type.startswith(("int", "uint")) else "float"
        if self.kind == "boolean":
            return "bool"
        if self.kind == "temporal":
            return "date" if self.physical_type.startswith("date") else "datetime"
        if self.kind == "string" and self.text is not None:
            real = self.non_null - self.text.disguised_nulls
            if real <= 0:
                return "empty"
            for kind in ("int", "float", "bool", "date", "datetime"):
                if self.text.parses.get(kind, 0) >= TYPE_SHARE * real:
                    return kind
            return "string"
        return self.kind

    def parse_share(self, kind: str) -> float:
        """Return the share of real (non-null, non-disguised) string values parsing as kind."""
        if self.text is None:
            return 0.0
        real = self.non_null - self.text.disguised_nulls
        return self.text.parses.get(kind, 0) / real if real > 0 else 0.0

    def top(self, n: int = 10) -> list[tuple[Any, int]]:
        """Return the n most frequent values with counts."""
        return self.frequent.top(n)

    # ---- merge and JSON --------------------------------------------------------------------
    def merged(self, other: ColumnProfile) -> ColumnProfile:
        """Return the profile of the column over both inputs."""
        if self.count == 0 and self.kind == "null":
            return other if other.name == self.name else _renamed(other, self.name)
        if other.count == 0 and other.kind == "null":
            return self
        kind = self.kind if self.kind == other.kind else _common_kind(self.kind, other.kind)
        ptype = self.physical_type if self.physical_type == other.physical_type else "mixed"
        if self.text is None:
            text = other.text
        elif other.text is None:
            text = self.text
        else:
            text = self.text.merged(other.text)
        return ColumnProfile(
            name=self.name,
            physical_type=ptype,
            kind=kind,
            count=self.count + other.count,
            nulls=self.nulls + other.nulls,
            nan=self.nan + other.nan,
            inf=self.inf + other.inf,
            true_count=self.true_count + other.true_count,
            numbers=self.numbers.merged(other.numbers),
            text=text,
            frequent=self.frequent.merged(other.frequent),
            distinct=self.distinct.merged(other.distinct),
        )

    def settle(self) -> None:
        """Consolidate the exact states now (otherwise done on first read)."""
        quantiles = self.numbers.quantiles
        shared = self._shares_exact_arrays()
        self.frequent.settle(quantiles.exact_values() if shared else None)
        quantiles.exact_values()
        if self.numbers.n:
            self.numbers.moments  # noqa: B018 - exact moments, computed here in the pool, not serially on first read
        if self.text is not None:
            self.text.patterns.settle()

    def consolidate(self) -> None:
        """Sum each exact state's parts into one, still exact and uncut (a partial profile, before it ships)."""
        quantiles = self.numbers.quantiles
        shared = self._shares_exact_arrays()
        values = quantiles.exact_values()
        self.frequent.consolidate(values if shared else None)
        if self.text is not None:
            self.text.patterns.consolidate()

    def _shares_exact_arrays(self) -> bool:
        """Tell whether frequent items and quantiles hold the same arrays (a float column's): merge them once."""
        mine, theirs = self.frequent.pending(), self.numbers.quantiles.pending()
        return bool(mine) and len(mine) == len(theirs) and all(
            isinstance(a, tuple) and a[0] is b[0] and a[1] is b[1] for a, b in zip(mine, theirs, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """Return JSON."""
        return {
            "name": self.name,
            "physical_type": self.physical_type,
            "kind": self.kind,
            "count": self.count,
            "nulls": self.nulls,
            "nan": self.nan,
            "inf": self.inf,
            "true_count": self.true_count,
            "numbers": self.numbers.to_dict() if self.numbers.n else None,
            "text": self.text.to_dict() if self.text is not None else None,
            "frequent": self.frequent.to_dict(),
            "distinct": self.distinct.to_dict(),
            "distinct_count": self.distinct_count,
            "accuracy": self.accuracy(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnProfile:
        """Rebuild from JSON."""
        return cls(
            name=data["name"],
            physical_type=data["physical_type"],
            kind=data["kind"],
            count=int(data["count"]),
            nulls=int(data["nulls"]),
            nan=int(data.get("nan", 0)),
            inf=int(data.get("inf", 0)),
            true_count=int(data.get("true_count", 0)),
            numbers=NumericStats.from_dict(data["numbers"]) if data.get("numbers") else NumericStats(),
            text=TextStats.from_dict(data["text"]) if data.get("text") else None,
            frequent=FrequentItems.from_dict(data["frequent"]),
            distinct=DistinctSketch.from_dict(data["distinct"]),
        )

    @classmethod
    def empty(cls, name: str) -> ColumnProfile:
        """Return the identity of merge for a column."""
        return cls(name=name, physical_type="null", kind="null")


def kind_of(dtype: pa.DataType) -> str:
    """Return the column kind of an Arrow type."""
    t = pa.types
    if t.is_null(dtype):
        return "null"
    if t.is_boolean(dtype):
        return "boolean"
    if t.is_integer(dtype) or t.is_floating(dtype) or t.is_decimal(dtype):
        return "numeric"
    if t.is_temporal(dtype):
        return "temporal"
    if t.is_string(dtype) or t.is_large_string(dtype) or getattr(t, "is_string_view", lambda _: False)(dtype):
        return "string"
    if t.is_binary(dtype) or t.is_large_binary(dtype) or t.is_fixed_size_binary(dtype):
        return "binary"
    if t.is_dictionary(dtype):
        return kind_of(dtype.value_type)
    return "nested"


def profile_column(name: str, array: pa.Array | pa.ChunkedArray,
                   capacity: int = DEFAULT_CAPACITY) -> ColumnProfile:
    """Profile one column of one batch; knows nothing of where the batch came from.

    A column whose values the engines cannot handle (a Rust panic, an Arrow or Polars error)
    keeps its counts and nulls and is profiled as its text when that works; else an InputError
    names the column.
    """
    try:
        return _profile_column(name, array, capacity)
    except (PanicException, pl.exceptions.PolarsError, pa.ArrowException, OverflowError,
            ValueError, TypeError) as exc:
        if kind_of(array.type) in ("string", "null"):
            raise InputError(f"cannot profile column {name!r} ({array.type}): {_first_line(exc)}",
                             hint="check the column's values or drop it") from None
        prof = ColumnProfile(name=name, physical_type=str(array.type), kind=kind_of(array.type),
                             count=len(array), nulls=array.null_count)
        try:
            text = _as_text(array)
        except (pa.ArrowException, ValueError, TypeError):
            return prof  # counts and nulls are still right
        as_text = _profile_column(name, text, capacity)
        prof.frequent, prof.distinct = as_text.frequent, as_text.distinct
        return prof


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _as_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return the values as strings (Arrow's cast, else each value's repr: a rare fallback)."""
    try:
        return pc.cast(array, pa.large_string())
    except (pa.ArrowException, ValueError, TypeError):
        return pa.array([None if v is None else repr(v) for v in array.to_pylist()], pa.large_string())


def polars_ready(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return the array in a type Polars profiles: dictionaries decoded (Polars reads them as
    categoricals), decimal256 as float64 (Polars panics on it)."""
    if pa.types.is_dictionary(array.type):
        return polars_ready(pc.cast(array, array.type.value_type))
    if pa.types.is_decimal(array.type) and array.type.bit_width > 128:
        return pc.cast(array, pa.float64(), safe=False)
    return array


def _profile_column(name: str, array: pa.Array | pa.ChunkedArray, capacity: int) -> ColumnProfile:
    kind = kind_of(array.type)
    ptype = str(array.type)
    n = len(array)
    nulls = array.null_count
    prof = ColumnProfile(name=name, physical_type=ptype, kind=kind, count=n, nulls=nulls)
    if kind in ("null", "nested") or nulls == n:
        if kind == "nested" and nulls < n:
            text = _as_text(array)
            as_text = _profile_column(name, text, capacity)
            prof.frequent, prof.distinct = as_text.frequent, as_text.distinct
        return prof
    if kind == "numeric":
        _numeric(prof, polars_ready(array), capacity)
        return prof
    series = pl.Series(name, polars_ready(array))
    if kind == "boolean":
        vc = _value_counts(series.drop_nulls())
        prof.true_count = int(series.sum())
        _frequent(prof, vc, capacity)
    elif kind == "temporal":
        _temporal(prof, series, capacity)
    elif kind == "string":
        _string(prof, series, capacity)
    elif kind == "binary":
        vc = _value_counts(series.drop_nulls())
        prof.distinct.update_hashes(vc["value"].hash(seed=0).to_numpy())
    return prof


def _numeric(prof: ColumnProfile, array: pa.Array | pa.ChunkedArray, capacity: int) -> None:
    """Profile numbers in NumPy: a handful of calls per column, which matters for wide tables."""
    if pa.types.is_decimal(array.type):
        array = pc.cast(array, pa.float64(), safe=False)
    raw = to_numpy(pc.drop_null(array))
    if raw.dtype.kind == "f":
        nan = np.isnan(raw)
        prof.nan = int(nan.sum())
        if prof.nan:
            raw = raw[~nan]
        raw = raw + 0.0  # -0.0 and 0.0 are one value: keep the one whose text is "0.0"
    # sorting in NumPy beats a hash group-by for the mostly-distinct values of measured columns;
    # every statistic of the numbers comes from the distinct values and their counts
    values, counts = np.unique(raw, return_counts=True)
    floats = values.astype(np.float64, copy=False)  # float64 columns share one array
    finite = np.isfinite(floats)
    if not finite.all():
        prof.inf = int(counts[~finite].sum())
        prof.numbers = NumericStats.of(floats[finite], counts[finite])
    else:
        prof.numbers = NumericStats.of(floats, counts)
    prof.distinct.update_hashes(pl.Series("value", values).hash(seed=0).to_numpy())
    prof.frequent = FrequentItems.of_arrays(values, counts, capacity)


#: seconds per unit of a temporal type's physical value
_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}


def _temporal(prof: ColumnProfile, s: pl.Series, capacity: int) -> None:
    """Profile dates and times by their physical integers (counted in NumPy, like numbers)."""
    x = s.drop_nulls()
    values, counts = np.unique(x.to_physical().to_numpy(), return_counts=True)
    if x.dtype == pl.Date:
        scale = 86_400.0
    elif isinstance(x.dtype, (pl.Datetime, pl.Duration)):
        scale = _SECONDS[x.dtype.time_unit or "us"]
    else:  # time of day, in nanoseconds
        scale = 1e-9
    prof.numbers = NumericStats.of(values.astype(np.float64) * scale, counts)
    prof.distinct.update_hashes(pl.Series("value", values).hash(seed=0).to_numpy())
    prof.frequent = FrequentItems.of_arrays(values, counts, capacity, text_dtype=x.dtype)


def _string(prof: ColumnProfile, s: pl.Series, capacity: int) -> None:
    vc = _value_counts(s.drop_nulls())
    _frequent(prof, vc, capacity)
    _text(prof, text_stats(vc))


def _text(prof: ColumnProfile, stats: tuple[TextStats, np.ndarray, np.ndarray]) -> None:
    prof.text, numbers, weights = stats
    if numbers.size:
        finite = np.isfinite(numbers)
        prof.numbers = NumericStats.of(numbers[finite], weights[finite])


def _frequent(prof: ColumnProfile, vc: pl.DataFrame, capacity: int,
              as_text: bool = False) -> None:
    """Fill frequent items and the distinct sketch from exact per-batch value counts."""
    prof.distinct.update_hashes(vc["value"].hash(seed=0).to_numpy())
    prof.frequent = FrequentItems.of_counts(vc, capacity, as_text=as_text)


def _value_counts(s: pl.Series) -> pl.DataFrame:
    """Return distinct values and their counts as columns `value` and `count` (any column name)."""
    return s.rename("value").value_counts(name="count", parallel=True)


def _common_kind(a: str, b: str) -> str:
    if "null" in (a, b):
        return b if a == "null" else a
    if {a, b} <= {"numeric", "boolean"}:
        return "numeric"
    return "string"


def _renamed(prof: ColumnProfile, name: str) -> ColumnProfile:
    from dataclasses import replace

    return replace(prof, name=name)
