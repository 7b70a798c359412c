"""The user's code as the explanations call it: one line, not a traceback, when it raises.

The model itself is called through `tripwire.modeltest.ModelCall`, the one wrapper for a
user's model (test-model uses it too); here its outputs and errors become explain's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.modeltest.model import ModelCall, OutputShapeError, UnnamedClassError


def call_user(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the user's fit or predict; what it raises is their code's error, told in one line, not ours."""
    try:
        return fn(*args)
    except Exception as exc:
        raise UsageError(f"{what} raised {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}") from exc


def explain_call(model: Any, frame: str = "pandas", proba: bool = True, positive: Any = None,
                 classes: tuple[Any, ...] | None = None) -> ModelCall:
    """Return the call explain makes: scores of `positive` (the second of two classes) when the model has them,
    or every one of `classes`' score columns, in that order."""
    output = "scores" if classes is not None else "score" if proba else "label"
    return ModelCall(model, output, positive, frame, class_option="--positive", classes=classes)


def predict_rows(call: ModelCall, table: pl.DataFrame) -> np.ndarray:
    """Return one number (or label) per row of the table; a model that raises or misshapes is one line."""
    try:
        return call(table)
    except UnnamedClassError as exc:
        if call.output == "label":  # --positive would pick a column of scores, not labels: no help here
            raise UsageError(f"the model returned {exc.columns} columns per row (scores per class?); accuracy, RMSE, "
                             "MAE and R² compare one prediction per row: give a model whose predict() returns "
                             "labels, or use --metric auc or log_loss, which read the scores") from None
        raise UsageError(f"{exc}; explanations need one number (or label) per row") from None
    except OutputShapeError as exc:
        if call.output == "scores":  # AUC or log-loss over every class
            if hasattr(call.model, "predict_proba"):  # its columns do not match the classes: the message says how
                raise UsageError(str(exc)) from None
            raise UsageError(f"{exc}; for a model that only predicts labels, use --metric accuracy") from None
        raise UsageError(f"{exc}; explanations need one number (or label) per row") from None
    except Exception as exc:
        raise UsageError(f"the model raised {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}") from exc
