"""Fuzzing on a bounded budget: malformed files of every format through every command.

Each input runs through profile (+HTML), scan (HTML), infer, check and drift in a worker
subprocess (a segfault is caught as a crash). Anything but a result or a clean one-line error
fails, with the traceback. The long run is bench/fuzz_run.py (figures in bench/RESULTS.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.fuzz.harness import Worker, run_input, run_many
from tests.fuzz.malformed import FAMILIES, make
from tests.fuzz.strategies import hostile_files

pytestmark = pytest.mark.slow  # about a minute: every command on ~40 inputs, in a subprocess


def _explain(failures) -> str:
    return "\n\n".join(f"{f.outcome} {f.operation} {f.input}: {f.message}\n{f.traceback}"
                       for f in failures)


def test_every_family_gives_results_or_clean_errors():
    # one input of each family; the seed moves every day of the year would make CI flaky,
    # so it is fixed: the long run covers other seeds
    tally = run_many((make(family, 7) for family in sorted(FAMILIES)), time_limit=20.0)
    assert tally.inputs == len(FAMILIES)
    assert not tally.failures, _explain(tally.failures)
    assert tally.counts["clean"] and tally.counts["result"]


@pytest.fixture(scope="module")
def worker():
    w = Worker(time_limit=20.0)
    yield w
    w.close()


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=hostile_files)
def test_hypothesis_inputs_give_results_or_clean_errors(worker, tmp_path_factory, item):
    workdir = Path(tmp_path_factory.mktemp("fuzz"))
    failures = [o for o in run_input(worker, item, workdir)
                if o.outcome not in ("result", "clean")]
    assert not failures, _explain(failures)
