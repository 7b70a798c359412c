"""Inference latency of any predict callable: p50/p95/p99 per batch size and rows per second."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _rows(data: Any, start: int, stop: int) -> Any:
    if hasattr(data, "iloc"):  # pandas
        return data.iloc[start:stop]
    if hasattr(data, "slice") and hasattr(data, "height"):  # polars
        return data.slice(start, stop - start)
    return data[start:stop]


def latency(predict: Callable[[Any], Any], data: Any, batch_sizes: Sequence[int] = (1, 32, 1024), *,
            calls: int = 50, max_seconds: float = 5.0, warmup: int = 2) -> list[dict[str, Any]]:
    """Time `predict` on batches of `data`'s rows; return one row per batch size.

    Each batch size gets `warmup` untimed calls, then up to `calls` timed ones (fewer when
    they exceed `max_seconds`), cycling through the data. Batch sizes larger than the data
    use all its rows (the row says the real size).
    """
    n = len(data) if not hasattr(data, "height") else data.height
    if n == 0:
        raise ValueError("latency needs at least one row of data")
    out = []
    for size in batch_sizes:
        size = min(int(size), n)
        starts = [(i * size) % max(n - size + 1, 1) for i in range(calls + warmup)]
        for s in starts[:warmup]:
            predict(_rows(data, s, s + size))
        took: list[float] = []
        spent = 0.0
        for s in starts[warmup:]:
            batch = _rows(data, s, s + size)
            t = time.perf_counter()
            predict(batch)
            took.append(time.perf_counter() - t)
            spent += took[-1]
            if spent > max_seconds:
                break
        ms = np.array(took) * 1000
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        out.append({"batch_size": size, "calls": len(took), "p50_ms": float(p50), "p95_ms": float(p95),
                    "p99_ms": float(p99), "rows_per_s": float(size * len(took) / max(sum(took), 1e-12))})
    return out
