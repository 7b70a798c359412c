"""The suite file: every wrong key or value is one line naming the file and line."""

from __future__ import annotations

import pytest

from tripwire.errors import InputError
from tripwire.modeltest import Suite

GOOD = """\
suite: s
tests:
  - name: positives
    kind: mft
    cases: ["good film"]
    expect: pos
"""


def test_reads_a_suite():
    suite = Suite.loads(GOOD, "s.yaml")
    assert suite.name == "s" and suite.tests[0].kind == "mft" and suite.tests[0].cases[0][0] == "good film"


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("kind: mft", "kind: mfts"), "s.yaml:4: tests[0].kind: expected one of mft, invariance, "
     "directional (did you mean 'mft'?)"),
    (GOOD.replace("expect: pos", "expcet: pos"), "s.yaml:6: tests[0] (mft): unknown key 'expcet'; did you mean "
     "'expect'?"),
    (GOOD.replace("suite: s", "suit: s"), "s.yaml:1: unknown key 'suit'; did you mean 'suite'?"),
    (GOOD.replace("kind: mft\n", "kind: invariance\n    perturb: typo\n").replace("    expect: pos\n", ""),
     "s.yaml:5: tests[0].perturb: expected one of typos"),
    (GOOD.replace("    cases: [\"good film\"]\n", ""), "s.yaml:3: tests[0]: give the inputs"),
    (GOOD + "    min_pass_rate: 2\n", "s.yaml:7: tests[0].min_pass_rate: expected a number from 0 to 1, got 2"),
    ("tests: [\n", "s.yaml:2: not valid YAML"),
    (GOOD.replace("cases: [\"good film\"]", "template: \"a {adj} film\""), "slot {adj} has no values"),
])
def test_a_wrong_suite_is_one_line_with_its_line(text, message):
    with pytest.raises(InputError) as err:
        Suite.loads(text, "s.yaml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_directional_expectations_match_the_output():
    text = GOOD.replace("kind: mft", "kind: directional\n    perturb: negate").replace("expect: pos", "expect: up")
    with pytest.raises(InputError, match="up compares scores: use output: score"):
        Suite.loads(text, "s.yaml")


@pytest.mark.parametrize(("text", "message"), [
    # the suite reader is the one YAML schema reader: its 64-bit, NaN and key checks come with it
    (GOOD.replace("suite: s", "suite: s\nseed: 100000000000000000000000"),
     "s.yaml:2: seed: expected a whole number of at least 0 within 64-bit integers"),
    (GOOD.replace("expect: pos", "expect: pos\n    min_pass_rate: .nan"),
     "s.yaml:7: tests[0].min_pass_rate: expected a number from 0 to 1, got nan"),
    (GOOD.replace("suite: s", "suite: s\nbogus: 1"), "allowed: batch_size, class, columns, entities, frame, input"),
])
def test_suite_values_are_read_by_the_shared_yaml_schema(text, message):
    from tripwire.modeltest.suite import _Reader
    from tripwire.yamlschema import Schema

    assert issubclass(_Reader, Schema)
    with pytest.raises(InputError) as err:
        Suite.loads(text, "s.yaml")
    assert message in str(err.value)
