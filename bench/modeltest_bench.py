"""Benchmark: a 1,000-case behavioural suite against a scikit-learn text pipeline.

Target (issue 15): the suite runs in at most 2 s plus the model's own time. The model is
wrapped in a timer, so the run's wall time splits into the model's time (every call, batched)
and tripwire's overhead (case generation, perturbations, judging, the Report), reported per
case. The baseline in the same run: the model alone predicting the same 1,000 texts in one call.

    PYTHONPATH=src python bench/modeltest_bench.py [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bench.common import record

SUITE = """\
suite: bench
synonyms: [[film, movie], [firm, company], [said, stated]]
tests:
  - name: templates
    kind: mft
    template: "{team} won the {event} after a goal from their {player} in {minute} minutes."
    fill: {team: [Chelsea, Arsenal, Leeds, Wales, Celtic], event: [final, derby, match, tie],
           player: [striker, captain, winger, defender, keeper], minute: [10, 45, 90, 120, 5]}
    expect: {in: [sports, business, politics, tech, entertainment]}
  - {name: typos, kind: invariance, perturb: typos, rows: 200}
  - {name: case, kind: invariance, perturb: case, rows: 200}
  - {name: whitespace, kind: invariance, perturb: whitespace, rows: 100}
  - name: football
    kind: directional
    perturb: append
    text: "The striker scored twice."
    output: score
    class: sports
    expect: not_down
    rows: 100
"""


class Timed:
    """The pipeline with its predict/predict_proba time added up."""

    def __init__(self, model: object) -> None:
        self.model, self.seconds, self.calls = model, 0.0, 0
        self.classes_ = model.classes_

    def _timed(self, fn: str, rows: object) -> np.ndarray:
        start = time.perf_counter()
        out = getattr(self.model, fn)(rows)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return out

    def predict(self, rows: object) -> np.ndarray:
        return self._timed("predict", rows)

    def predict_proba(self, rows: object) -> np.ndarray:
        return self._timed("predict_proba", rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs", "examples"))
    import bbc_topics

    from tripwire.modeltest import Suite
    from tripwire.run import test_model

    suite = Suite.loads(SUITE, "bench.yaml")
    data = pd.DataFrame({"text": bbc_topics.held_out["text"]})
    test_model(suite, Timed(bbc_topics.model), data)  # warm-up: imports, first calls
    runs = []
    for _ in range(3):
        timed = Timed(bbc_topics.model)
        start = time.perf_counter()
        report = test_model(suite, timed, data)
        runs.append((time.perf_counter() - start, timed.seconds, timed.calls, report.extra["cases"]))
    wall, model_s, calls, cases = min(runs)
    texts = data["text"].head(1000).tolist()
    start = time.perf_counter()
    bbc_topics.model.predict(texts)
    alone = time.perf_counter() - start
    load = os.getloadavg()[0]
    lines = [
        f"Suite: 5 tests, {cases:,} cases (500 template MFTs, typos/case/whitespace invariance on 200/200/100 real "
        f"BBC held-out rows, 100 directional), TF-IDF + logistic regression on BBC news; best of 3 runs; "
        f"load average {load:.1f} on 2 cores.",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| whole suite (wall) | {wall:.2f} |",
        f"| the model's own time ({calls} batched calls) | {model_s:.2f} |",
        f"| tripwire's overhead | {wall - model_s:.2f} ({(wall - model_s) / cases * 1000:.2f} ms per case) |",
        f"| baseline: the model alone on 1,000 texts, one call | {alone:.2f} |",
        "",
        f"Target ≤ 2 s + model time: overhead {wall - model_s:.2f} s — "
        f"{'met' if wall - model_s <= 2 else 'NOT met'}.",
    ]
    print("\n".join(lines))
    if args.record:
        record("test-model: 1,000-case suite vs a scikit-learn pipeline", lines)


if __name__ == "__main__":
    main()
