"""A model's predict function as the explanations call it: a table in, one number per row out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError

FRAMES = ("pandas", "polars", "arrow")


def call_user(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the user's fit or predict; what it raises is their code's error, told in one line, not ours."""
    try:
        return fn(*args)
    except Exception as exc:
        raise UsageError(f"{what} raised {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}") from exc


def as_frame(table: pl.DataFrame, frame: str) -> Any:
    """Return the table in the form the user's functions take (pandas by default)."""
    if frame == "pandas":
        return table.to_pandas()
    if frame == "arrow":
        return table.to_arrow()
    return table


@dataclass(frozen=True)
class Predictor:
    """Call `predict(rows)` (or an object's predict_proba/predict) and return one float per row.

    `score`: the probability of this class from predict_proba (the larger class when None and
    there are two); otherwise predict's output is used as it is.
    """

    model: Any
    frame: str = "pandas"
    proba: bool = True
    positive: Any = None

    def __call__(self, table: pl.DataFrame) -> np.ndarray:
        rows = as_frame(table, self.frame)
        if self.proba and hasattr(self.model, "predict_proba"):
            out = np.asarray(call_user("the model's predict_proba", self.model.predict_proba, rows))
            classes = list(getattr(self.model, "classes_", range(out.shape[1])))
            pos = self.positive if self.positive is not None else classes[-1]
            if pos not in classes:
                raise UsageError(f"--positive {pos!r} is not one of the model's classes {classes[:20]}")
            out = out[:, classes.index(pos)]
        else:
            fn: Callable[[Any], Any] = self.model.predict if hasattr(self.model, "predict") else self.model
            out = np.asarray(call_user("the model", fn, rows))
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.ndim != 1 or out.shape[0] != table.height:
            raise UsageError(f"the model returned outputs of shape {out.shape} for {table.height} rows; "
                             f"explanations need one number (or label) per row")
        return out
