"""Generated annotators of stated accuracy and confusion (seeded), for the agreement tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def annotate(truth: np.ndarray, accuracies: Sequence[float], k: int, seed: int = 0,
             confusion: tuple[int, int, int, float] | None = None) -> pl.DataFrame:
    """Return one row per (item, annotator): each annotator is right with their accuracy, else
    picks another class at random. `confusion` = (annotator, true class, given class, share):
    that annotator also gives `given` for that share of the items whose truth is `true`."""
    rng = np.random.default_rng(seed)
    n = len(truth)
    frames = []
    for a, acc in enumerate(accuracies):
        right = rng.random(n) < acc
        label = np.where(right, truth, (truth + rng.integers(1, k, n)) % k)
        if confusion is not None and confusion[0] == a:
            _, true, given, share = confusion
            label = np.where((truth == true) & (rng.random(n) < share), given, label)
        frames.append(pl.DataFrame({"item": np.arange(n), "rater": f"r{a}", "y": label.astype(np.int64)}))
    return pl.concat(frames)
