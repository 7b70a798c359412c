"""Scale out on Apache Spark: the same profiles, contracts, scans and drift, computed on a cluster.

The one-line change: ``import tripwire.spark as tw`` then ``tw.scan(spark_df)`` (or
``profile``, ``check``, ``drift``, ``log``). Needs ``pip install 'tripwire[spark]'``, a Java
runtime, and tripwire installed where the executors run. See docs/spark.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tripwire.spark.commands import check, drift, log, open_spark_context, scan
    from tripwire.spark.profile import SparkProfile, profile, profile_partitions
    from tripwire.spark.session import SparkUnavailableError, is_spark_frame, session

_WHERE = {
    "check": "commands", "drift": "commands", "log": "commands", "scan": "commands",
    "open_spark_context": "commands",
    "SparkProfile": "profile", "profile": "profile", "profile_partitions": "profile",
    "SparkUnavailableError": "session", "is_spark_frame": "session", "session": "session",
}

#: how tripwire.engines names this engine in its one-line refusals
ENGINE_NAME, ENGINE_DOCS = "Spark", "docs/spark.md"

__all__ = ["SparkProfile", "SparkUnavailableError", "check", "drift", "is_spark_frame", "log",
           "open_spark_context", "profile", "profile_partitions", "scan", "session"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tripwire.spark' has no attribute {name!r}")
    if module != "session":
        import_module("tripwire.spark.session").require_pyspark()
    value = getattr(import_module(f"tripwire.spark.{module}"), name)
    globals()[name] = value
    return value


# The function `profile` shares its name with the submodule `profile`, and importing that
# submodule (every tripwire.spark module does) binds the package's `profile` to the module:
# `tw.scan(df); tw.profile(df)` then called a module. Import it once here and drop that
# binding, so `profile` is always the function, resolved by __getattr__ above.
import_module("tripwire.spark.profile")
del globals()["profile"]
