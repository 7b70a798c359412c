"""The model under test: any callable `predict(rows) -> outputs`, or an object with predict/predict_proba.

Calls go in batches. A batch that raises is split in halves until the rows that raise are
found, so one bad row costs its own case, not the whole suite; outputs of the wrong shape
fail the cases of that batch with the reason.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError


class OutputShapeError(Exception):
    """The model returned outputs that do not line up one per input."""


class UnnamedClassError(OutputShapeError):
    """The model returned a column per class (more than two) and no class was named."""

    def __init__(self, columns: int, class_option: str) -> None:
        super().__init__(f"the model returned {columns} columns per input; name the class to score with {class_option}")
        self.columns = columns


def load_model(spec: str, option: str = "--model") -> Any:
    """Import `package.module:attribute` (dotted attributes allowed); one line, naming `option`, when it cannot."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"{option} {spec!r}: write it as package.module:attribute, e.g. mymodels.sentiment:predict")
    if str(Path.cwd()) not in sys.path and "" not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # like `python -m`: modules beside the suite import
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may raise anything while importing
        raise UsageError(f"{option} {spec!r}: cannot import {module_name} ({exc.__class__.__name__}: "
                         f"{' '.join(str(exc).split())[:300]}); check the name and that it is on PYTHONPATH") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")][:15]
            raise UsageError(f"{option} {spec!r}: {module_name} has no attribute {attr!r}; it has: {', '.join(names)}")
        obj = getattr(obj, part)
    if not (callable(obj) or hasattr(obj, "predict")):
        raise UsageError(f"{option} {spec!r} is a {type(obj).__name__}, not a callable or an object with predict()")
    return obj


#: the forms a model may take its rows in: a frame of one library, or a list of dicts
FRAMES = ("pandas", "polars", "arrow", "records")


def as_input(block: Any, frame: str = "pandas") -> Any:
    """Return rows as the user's code takes them: a list of texts as it is, a table in the form `frame` names."""
    if isinstance(block, list):
        return block
    if frame == "pandas":
        return block.to_pandas()
    if frame == "records":
        return block.to_dicts()
    if frame == "arrow":
        return block.to_arrow()
    return block


@dataclass(frozen=True)
class ModelCall:
    """Call a model on one batch and return one output per input (labels, or scores of one class).

    The one way tripwire calls a user's model (test-model's suites, explain's permutations and
    ablations). `output="score"` uses predict_proba when the model has it; `class_` picks the
    column of a many-column output (by the model's classes_, else by position; of two columns
    the second, the positive class, when none is named). `output="scores"` returns every
    class's column, one per `classes` in that order (by the model's classes_, else the model's
    columns are taken to be in that order). `class_option` is how the user names
    the class in messages ("class:" in a suite, "--positive" for explain). What the model raises is raised as it is: callers decide whether a
    bad row costs its case (test-model) or the run (explain).
    """

    model: Any
    output: str = "label"
    class_: Any = None
    frame: str = "pandas"
    class_option: str = "class:"
    classes: tuple[Any, ...] | None = None

    def predictor(self) -> Callable[[Any], Any]:
        """Return the function to call: predict_proba for scores, else predict, else the model itself."""
        if self.output in ("score", "scores") and hasattr(self.model, "predict_proba"):
            return self.model.predict_proba
        if hasattr(self.model, "predict") and not isinstance(self.model, type):
            return self.model.predict
        return self.model

    def __call__(self, block: Any) -> np.ndarray:
        n = len(block) if isinstance(block, list) else block.height
        out = np.asarray(self.predictor()(as_input(block, self.frame)))
        if self.output == "scores":
            return self._columns(out, n)
        if out.ndim == 2 and out.shape[0] == n:
            out = self._column(out)
        if out.ndim != 1 or out.shape[0] != n:
            raise OutputShapeError(f"the model returned outputs of shape {out.shape} for {n} inputs; "
                                   f"expected {n} outputs (or an ({n}, classes) array with {self.class_option} set)")
        return out

    def _columns(self, out: np.ndarray, n: int) -> np.ndarray:
        """Return the (n, classes) scores with one column per `classes`, in that order."""
        want = list(self.classes or ())
        if out.ndim != 2 or out.shape[0] != n:
            raise OutputShapeError(f"the model returned outputs of shape {out.shape} for {n} inputs; expected "
                                   f"({n}, {len(want)}) scores, one column per class (predict_proba)")
        classes = getattr(self.model, "classes_", None)
        if classes is None:
            if out.shape[1] != len(want):
                raise OutputShapeError(f"the model returned {out.shape[1]} score columns for {len(want)} classes "
                                       "and has no classes_ to match them by")
            return out
        theirs = [str(c) for c in np.asarray(classes).tolist()]
        missing = [c for c in want if str(c) not in theirs]
        if missing:
            raise OutputShapeError(f"the model has no score column for class {missing[0]!r}; its classes: {theirs[:20]}")
        return out[:, [theirs.index(str(c)) for c in want]]

    def _column(self, out: np.ndarray) -> np.ndarray:
        if out.shape[1] == 1:
            return out[:, 0]
        classes = getattr(self.model, "classes_", None)
        if self.class_ is None:
            if out.shape[1] == 2:  # a binary model's scores: the positive class is the second, as in scikit-learn
                return out[:, 1]
            raise UnnamedClassError(out.shape[1], self.class_option)
        if classes is not None:
            found = [i for i, c in enumerate(np.asarray(classes).tolist()) if c == self.class_ or str(c) == str(self.class_)]
            if not found:
                raise OutputShapeError(f"{self.class_option} {self.class_!r} is not one of the model's classes "
                                       f"{np.asarray(classes).tolist()[:20]}")
            return out[:, found[0]]
        if isinstance(self.class_, int) and 0 <= self.class_ < out.shape[1]:
            return out[:, self.class_]
        raise OutputShapeError(f"{self.class_option} {self.class_!r}: the model has no classes_, so give the column "
                               f"index (0 to {out.shape[1] - 1})")


def _length(block: Any) -> int:
    return len(block) if isinstance(block, list) else block.height


def _slice(block: Any, lo: int, hi: int) -> Any:
    return block[lo:hi] if isinstance(block, list) else block.slice(lo, hi - lo)


def predict_batches(call: ModelCall, block: list[str] | pl.DataFrame, batch_size: int,
                    on_batch: Callable[[int], None] | None = None) -> tuple[list[Any], dict[int, str]]:
    """Return (one output per input, {input index: why it has none}) calling the model in batches."""
    n = _length(block)
    outputs: list[Any] = [None] * n
    errors: dict[int, str] = {}

    def run(lo: int, hi: int) -> None:
        try:
            values = call(_slice(block, lo, hi))
        except OutputShapeError as exc:  # not a bad row: the same shape problem in every half
            errors.update(dict.fromkeys(range(lo, hi), str(exc)))
            return
        except Exception as exc:  # the user's model may raise anything; find the rows that do
            if hi - lo == 1:
                errors[lo] = f"the model raised {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}"
                return
            mid = (lo + hi) // 2
            run(lo, mid)
            run(mid, hi)
            return
        outputs[lo:hi] = values.tolist()

    for lo in range(0, n, batch_size):
        run(lo, min(lo + batch_size, n))
        if on_batch is not None:
            on_batch(min(lo + batch_size, n))
    return outputs, errors
