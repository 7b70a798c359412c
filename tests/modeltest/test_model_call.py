"""ModelCall is the one wrapper for a user's model: test-model and explain call it the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import tripwire
from tripwire.errors import UsageError
from tripwire.explaining.predict import explain_call, predict_rows
from tripwire.modeltest.model import FRAMES, ModelCall, OutputShapeError


class Logistic:
    """A fitted two-class model that reads rows in any of the frames (pandas, Polars, Arrow, dicts)."""

    classes_ = np.array(["no", "yes"])

    def predict_proba(self, rows) -> np.ndarray:
        frame = pl.DataFrame(rows) if isinstance(rows, list) else pl.DataFrame(pl.from_pandas(rows)
                                                                                if hasattr(rows, "iloc") else rows)
        p = 1 / (1 + np.exp(-(2 * frame["a"].to_numpy() - frame["b"].to_numpy())))
        return np.column_stack([1 - p, p])

    def predict(self, rows) -> np.ndarray:
        return self.classes_[(self.predict_proba(rows)[:, 1] > 0.5).astype(int)]


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    return Logistic(), pl.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})


def test_every_frame_gives_the_same_scores_to_both_callers(fitted):
    model, table = fitted
    expected = model.predict_proba(table)[:, 1]
    for frame in FRAMES:
        np.testing.assert_allclose(ModelCall(model, "score", "yes", frame)(table), expected)
        np.testing.assert_allclose(predict_rows(explain_call(model, frame, True, "yes"), table), expected)
        # no class named: the positive (second) of two classes, for both
        np.testing.assert_allclose(ModelCall(model, "score", None, frame)(table), expected)
        np.testing.assert_allclose(predict_rows(explain_call(model, frame), table), expected)


def test_an_unknown_class_is_told_in_each_callers_own_words(fitted):
    model, table = fitted
    with pytest.raises(OutputShapeError, match=r"^class: 'maybe' is not one of the model's classes \['no', 'yes'\]$"):
        ModelCall(model, "score", "maybe")(table)
    with pytest.raises(UsageError, match=r"^--positive 'maybe' is not one of the model's classes \['no', 'yes'\]; "
                                         r"explanations need one number"):
        predict_rows(explain_call(model, positive="maybe"), table)


def test_every_class_score_comes_in_the_order_asked_for(fitted):
    model, table = fitted
    scores = model.predict_proba(table)
    np.testing.assert_allclose(ModelCall(model, "scores", classes=("yes", "no"))(table), scores[:, ::-1])
    with pytest.raises(OutputShapeError, match=r"^the model has no score column for class 'maybe'"):
        ModelCall(model, "scores", classes=("no", "maybe"))(table)
    # no classes_: the columns are taken in the order asked for, when there are as many
    np.testing.assert_allclose(ModelCall(model.predict_proba, "scores", classes=("no", "yes"))(table), scores)
    with pytest.raises(OutputShapeError, match=r"^the model returned 2 score columns for 3 classes"):
        ModelCall(model.predict_proba, "scores", classes=("a", "b", "c"))(table)


def test_no_second_model_wrapper_calls_predict_proba():
    """Only modeltest/model.py calls a user's predict_proba: another wrapper would drift from it."""
    src = Path(tripwire.__file__).parent
    callers = [*(src / "explaining").glob("*.py"), *(src / "modeltest").glob("*.py"),
               src / "run" / "explanations.py", src / "run" / "modeltests.py"]
    found = [p.name for p in callers if p.name != "model.py" and ".predict_proba" in p.read_text(encoding="utf-8")]
    assert found == []
