"""tripwire: visibility on the quality of ML data — profile, check, scan, drift, alert.

The public API is re-exported here lazily so `import tripwire` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tripwire._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily below
    from tripwire.contracts import Contract as Contract
    from tripwire.profiling import DatasetProfile as DatasetProfile
    from tripwire.report import CheckResult as CheckResult
    from tripwire.report import Finding as Finding
    from tripwire.report import Report as Report
    from tripwire.run import check_profile as check_profile
    from tripwire.run import drift as drift
    from tripwire.run import fix as fix
    from tripwire.run import join_check as join_check
    from tripwire.run import log as log
    from tripwire.run import profile as profile
    from tripwire.run import scan as scan

_LAZY = {
    "profile": ("tripwire.run", "profile"),
    "DatasetProfile": ("tripwire.profiling", "DatasetProfile"),
    "ColumnProfile": ("tripwire.profiling", "ColumnProfile"),
    "ProfileConfig": ("tripwire.profiling", "ProfileConfig"),
    "scan": ("tripwire.run", "scan"),
    "drift": ("tripwire.run", "drift"),
    "evaluate": ("tripwire.run", "evaluate"),
    "explain": ("tripwire.run", "explain"),
    "test_model": ("tripwire.run", "test_model"),
    "annotators": ("tripwire.run", "annotators"),
    "log": ("tripwire.run", "log"),
    "join_check": ("tripwire.run", "join_check"),
    "fix": ("tripwire.run", "fix"),
    "guard": ("tripwire.guarding", "guard"),
    "NEEDS_HUMAN": ("tripwire.guarding", "NEEDS_HUMAN"),
    "RouteRule": ("tripwire.guarding", "RouteRule"),
    "check_profile": ("tripwire.run", "check_profile"),
    "Contract": ("tripwire.contracts", "Contract"),
    "Finding": ("tripwire.report", "Finding"),
    "Report": ("tripwire.report", "Report"),
    "CheckResult": ("tripwire.report", "CheckResult"),
    "ReportError": ("tripwire.report", "ReportError"),
    "open_source": ("tripwire.io", "open_source"),
    "SqlQuery": ("tripwire.io", "SqlQuery"),
    "InputError": ("tripwire.errors", "InputError"),
    "TripwireError": ("tripwire.errors", "TripwireError"),
}

__all__ = ["__version__", *_LAZY]

#: functions that hand a Spark DataFrame given as their data to tripwire.spark's namesake
_ON_SPARK = frozenset({"profile", "scan", "drift", "log"})
#: their keywords that mean nothing on Spark (dropped rather than refused)
_NOT_ON_SPARK = frozenset({"progress", "encoding", "command"})


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'tripwire' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    if name in _ON_SPARK:
        value = _spark_aware(name, value)
    globals()[name] = value
    return value


def _spark_aware(name: str, local: Any) -> Any:
    """Return `local`, handing a Spark DataFrame given as its data to `tripwire.spark.<name>`.

    pyspark is imported only when the data is a Spark DataFrame.
    """
    import functools

    @functools.wraps(local)
    def call(data: Any, *args: Any, **kwargs: Any) -> Any:
        if not any(c.__name__ == "DataFrame" and c.__module__.startswith("pyspark.sql")
                   for c in type(data).__mro__):
            return local(data, *args, **kwargs)
        import importlib
        import inspect

        on_spark = getattr(importlib.import_module("tripwire.spark"), name)
        params = inspect.signature(on_spark).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        keep = {k: v for k, v in kwargs.items() if k in params or (takes_any and k not in _NOT_ON_SPARK)}
        unknown = sorted(set(kwargs) - set(keep) - _NOT_ON_SPARK)
        if unknown:
            from tripwire.errors import UsageError

            raise UsageError(f"tripwire.{name} of a Spark DataFrame does not take {', '.join(unknown)}")
        return on_spark(data, *args, **keep)

    return call


def __dir__() -> list[str]:
    return sorted(__all__)
