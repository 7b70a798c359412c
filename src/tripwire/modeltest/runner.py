"""Run a suite against a model: generate each test's cases, call the model in batches, judge them.

A case fails when its output breaks the test's expectation or when the model could not give
one (it raised on that row, or its outputs had the wrong shape): the reason is kept with the
case. A test fails when its pass rate is below its `min_pass_rate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.modeltest import perturb as pt
from tripwire.modeltest.cases import Inputs, test_inputs
from tripwire.modeltest.model import ModelCall, predict_batches
from tripwire.modeltest.suite import Expectation, Suite, TestSpec

#: failing examples kept per test (the first ones, in case order)
MAX_EXAMPLES = 10
#: characters of a text shown in an example
SHOWN_CHARS = 200

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class CaseFailure:
    """One failing case: what went in, what was expected, what came out, and why it fails."""

    case: int
    input: Any
    expected: str
    actual: Any
    perturbed: Any = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the example as the report's evidence holds it."""
        out = {"case": self.case, "input": self.input}
        if self.perturbed is not None:
            out["perturbed"] = self.perturbed
        out |= {"expected": self.expected, "actual": self.actual}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class TestOutcome:
    """How one test went: cases run, cases failed (model errors among them), the first failures."""

    __test__ = False  # not a pytest test class

    spec: TestSpec
    cases: int
    failed: int
    errors: int = 0
    examples: tuple[CaseFailure, ...] = ()
    skipped: str = ""

    @property
    def pass_rate(self) -> float | None:
        """Return the share of cases that passed (None when no case was generated)."""
        return (self.cases - self.failed) / self.cases if self.cases else None

    @property
    def passed(self) -> bool:
        """Return whether the pass rate reaches the test's minimum."""
        rate = self.pass_rate
        return rate is not None and rate >= self.spec.min_pass_rate - 1e-12


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return value[: SHOWN_CHARS - 1] + "…"
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    return value


def _shown(inputs: Inputs, i: int) -> Any:
    return _short(inputs[i] if isinstance(inputs, list) else inputs.row(i, named=True))


def _same(a: Any, b: Any) -> bool:
    return a == b or str(a) == str(b)


def _meets(value: Any, expect: Expectation) -> bool:
    if expect.within is not None:
        return any(_same(value, w) for w in expect.within)
    if expect.low is not None or expect.high is not None:
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        return (expect.low is None or v >= expect.low) and (expect.high is None or v <= expect.high)
    return _same(value, expect.equals)


def _perturbed(spec: TestSpec, suite: Suite, inputs: Inputs, rng: np.random.Generator) -> tuple[Inputs, np.ndarray]:
    """Return (perturbed inputs, indices of the originals they come from); cases it cannot apply to are left out."""
    name = spec.perturb
    entities = [[str(v) for v in g] for g in suite.entities.values()]
    # the text perturbations, on a list of texts or on the text columns of a table
    text_fns: dict[str, Callable[[list[str]], list[str | None]]] = {
        "typos": lambda t: pt.typo(t, rng), "case": lambda t: pt.case(t, rng),
        "whitespace": lambda t: pt.whitespace(t, rng),
        "synonyms": lambda t: pt.swap_words(t, suite.synonyms, rng),
        "entities": lambda t: pt.swap_words(t, entities, rng),
        "negate": lambda t: pt.negate(t, rng), "append": lambda t: pt.append(t, spec.text or ""),
    }
    if isinstance(inputs, list):
        # on texts, numbers and noise change the text itself
        text_fns |= {"numbers": lambda t: pt.numbers(t, rng), "noise": lambda t: pt.noise_in_text(t, spec.pct, rng)}
        if name not in text_fns:
            raise UsageError(f"{suite.source}:{spec.line}: test {spec.name!r}: perturb {name} applies to "
                             "tables, not texts")
        changed = text_fns[name](inputs)
        keep = np.array([i for i, t in enumerate(changed) if t is not None and t != inputs[i]], dtype=np.int64)
        return [changed[i] for i in keep], keep  # type: ignore[misc]
    frame = inputs
    columns = list(spec.columns)
    if name == "column_order":
        return pt.column_order(frame), np.arange(frame.height)
    if name == "noise":
        out = pt.noise(frame, columns, spec.pct, rng)
    elif name == "numbers":
        out = pt.number_types(frame, columns)
        return out, np.arange(frame.height)  # same values, another type: every row is a case
    elif name in ("increase", "decrease"):
        out = pt.shift(frame, columns, spec.by or 0, spec.by_pct, 1 if name == "increase" else -1)
    else:
        out = pt.text_columns(frame, columns, text_fns[name])
    differs = np.stack([out[c].ne_missing(frame[c]).to_numpy() for c in columns]).any(axis=0)
    keep = np.flatnonzero(differs)
    return out[keep.tolist()], keep


