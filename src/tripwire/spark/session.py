"""Spark's own prerequisites: pyspark importable, a Java runtime, a session, tripwire on executors."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from tripwire.errors import TripwireError
from tripwire.extras import require

#: what to install when there is no Java runtime (Spark 4 runs on Java 17 or 21)
JAVA_HINT = ("install a Java runtime (17 or 21), e.g. `apt-get install openjdk-17-jre-headless`, "
             "or set JAVA_HOME")


#: Spark's logging in sessions tripwire starts: errors only, and no stack trace for a failed task
#: (tripwire reports the failure itself, in one line). The shell's own loggers are set to the
#: root's level, so Spark does not announce a level change on start.
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = off
logger.tasks.name = org.apache.spark.scheduler.TaskSetManager
logger.tasks.level = off
logger.runner.name = org.apache.spark.api.python.PythonRunner
logger.runner.level = off
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
logger.submit.name = org.apache.spark.deploy.SparkSubmit
logger.submit.level = error
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""


class SparkUnavailableError(TripwireError):
    """Spark cannot start here (no Java runtime, or the session failed to start)."""


def is_spark_frame(data: Any) -> bool:
    """Tell whether `data` is a Spark DataFrame (classic or Connect), without importing pyspark."""
    return any(c.__name__ == "DataFrame" and c.__module__.startswith("pyspark.sql")
               for c in type(data).__mro__)


def require_pyspark() -> None:
    """Raise MissingExtraError (install tripwire[spark]) when pyspark cannot be imported."""
    require("pyspark", "running on Spark")


def java_home() -> str | None:
    """Return where the Java runtime is ($JAVA_HOME, else `java` on the PATH), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return home
    java = shutil.which("java")
    return os.path.dirname(os.path.dirname(os.path.realpath(java))) if java else None


def session(master: str = "local[2]", *, app: str = "tripwire", conf: dict[str, str] | None = None) -> Any:
    """Return a SparkSession (the active one, else a new one on `master`), Python workers on this Python.

    Raise SparkUnavailableError, one line naming what to install, when there is no Java.
    """
    require_pyspark()
    import warnings

    # pyspark warns about pandas 3 on every import of its pandas glue; tripwire hands it Arrow
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if java_home() is None:
        raise SparkUnavailableError(f"Spark needs a Java runtime and none was found: {JAVA_HINT}")
    # RDD jobs start workers with $PYSPARK_PYTHON, SQL ones with the conf below: both this Python
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app)
               # executors run this interpreter, so they import the same tripwire and pyarrow
               .config("spark.pyspark.python", sys.executable)
               .config("spark.pyspark.driver.python", sys.executable)
               .config("spark.executorEnv.PYTHONPATH", _python_path())
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "8")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_log_config()}"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")  # a JVM started before (same process) keeps its own config
    except Exception as exc:  # the JVM's failure arrives as a long Py4J/Java error: keep its first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkUnavailableError(f"Spark did not start on {master}: {first}; {JAVA_HINT}") from exc
    if "spark.sql.files.minPartitionNum" not in (conf or {}):
        # files split into at least 4 partitions per core: 3 partitions on 2 cores left one
        # core idle for a third of the pass (Spark's default aims at one per core)
        cores = spark.sparkContext.defaultParallelism
        spark.conf.set("spark.sql.files.minPartitionNum", str(4 * cores))
    return spark


def spark_reason(exc: BaseException) -> str:
    """Return the first line of what really failed in a Spark error (the root Java cause when there is one)."""
    cause = getattr(exc, "java_exception", None)
    if cause is not None:
        try:
            while cause.getCause() is not None:
                cause = cause.getCause()
            text = str(cause.toString())
        except Exception:  # the JVM is gone: keep the Python side's message
            text = str(exc)
    else:
        text = str(exc)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(exc).__name__


def _log_config() -> str:
    """Return the path of LOG4J2 as a file (written once per user temp folder)."""
    import hashlib
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"tripwire-log4j2-{hashlib.sha1(LOG4J2.encode()).hexdigest()[:8]}.properties")
    if not os.path.exists(path):
        temp = f"{path}.{os.getpid()}"
        with open(temp, "w", encoding="utf-8") as fh:
            fh.write(LOG4J2)
        os.replace(temp, path)  # atomic: two sessions starting at once both see a whole file
    return path


def _python_path() -> str:
    """Return a PYTHONPATH under which local executors import this very tripwire."""
    # this file is tripwire/spark/session.py: three levels up is the folder that holds tripwire/
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rest = os.environ.get("PYTHONPATH", "")
    return here + (os.pathsep + rest if rest else "")


def read(spark: Any, path: str) -> Any:
    """Return `path` as a Spark DataFrame, its format from the extension (a folder: Parquet)."""
    from tripwire.errors import UsageError

    lower = path.lower().rstrip("/")
    if lower.endswith((".csv", ".csv.gz", ".tsv")):
        sep = "\t" if lower.endswith(".tsv") else ","
        return spark.read.csv(path, header=True, inferSchema=True, sep=sep)
    if lower.endswith((".jsonl", ".json", ".ndjson", ".jsonl.gz")):
        return spark.read.json(path)
    if lower.endswith(".orc"):
        return spark.read.orc(path)
    try:
        return spark.read.parquet(path)
    except Exception as exc:  # Spark's AnalysisException or a Java error: keep what really failed
        raise UsageError(f"{path}: Spark cannot read it as Parquet: {spark_reason(exc)}") from exc
