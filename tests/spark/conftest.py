"""One SparkSession for every Spark test: local[2,4] (two cores, a task may fail 3 times)."""

from __future__ import annotations

import pytest

from tests.conftest import skip_or_fail


@pytest.fixture(scope="session")
def spark():
    """Return a local SparkSession; skip without pyspark or Java (fail under CI=true)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("pyspark is not installed (pip install 'tripwire[spark]')")
    from tripwire.spark.session import SparkUnavailableError, session

    try:
        spark = session("local[2,4]", conf={"spark.sql.shuffle.partitions": "4",
                                            "spark.default.parallelism": "4",
                                            # naive pandas timestamps stay naive, as in tripwire.profile
                                            "spark.sql.timestampType": "TIMESTAMP_NTZ"})
    except SparkUnavailableError as exc:
        skip_or_fail(str(exc))
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()
