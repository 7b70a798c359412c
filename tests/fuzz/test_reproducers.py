"""Reproducers of what the fuzzing found outside io, each through the CLI in a worker."""

from __future__ import annotations

import pytest
from tests.fuzz.harness import Worker, run_input
from tests.fuzz.malformed import Malformed


@pytest.fixture(scope="module")
def worker():
    w = Worker(time_limit=20.0)
    yield w
    w.close()


def _failures(worker, tmp_path, name: str, data: bytes) -> list:
    outcomes = list(run_input(worker, Malformed("reproducer", name, data), tmp_path))
    return [f"{o.outcome} {o.operation}: {o.message}\n{o.traceback}" for o in outcomes
            if o.outcome not in ("result", "clean")]


def test_html_shows_the_last_microsecond_of_year_9999(worker, tmp_path):
    # as float seconds it rounds into the year 10000: datetime raised ValueError
    data = b"v,n\n9999-12-31T23:59:59.999999,1\n2024-01-01T00:00:00,2\n"
    assert not _failures(worker, tmp_path, "y10k.csv", data)


def test_a_one_megabyte_cell_does_not_hang_the_html_report(worker, tmp_path):
    # the e-mail regex of the masking went quadratic on one long cell (over 60 s)
    data = b"id,text\n1," + b"a@" * 500_000 + b"\n2,short\n"
    assert not _failures(worker, tmp_path, "long.csv", data)


def test_every_odd_column_type_runs_through_every_command(worker, tmp_path):
    # decimal256, duration, interval, run-end, union, dates past 9999, ...: each becomes
    # something every command handles, or one clean line (found: Polars panics, casts)
    import random

    from tests.fuzz.malformed import ipc_file_bytes, odd_tables

    failures = []
    for name, table in odd_tables(random.Random(3)):
        failures += _failures(worker, tmp_path, f"{name}.arrow", ipc_file_bytes(table))
    assert not failures, "\n".join(failures)
