"""Contract files as hostile input: every wrongly typed key is one line naming the file, the
line and the key, exit 2 from `tripwire check`, never a crash at check time or a silent ignore."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tripwire.cli.main import main
from tripwire.contracts import Contract
from tripwire.errors import InputError

#: wrong values per column key (each must be refused by name)
COLUMN_CASES: dict[str, list] = {
    "type": ["integer", 3, [1], {"a": 1}],
    "required": ["abc", 3, [1], {"a": 1}],
    "nullable": ["abc", 0, [True]],
    "unique": ["yes please", 1.5, [1]],
    "max_null_share": ["abc", 1.5, -0.1, True, [1], {"a": 1}],
    "max_distinct_share": ["abc", 2, False, [0.5]],
    "min": ["abc", True, [1], {"a": 1}, "12/31/2026"],
    "max": ["abc", False, [1], {"a": 1}],
    "allowed": ["abc", 3, {"a": 1}, [[1]], [{"a": 1}], True],
    "regex": [3, [1], "(?=a)", "[", {"a": 1}, "a{2,1}"],
    "min_length": ["abc", -1, 2.5, True, [1]],
    "max_length": ["abc", -5, 0.5, {"a": 1}],
    "format": [3, [1], "abc", {"a": 1}],
    "mean": ["abc", 3, [1], {"min": "abc"}, {"mn": 1}, {"min": 3, "max": 1}],
    "std": ["abc", [1], {"min": -1}, {"max": "x"}],
    "quantiles": ["abc", [1], {"abc": {"min": 1}}, {0.5: "abc"}, {1.5: {"min": 1}}, {0.5: {"min": "x"}}],
    "monotonic": ["up", 3, True],
    "severity": ["fatal", 3, [1]],
    "description": [3, [1], {"a": 1}],
    "unit": [3, ["m"]],
    "inferred_from": [3, {"a": 1}],
    "mni": [1],  # a typo of min: unknown keys are named, never ignored
}
DATASET_CASES: dict[str, list] = {
    "rows": ["abc", 3, {"min": -1}, {"min": "a"}, {"min": 2.5}, {"min": 10, "max": 1}, {"least": 1}],
    "unique_key": [3, [1], {"a": 1}, True],
    "forbidden_columns": ["abc", 3, [1]],
    "allow_extra_columns": ["abc", 3],
    "freshness": ["abc", {"column": "t"}, {"column": "t", "max_age": "soon"}, {"column": 3, "max_age": "1d"},
                  {"column": "t", "max_age": "1d", "tz": "UTC"}],
    "uniq_key": [["a"]],
}
TOP_CASES: dict[str, list] = {
    "rules": ["abc", 3, [3], [{"expr": 3}], [{"expr": "a >"}], [{"expr": "a > 1", "severity": "bad"}],
              [{"expr": "a > 1", "nme": "x"}], [{"name": "no expr"}], [{"expr": "__import__('os')"}],
              [{"expr": " and ".join(["a > 1"] * 1_000)}]],
    "name": [[1], {"a": 1}],
    "description": [[1], 3],
    "columns": [[1], "abc", 3],
    "drift": [3, "abc", {"alpah": 0.1}],
    "colums": [{"a": "int"}],
}


def _cases() -> list[tuple[str, str, str]]:
    """Return (id, contract text with the wrong value on line 3, the key the error must name)."""
    out = []
    for key, values in COLUMN_CASES.items():
        for v in values:
            out.append((f"columns.{key}={v!r}", f"columns:\n  price:\n    {key}: {json.dumps(v)}\n", "columns.price"))
    for key, values in DATASET_CASES.items():
        for v in values:
            out.append((f"dataset.{key}={v!r}", f"# a contract\ndataset:\n  {key}: {json.dumps(v)}\n", "dataset"))
    for key, values in TOP_CASES.items():
        for v in values:
            label = repr(v)[:40]
            needle = "rules[" if key == "rules" and isinstance(v, list) else key
            out.append((f"{key}={label}", f"# a contract\n# written by hand\n{key}: {json.dumps(v)}\n",
                        needle if key != "colums" else "unknown key 'colums'; did you mean 'columns'?"))
    return out


CASES = _cases()


def test_at_least_88_wrongly_typed_files():
    assert len(CASES) >= 88


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "prices.csv"
    pd.DataFrame({"price": [1.5, 2.0, 3.25], "t": ["2026-01-01", "2026-01-02", "2026-01-03"]}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("text", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_value_is_one_line_naming_file_line_and_key(tmp_path, capsys, data_csv, text, needle):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(data_csv), "--contract", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert f"{path}:3:" in lines[0], lines[0]
    assert needle in lines[0], lines[0]


def test_messages_say_what_was_expected_and_what_came():
    with pytest.raises(InputError) as err:
        Contract.loads("columns:\n  price:\n    min: abc\n", "c.yaml")
    assert str(err.value).startswith("c.yaml:3: columns.price.min: expected a number or an ISO date/time")
    assert "got 'abc'" in str(err.value)
    with pytest.raises(InputError, match=r"c\.yaml:2: columns\.price: unknown key 'nulable'; did you mean 'nullable'"):
        Contract.loads("columns:\n  price: {nulable: false}\n", "c.yaml")
    with pytest.raises(InputError, match=r"appears twice"):
        Contract.loads("columns:\n  price: int\n  price: float\n", "c.yaml")


def test_billion_laughs_fails_fast_in_one_line(tmp_path, capsys, data_csv):
    lines = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\ncolumns: {price: {allowed: *i}}\n")
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(data_csv), "--contract", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "refused" in err and "aliases are expanded" in err


@pytest.mark.parametrize("text", [
    "a: &a [*a]",                       # recursive
    "[" * 500 + "]" * 500,              # deep
    "x: " + "*a " * 10,                 # alias to nothing
    "x: !!python/object/apply:os.system ['true']",  # never executed
])
def test_other_hostile_yaml_is_refused(text):
    with pytest.raises(InputError):
        Contract.loads(text, "c.yaml")


def test_valid_spellings_still_load():
    spec = Contract.loads("""
columns:
  price: {type: float, min: 0, max: 1e6, quantiles: {0.5: {min: 1}}, std: {max: 10}}
  day: {type: date, min: 2026-01-01, max: "2026-12-31"}
  code: {regex: '\\p{Lu}{2}\\d+', allowed: [AB1, 2, true]}
  name: string
  note:
dataset: {rows: {min: 1}, unique_key: price, freshness: {column: day, max_age: 2d}}
rules: ["price >= 0", {expr: "price < 2", name: cheap, severity: warning}]
""")
    assert spec.column("price").quantiles[0][0] == 0.5
    assert spec.dataset.unique_key == ("price",)
    assert Contract.loads(spec.dumps()) == spec
