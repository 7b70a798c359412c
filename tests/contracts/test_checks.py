"""Every documented check: one batch that passes it, one that fails it (right code, rows)."""

from __future__ import annotations

import pandas as pd
import pytest

from tripwire.contracts import Contract

DF = pd.DataFrame({
    "id": [1, 2, 3, 4, 5, 6],
    "age": [25, 40, 61, 18, 33, 47],
    "score": [0.5, 0.7, 0.2, 0.9, 0.4, 0.6],
    "kind": ["a", "b", "a", "b", "a", "b"],
    "code": ["AB-12", "CD-34", "EF-56", "GH-78", "IJ-90", "KL-11"],
    "day": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06"],
    "start": pd.to_datetime(["2026-01-01"] * 6),
    "end": pd.to_datetime(["2026-01-02"] * 6),
    "account": ["loan", "save", "loan", "save", "save", "loan"],
})

# check yaml, code, a breaking edit of DF (column, row, value), expected failing rows
CASES = [
    ("columns: {missing_col: {type: int}}", "schema.missing_column", None, []),
    ("columns: {id: int}\ndataset: {forbidden_columns: [score]}", "schema.unexpected_column", None, []),
    ("columns: {id: int}\ndataset: {allow_extra_columns: false}", "schema.unexpected_column", None, []),
    ("columns: {age: {type: int}}", "schema.type_mismatch", ("age", 2, "sixty-one"), [2]),
    ("columns: {score: {type: float}}", "schema.type_mismatch", ("score", 4, "n/k"), [4]),
    ("columns: {day: {type: date}}", "schema.type_mismatch", ("day", 1, "yesterday"), [1]),
    ("columns: {kind: {type: string}}", "schema.type_mismatch", ("kind", slice(None), 7), []),
    ("columns: {age: {nullable: false}}", "data.missing_values", ("age", 3, None), [3]),
    ("columns: {kind: {max_null_share: 0.2}}", "data.missing_values", ("kind", slice(0, 3), "N/A"), []),
    ("columns: {age: {min: 18, max: 99}}", "data.out_of_range", ("age", 5, 17), [5]),
    ("columns: {age: {min: 18, max: 99}}", "data.out_of_range", ("age", 0, 120), [0]),
    ("columns: {kind: {allowed: [a, b]}}", "data.out_of_range", ("kind", 1, "c"), [1]),
    ("columns: {code: {regex: '[A-Z]{2}-[0-9]{2}'}}", "data.out_of_range", ("code", 2, "EF56"), [2]),
    ("columns: {code: {min_length: 5, max_length: 5}}", "data.out_of_range", ("code", 3, "GH-789"), [3]),
    ("columns: {day: {format: '%Y-%m-%d'}}", "data.out_of_range", ("day", 4, "05/01/2026"), [4]),
    ("columns: {score: {mean: {min: 0.4, max: 0.7}}}", "data.out_of_range", ("score", slice(None), 0.95), []),
    ("columns: {score: {std: {max: 0.5}}}", "data.out_of_range", ("score", slice(0, 3), 100.0), []),
    ("columns: {score: {quantiles: {0.5: {max: 0.8}}}}", "data.out_of_range", ("score", slice(None), 0.9), []),
    ("columns: {kind: {max_distinct_share: 0.5}}", "data.out_of_range", ("kind", slice(None), None), []),
    ("columns: {id: {unique: true}}", "data.duplicates", ("id", 4, 2), [4]),
    ("columns: {id: int}\ndataset: {unique_key: [kind, account]}", "data.duplicates", None, None),
    ("columns: {id: {monotonic: increasing}}", "data.rule_violation", ("id", 3, 0), [3]),
    ("columns: {id: int}\ndataset: {rows: {min: 10}}", "data.volume_change", None, []),
    ("columns: {id: int}\ndataset: {rows: {max: 6}}", "data.volume_change", ("id", slice(None), None), []),
    ("rules: [{name: order, expr: 'end >= start'}]", "data.rule_violation", ("end", 2, pd.Timestamp("2025-12-01")), [2]),
    ("rules: ['account != \"loan\" or age >= 21']", "data.rule_violation", ("age", 0, 19), [0]),
]


def _break(df: pd.DataFrame, edit) -> pd.DataFrame:
    bad = df.copy()
    col, row, value = edit
    if col == "id" and value is None:  # add rows
        return pd.concat([bad, bad], ignore_index=True)
    if col == "kind" and value is None:
        bad["kind"] = [f"k{i}" for i in range(len(bad))]
        return bad
    bad[col] = bad[col].astype(object)
    if isinstance(row, slice):
        bad.loc[bad.index[row], col] = value
    else:
        bad.loc[row, col] = value
    return bad


@pytest.mark.parametrize(("yaml", "code", "edit", "rows"), CASES, ids=[c[0][:60] for c in CASES])
def test_check_passes_clean_and_fails_broken(yaml, code, edit, rows):
    contract = Contract.loads(yaml)
    clean = contract.check(DF)
    if edit is None and code in ("schema.missing_column", "schema.unexpected_column", "data.volume_change",
                                 "data.duplicates"):
        report = clean  # these contracts are written to fail on DF itself
    else:
        assert clean.summary["error"] == 0, [f.title for f in clean.findings]
        report = contract.check(_break(DF, edit))
    found = report.by_code(code)
    assert found, [(f.code, f.title) for f in report.findings]
    assert found[0].severity == "error"
    if rows:
        assert list(found[0].rows) == rows
    assert report.exit_code == 1


def test_warning_severity_does_not_fail_the_run():
    contract = Contract.loads("columns: {age: {max: 50, severity: warning}}")
    report = contract.check(DF)
    assert report.by_code("data.out_of_range")[0].severity == "warning"
    assert report.exit_code == 0


def test_optional_column_absent_is_skipped():
    report = Contract.loads("columns: {extra: {type: int, required: false}}").check(DF)
    assert [c.status for c in report.checks] == ["skipped"]


def test_bad_contract_names_the_key(tmp_path):
    from tripwire.errors import InputError

    with pytest.raises(InputError, match=r"columns\.age: unknown key 'maximum'"):
        Contract.loads("columns: {age: {maximum: 3}}")
    with pytest.raises(InputError, match=r"columns\.age\.type: expected one of int, .*got 'integer'"):
        Contract.loads("columns: {age: {type: integer}}")
    with pytest.raises(InputError, match=r"c\.yaml:\d+: not valid YAML"):
        path = tmp_path / "c.yaml"
        path.write_text("columns:\n  age: [unclosed\n")
        Contract.load(path)
    with pytest.raises(InputError, match="contract file not found"):
        Contract.load(tmp_path / "nope.yaml")