def _judge(spec: TestSpec, suite: Suite, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Return True where the perturbed output keeps the test's promise."""
    tol = spec.tolerance
    if spec.output == "label" or spec.expect == "flip":
        same = np.array([_same(a, b) for a, b in zip(before, after, strict=True)], dtype=bool)
        return ~same if spec.expect == "flip" else same
    a = before.astype(float)
    b = after.astype(float)
    if spec.kind == "invariance":
        return np.abs(b - a) <= tol
    return {"up": b > a + tol, "down": b < a - tol, "not_down": b >= a - tol, "not_up": b <= a + tol}[str(spec.expect)]


def _select(inputs: Inputs, index: np.ndarray) -> Inputs:
    return [inputs[i] for i in index] if isinstance(inputs, list) else inputs[index.tolist()]


def run_test(spec: TestSpec, suite: Suite, call: ModelCall, data: pl.DataFrame | None,
             on_cases: Callable[[int], None] | None = None) -> TestOutcome:
    """Generate one test's cases, call the model on them, and judge each case."""
    rng = np.random.default_rng([suite.seed, *spec.name.encode("utf-8")[:64]])
    inputs, expects = test_inputs(spec, suite, data, rng)
    if spec.kind == "mft":
        outputs, errors = predict_batches(call, inputs, suite.batch_size)
        failures = []
        for i, (out, exp) in enumerate(zip(outputs, expects, strict=True)):
            assert exp is not None
            if i in errors:
                failures.append(CaseFailure(i, _shown(inputs, i), exp.describe(), None, reason=errors[i]))
            elif not _meets(out, exp):
                failures.append(CaseFailure(i, _shown(inputs, i), exp.describe(), _short(out)))
        if on_cases:
            on_cases(len(outputs))
        return TestOutcome(spec, len(outputs), len(failures), len(errors), tuple(failures[:MAX_EXAMPLES]),
                           "" if outputs else "no case was generated")
    changed, index = _perturbed(spec, suite, inputs, rng)
    if not len(index):
        return TestOutcome(spec, 0, 0, skipped=f"perturbation {spec.perturb} applies to none of the "
                           f"{len(expects)} inputs (no word from the lists, no number or verb to change)")
    originals = _select(inputs, index)
    before, err_before = predict_batches(call, originals, suite.batch_size)
    after, err_after = predict_batches(call, changed, suite.batch_size)
    errors = {i: err_before.get(i) or err_after[i] for i in {*err_before, *err_after}}
    ok_rows = np.array([i not in errors for i in range(len(index))], dtype=bool)
    good = np.zeros(len(index), dtype=bool)
    if ok_rows.any():
        b = np.array(before, dtype=object)[ok_rows]
        a = np.array(after, dtype=object)[ok_rows]
        good[ok_rows] = _judge(spec, suite, b, a)
    promise = "same output" if spec.kind == "invariance" else str(spec.expect).replace("_", " ")
    if spec.tolerance and spec.kind == "invariance":
        promise += f" (within ±{spec.tolerance:g})"
    failures = []
    for i in np.flatnonzero(~good)[:MAX_EXAMPLES].tolist():
        shown_after = "(columns reversed)" if spec.perturb == "column_order" else _shown(changed, i)
        if i in errors:
            failures.append(CaseFailure(int(index[i]), _shown(originals, i), promise, None, shown_after, errors[i]))
        else:
            failures.append(CaseFailure(int(index[i]), _shown(originals, i), f"{promise} than {_short(before[i])}"
                                        if spec.kind == "directional" and spec.expect != "flip" else
                                        f"{promise} as {_short(before[i])}" if spec.kind == "invariance" else
                                        f"a label other than {_short(before[i])}", _short(after[i]), shown_after))
    if on_cases:
        on_cases(len(index))
    return TestOutcome(spec, len(index), int((~good).sum()), len(errors), tuple(failures))


def run_suite(suite: Suite, model: Any, data: pl.DataFrame | None = None,
              progress: Progress | None = None) -> list[TestOutcome]:
    """Run every test of the suite against the model (a callable or an object with predict)."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, None)

    return [run_test(spec, suite, ModelCall(model, spec.output, spec.class_, suite.frame), data, advance)
            for spec in suite.tests]
