"""Toy models the model-test tests import by name (`tests.modeltest.models:...`)."""

from __future__ import annotations

import numpy as np

POSITIVE = ("good", "great", "excellent", "love")


def sentiment(texts: list[str]) -> np.ndarray:
    """Return 'pos' when a positive word appears (any case) and no 'not', else 'neg'."""
    out = []
    for t in texts:
        low = t.lower()
        out.append("pos" if any(w in low for w in POSITIVE) and " not " not in f" {low} " else "neg")
    return np.array(out)


def case_sensitive(texts: list[str]) -> np.ndarray:
    """Return 'pos' only for lower-case positive words (breaks case invariance)."""
    return np.array(["pos" if any(w in t for w in POSITIVE) else "neg" for t in texts])


def score(texts: list[str]) -> np.ndarray:
    """Return a positivity score: the share of positive words."""
    return np.array([sum(w in t.lower() for w in POSITIVE) / 4 for t in texts])


def raises_on_boom(texts: list[str]) -> np.ndarray:
    """Raise on any batch holding the word 'boom' (a model that fails on some rows)."""
    if any("boom" in t for t in texts):
        raise ValueError("cannot handle boom")
    return sentiment(texts)


def wrong_shape(texts: list[str]) -> np.ndarray:
    """Return one output too few."""
    return sentiment(texts)[:-1]


class Price:
    """An sklearn-style regressor on a table: price = 2 * size (+ 1 when garden == 'yes')."""

    def predict(self, rows: object) -> np.ndarray:
        return 2.0 * rows["size"].to_numpy() + (rows["garden"].to_numpy() == "yes")


price = Price()
