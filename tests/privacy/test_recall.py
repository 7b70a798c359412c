"""privacy.pii recall and precision per kind, at the column level, on generated columns (faker, seeded)."""

from __future__ import annotations

import pytest

from tests.privacy.generated import NAMES, score

pytest.importorskip("faker")
pytest.importorskip("phonenumbers")


@pytest.mark.slow
def test_every_kind_reaches_the_targets():
    scores = score(seed=0)
    assert set(scores) == set(NAMES)
    for kind, s in scores.items():
        assert s["columns"] == 20
        assert s["recall"] >= 0.95, (kind, s)
        assert s["precision"] >= 0.95, (kind, s)
