"""Alert rule files as hostile input: every wrongly typed key is one line naming the file, the
line and the key; alias bombs fail fast."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tripwire.alerts import load_rules
from tripwire.errors import InputError

GOOD_WHEN = {"code": "drift.feature"}
#: wrong values per key of a rule's `when` (each must be refused by name)
WHEN_CASES: dict[str, list] = {
    "code": ["data.nonsense", 3, [1], {"a": 1}, True],
    "column": [3, [1], {"a": 1}],
    "severity": ["fatal", 3, [1]],
    "batches": ["abc", 0, -1, 2.5, True, 10**9, [1]],
    "metric": ["nope", 3, [1]],
    "above": ["abc", True, [1], {"a": 1}],
    "below": ["abc", [1]],
    "colum": ["x"],
}
RULE_CASES: dict[str, list] = {
    "name": [[1], {"a": 1}, None],
    "notify": ["pager", 3, [], [3], ["slack", "pager"], {"a": 1}, None],
    "when": ["abc", 3, [1], None, {}, {"code": "drift.feature", "metric": "rows"}, {"metric": "rows"},
             {"code": "drift.feature", "above": 1}],
    "notfy": [["slack"]],
}


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for key, values in WHEN_CASES.items():
        for v in values:
            when = {"metric": "rows", "above": 1} if key in ("above", "below", "metric") else dict(GOOD_WHEN)
            when[key] = v
            text = f"# alerts\n- name: r\n  when: {json.dumps(when)}\n  notify: [slack]\n"
            out.append((f"when.{key}={v!r}", text, "rules[0] (r).when"))
    for key, values in RULE_CASES.items():
        for v in values:
            rule = {"name": "r", "when": GOOD_WHEN, "notify": ["slack"]}
            rule[key] = v
            text = "# alerts\n# by hand\n- " + json.dumps(rule) + "\n"
            out.append((f"{key}={v!r}", text, "rules[0]"))
    for text in ("3", "abc", "{rules: 3}", "{rule: []}"):
        out.append((f"top={text}", text + "\n", ""))
    return out


CASES = _cases()


@pytest.mark.parametrize(("text", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_rule_is_one_line_naming_file_and_key(tmp_path, text, needle):
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_rules(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert needle in message, message
    assert len(message) < 400, message


def test_enough_cases():
    assert len(CASES) >= 40


def test_messages_name_line_and_suggest():
    path_text = "- name: r\n  when:\n    code: drift.featur\n  notify: [slack]\n"
    from tripwire.alerts.rules import rules_from_data
    from tripwire.yamlfile import parse_yaml

    with pytest.raises(InputError, match=r"a\.yaml:3: rules\[0\] \(r\)\.when\.code: unknown code 'drift\.featur'; "
                                         r"did you mean 'drift\.feature'\?"):
        rules_from_data(parse_yaml(path_text, "a.yaml"), "a.yaml")
    with pytest.raises(InputError, match=r"a\.yaml:2: rules\[0\] \(r\)\.when: unknown key 'colum'; did you mean 'column'"):
        rules_from_data(parse_yaml("- name: r\n  when: {code: drift.feature, colum: x}\n  notify: slack\n",
                                   "a.yaml"), "a.yaml")


def test_alias_bomb_in_rules_fails_fast(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefghi'[i]}"] * 9) + "]")
    path = tmp_path / "alerts.yaml"
    path.write_text("\n".join(lines) + "\nrules: *i\n")
    with pytest.raises(InputError, match="refused: expands to more than"):
        load_rules(path)


def test_log_with_bad_rules_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    from tripwire.cli.main import main

    monkeypatch.setenv("TRIPWIRE_STORE", f"sqlite:///{tmp_path / 'h.db'}")
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(data, index=False)
    rules = tmp_path / "alerts.yaml"
    rules.write_text("- name: r\n  when: {metric: rows, above: many}\n  notify: [slack]\n")
    with pytest.raises(SystemExit) as exit_:
        main(["log", str(data), "--dataset", "d", "--alerts", str(rules)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"{rules}:2: rules[0] (r).when.above: expected a number, got 'many'" in err


def test_valid_rules_load():
    from tripwire.alerts.rules import rules_from_data
    from tripwire.yamlfile import parse_yaml

    rules = rules_from_data(parse_yaml("""
rules:
  - {name: drift, when: {code: drift.feature, column: income, severity: warning, batches: 2}, notify: [slack]}
  - {name: drops, when: {metric: rows_dropped_share, above: 0.05}, notify: email}
""", "a.yaml"))
    assert [r.batches for r in rules] == [2, 1] and rules[1].notify == ("email",)
