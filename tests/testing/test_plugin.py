"""The pytest plugin: tripwire's assertions in a team's own tests, failures shown as readable diffs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_order(text: str, expected: list[str]) -> None:
    """Assert each expected piece appears in the text, after the previous one."""
    at = 0
    for piece in expected:
        found = text.find(piece, at)
        assert found >= 0, f"missing (in order): {piece!r}\n{text}"
        at = found + len(piece)

MODEL = '''
import numpy as np

def model(texts):
    return np.array(["pos" if "good" in t else "neg" for t in texts])
'''

SUITE = '''
tests:
  - name: upper case keeps the label
    kind: invariance
    perturb: case
    cases: ["a good film", "a dull film"]
'''


def test_the_plugin_is_registered_by_entry_point():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["pytest11"]["tripwire"] == "tripwire.pytest_plugin"


@pytest.fixture(autouse=True)
def _plugin_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the plugin module by hand in the inner runs, whether or not the package's entry
    point is installed (installed, autoloading it too would register it twice)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def test_a_failing_behaviour_test_prints_the_examples_not_a_repr(pytester: pytest.Pytester):
    pytester.makepyfile(toymodel=MODEL)
    pytester.makefile(".yaml", suite=SUITE)
    pytester.makepyfile(test_it='''
import toymodel

def test_behaviour(tripwire_behaviour):
    tripwire_behaviour("suite.yaml", toymodel.model)
''')
    result = pytester.runpytest_subprocess("-p", "tripwire.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    in_order(result.stdout.str(), [
        "test_it.py:4: tripwire_behaviour(\"suite.yaml\", toymodel.model)",
        "tripwire test-model: suite: 1 finding(s)",
        "- expected: every behavioural test at its min_pass_rate",
        "+ found:",
        "+   [model.behavior_test_failed] invariance test 'upper case keeps the label': 1 of 2 cases fail (50.0% pass, needs 95%)",
        "+       case 0: input: 'a good film'",
        "+           perturbed: 'A GOOD FILM'",
        "+           expected: same output as pos",
        "+           actual:   'neg'",
    ])
    assert "TripwireAssertion(" not in result.stdout.str() and "Traceback" not in result.stdout.str()


def test_clean_data_passes_and_dirty_data_fails_with_its_findings(pytester: pytest.Pytester):
    pytester.makefile(".csv", clean="id,price\n1,10\n2,12\n3,11\n", dirty="id,price\n1,10\n2,-5\n3,11\n")
    pytester.makefile(".yaml", contract="columns:\n  price: {min: 0}\n")
    pytester.makepyfile(test_data='''
from tripwire.testing import assert_clean

def test_clean():
    assert_clean("clean.csv", contract="contract.yaml")

def test_dirty():
    assert_clean("dirty.csv", contract="contract.yaml")
''')
    result = pytester.runpytest_subprocess("-p", "tripwire.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    in_order(result.stdout.str(), [
        "test_data.py:7: assert_clean(\"dirty.csv\", contract=\"contract.yaml\")",
        "tripwire check: dirty.csv: 1 finding(s)",
        "- expected: no error-level finding",
        "+   [data.out_of_range] price",
        "+       rows: 1",
    ])


def test_without_the_plugin_the_message_is_still_the_diff():
    from tests.modeltest import models
    from tripwire.modeltest import Suite
    from tripwire.testing import TripwireAssertion, assert_behaviour

    suite = Suite.loads("tests:\n  - {name: t, kind: mft, cases: ['good'], expect: neg}\n")
    with pytest.raises(TripwireAssertion) as err:
        assert_behaviour(suite, models.sentiment)
    assert str(err.value).splitlines()[3] == "+   [model.behavior_test_failed] mft test 't': 1 of 1 cases fail " \
        "(0.0% pass, needs 100%)"
    assert err.value.report.exit_code == 1
