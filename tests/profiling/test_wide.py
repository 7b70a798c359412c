"""Wide tables: many columns of one type are profiled together, with the same result."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from tripwire.profiling import profile_batch, wide


def _wide(rows: int = 50, columns: int = 120) -> pa.Table:
    rng = np.random.default_rng(1)
    cols: dict[str, pa.Array] = {}
    for j in range(columns):
        if j % 3 == 0:
            x = np.round(rng.normal(j, 2.0, rows), 1)
            x[:3] = [np.nan, -0.0, np.inf]
            cols[f"f{j}"] = pa.array(x, mask=rng.random(rows) < 0.1)
        elif j % 3 == 1:
            cols[f"i{j}"] = pa.array(rng.integers(-5, 5, rows), mask=rng.random(rows) < 0.1)
        else:
            words = np.array(["red", "Green", " blue", "N/A", "12", "3.5", "Ã©", "a\\nb", ""])
            cols[f"s{j}"] = pa.array(words[rng.integers(0, len(words), rows)], pa.large_string(),
                                     mask=rng.random(rows) < 0.1)
    cols["empty_f"] = pa.nulls(rows, pa.float64())
    cols["empty_s"] = pa.nulls(rows, pa.large_string())
    return pa.table(cols)


def _json(prof) -> str:
    return json.dumps({**prof.to_dict(), "created_at": None})


def test_wide_path_equals_the_per_column_path(monkeypatch):
    table = _wide()
    together = _json(profile_batch(table, 0))
    monkeypatch.setattr(wide, "MANY_COLUMNS", 10**9)
    alone = _json(profile_batch(table, 0))
    assert together == alone


def test_wide_table_merges_over_batches():
    table = _wide(rows=80)
    whole = profile_batch(table, 0)
    parts = profile_batch(table.slice(0, 30), 0).merge(profile_batch(table.slice(30), 30))
    assert _json(parts) == _json(whole)
    assert whole["f0"].nan == 1 and whole["f0"].inf == 1
    assert whole["s2"].text is not None and whole["s2"].text.disguised_nulls > 0
