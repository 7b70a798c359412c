"""Every registered detector survives edge inputs, with and without a reference."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tripwire.detectors import DETECTORS, load_detectors
from tripwire.run import scan


def edge_tables() -> dict[str, pa.Table]:
    long = "x" * 100_000
    return {
        "empty": pa.table({"a": pa.array([], pa.float64()), "s": pa.array([], pa.large_string())}),
        "one_row": pa.table({"a": [1.0], "s": ["x"], "y": ["c"]}),
        "all_null": pa.table({"a": pa.nulls(50, pa.float64()), "s": pa.nulls(50, pa.large_string()),
                              "n": pa.nulls(50)}),
        "one_value": pa.table({"a": [7.0] * 200, "s": ["same"] * 200, "y": ["c"] * 200}),
        "extremes": pa.table({"a": [1e308, -1e308, 1e-308, 0.0, np.inf, -np.inf, np.nan] * 30}),
        "long_unicode": pa.table({"s": [long, "日本語テキスト", "Ελληνικά", "emoji 😀🎉", "", None, "Ã©\ufffd\x00"] * 30}),
        "mixed_text": pa.table({"s": ["1", "2", "x", "2024-01-01", "1,234", "N/A", " "] * 40}),
        "nested": pa.table({"l": pa.array([[1, 2], None, [], [3]] * 10),
                            "st": pa.array([{"k": 1}, None, {"k": 2}, {"k": 3}] * 10),
                            "b": pa.array([b"\x00\x01", None, b"x", b"x"] * 10)}),
        "temporal": pa.table({"t": pa.array(np.arange(100) * 10**9, pa.timestamp("ns")),
                              "d": pa.array(np.arange(100, dtype=np.int32), pa.int32()).cast(pa.date32())}),
    }


EDGE = edge_tables()
REFERENCES = {
    "none": None,
    "same": "same",
    "types_differ": pa.table({"a": ["text"] * 50, "s": [1.0] * 50, "y": [1] * 50}),
    "empty_in_reference_only": pa.table({"a": pa.nulls(60, pa.float64()), "s": pa.nulls(60, pa.large_string()),
                                         "y": pa.nulls(60, pa.large_string())}),
}


def test_every_detector_is_registered_with_documented_codes():
    load_detectors()
    assert len(DETECTORS) >= 12
    for cls in DETECTORS.values():
        assert cls.codes and cls.name and cls.family


@pytest.mark.parametrize("ref_kind", list(REFERENCES))
@pytest.mark.parametrize("case", list(EDGE))
def test_no_detector_crashes_on_edge_input(case, ref_kind, monkeypatch):
    monkeypatch.setenv("TRIPWIRE_STRICT", "1")
    table = EDGE[case]
    ref = REFERENCES[ref_kind]
    if ref == "same":
        ref = table
    label = "y" if "y" in table.column_names else None
    report = scan(table, ref, label=label)
    names = {c.name for c in report.checks}
    assert names, "no check ran"
    assert not [c for c in report.checks if c.reason.startswith("internal error")]
    for f in report.findings:
        assert f.code.split(".")[0] in ("schema", "data", "labels", "leakage", "drift")
        assert len(f.rows) <= 100
