"""The inputs of one test: its listed cases, its template filled in, and a seeded sample of real rows."""

from __future__ import annotations

import itertools
import string
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.modeltest.suite import Expectation, Suite, TestSpec

#: a template whose slots combine to more cases than this is sampled (seeded) down to it
MAX_TEMPLATE_CASES = 10_000

Inputs = list[str] | pl.DataFrame


def _fill(template: str, values: dict[str, Any]) -> Any:
    slots = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    if len(slots) == 1 and template == "{" + slots[0] + "}":
        return values[slots[0]]  # a whole value keeps its type (a number stays a number)
    return template.format(**values)


def _template(spec: TestSpec, rng: np.random.Generator) -> list[Any]:
    slots = list(spec.fill)
    combos = list(itertools.islice(itertools.product(*(spec.fill[s] for s in slots)), MAX_TEMPLATE_CASES * 10))
    if len(combos) > MAX_TEMPLATE_CASES:
        keep = np.sort(rng.choice(len(combos), MAX_TEMPLATE_CASES, replace=False))
        combos = [combos[i] for i in keep]
    out = []
    for combo in combos:
        values = dict(zip(slots, combo, strict=True))
        if isinstance(spec.template, str):
            out.append(_fill(spec.template, values))
        else:
            out.append({c: _fill(v, values) if isinstance(v, str) else v for c, v in spec.template.items()})
    return out


def model_columns(suite: Suite, data: pl.DataFrame | None) -> list[str]:
    """Return the columns the model takes (the suite's `columns:`, else every column of the data)."""
    if suite.columns:
        if data is not None:
            missing = [c for c in suite.columns if c not in data.columns]
            if missing:
                raise UsageError(f"{suite.source}: columns {missing} are not in --data; it has "
                                 f"{', '.join(data.columns[:20])}")
        return list(suite.columns)
    return list(data.columns) if data is not None else []


def test_inputs(spec: TestSpec, suite: Suite, data: pl.DataFrame | None,
                rng: np.random.Generator) -> tuple[Inputs, list[Expectation | None]]:
    """Return the test's inputs (texts, or a frame of the model's columns) and each one's expectation."""
    expect = spec.expect if isinstance(spec.expect, Expectation) else None
    items: list[Any] = [c for c, _ in spec.cases]
    expects: list[Expectation | None] = [e or expect for _, e in spec.cases]
    if spec.template is not None:
        filled = _template(spec, rng)
        items += filled
        expects += [expect] * len(filled)
    sampled: pl.DataFrame | None = None
    if spec.rows:
        if data is None:
            raise UsageError(f"{suite.source}:{spec.line}: test {spec.name!r} samples `rows:` of real data: "
                             "pass them with --data ROWS")
        if suite.input == "text" and suite.text_column not in data.columns:
            raise UsageError(f"{suite.source}: text_column {suite.text_column!r} is not a column of --data; "
                             f"it has {', '.join(data.columns[:20])}")
        n = min(spec.rows, data.height)
        sampled = data[np.sort(rng.choice(data.height, n, replace=False)).tolist()]
        expects += [expect] * n
    if suite.input == "text":
        texts = [str(x) if not isinstance(x, str) else x for x in items]
        if sampled is not None:
            texts += [t or "" for t in sampled[suite.text_column].to_list()]
        return texts, expects
    for i, x in enumerate(items):
        if not isinstance(x, dict):
            raise UsageError(f"{suite.source}:{spec.line}: test {spec.name!r}, case {i}: a table suite's case is a "
                             "mapping of column -> value, not {x!r}")
    columns = model_columns(suite, data)
    frames = []
    if items:
        frame = pl.DataFrame(items, infer_schema_length=None)
        if data is not None:
            frame = frame.with_columns([pl.col(c).cast(data.schema[c], strict=False)
                                        for c in frame.columns if c in data.columns])
        frames.append(frame)
    if sampled is not None:
        frames.append(sampled.select(columns))
    table = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if columns:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise UsageError(f"{suite.source}:{spec.line}: test {spec.name!r} gives no value for {missing}")
        table = table.select(columns)
    return table, expects
