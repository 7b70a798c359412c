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


def _register_engines() -> None:
    """Let the run layer hand a Spark DataFrame to tripwire.spark (it cannot import it: spark is above)."""
    import importlib

    from tripwire import engines

    engines.register("pyspark.sql", lambda: importlib.import_module("tripwire.spark"))


_register_engines()


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'tripwire' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
