"""Fit functions the explanation tests import by name (worker processes import them too)."""

from __future__ import annotations

import numpy as np
import pandas as pd

CALLS: list[tuple[str, ...]] = []


def fit_linear(train_rows: pd.DataFrame):
    """Least squares of y on the given columns (plus an intercept); return its predict function."""
    CALLS.append(tuple(c for c in train_rows.columns if c != "y"))
    x = train_rows.drop(columns=["y"]).to_numpy(dtype=float)
    a = np.column_stack([x, np.ones(len(x))])
    coef = np.linalg.lstsq(a, train_rows["y"].to_numpy(dtype=float), rcond=None)[0]

    def predict(rows: pd.DataFrame) -> np.ndarray:
        return np.column_stack([rows.to_numpy(dtype=float), np.ones(len(rows))]) @ coef

    return predict


def table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Return y = 3 a + 1 b + noise, with c pure noise and d a strong candidate (y's remaining signal)."""
    rng = np.random.default_rng(seed)
    a, b, c, d = rng.normal(size=(4, n))
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "y": 3 * a + b + 2 * d + rng.normal(scale=0.1, size=n)})


def fit_species(train_rows: pd.DataFrame):
    """Fit a scaled multinomial logistic regression of `species` on the other columns; return the fitted model."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return model.fit(train_rows.drop(columns=["species"]), train_rows["species"])
