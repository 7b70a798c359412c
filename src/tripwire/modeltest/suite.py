"""The behavioural test suite file: YAML read into frozen specs, every key checked where it is written.

A wrong key or value is one line naming the file, the line and what was expected
(`suite.yaml:14: tests[2].perturb: expected one of typos, case, ...`); an unknown key gets a
did-you-mean. Nothing unchecked reaches the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tripwire.modeltest.model import FRAMES
from tripwire.yamlfile import line_of, parse_yaml, plain, read_yaml
from tripwire.yamlschema import Schema

KINDS = ("mft", "invariance", "directional")
#: perturbations that must leave the output unchanged
INVARIANT = ("typos", "case", "whitespace", "synonyms", "entities", "numbers", "noise", "column_order",
             "negate", "append")
#: perturbations with an expected direction
DIRECTIONAL = ("negate", "append", "increase", "decrease")
#: what a directional case expects of the perturbed output against the original one
DIRECTIONS = ("flip", "up", "down", "not_down", "not_up")
OUTPUTS = ("label", "score")
INPUTS = ("text", "table")

TOP_KEYS = ("suite", "input", "text_column", "columns", "output", "class", "frame", "batch_size", "seed",
            "synonyms", "entities", "tests")
TEST_KEYS = {
    "mft": ("name", "kind", "cases", "template", "fill", "expect", "rows", "output", "class", "min_pass_rate"),
    "invariance": ("name", "kind", "cases", "template", "fill", "rows", "perturb", "columns", "pct", "text",
                   "output", "class", "tolerance", "min_pass_rate"),
    "directional": ("name", "kind", "cases", "template", "fill", "rows", "perturb", "columns", "by",
                    "text", "expect", "output", "class", "tolerance", "min_pass_rate"),
}
EXPECT_KEYS = ("equals", "in", "min", "max")
HINT = "see docs/model-tests.md for the suite format"


@dataclass(frozen=True)
class Expectation:
    """What an MFT output must be: equal to a value, one of a set, or within [min, max]."""

    equals: Any = None
    within: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        """Return the expectation as a failing example shows it."""
        if self.within is not None:
            return "one of " + ", ".join(map(str, self.within))
        if self.low is None and self.high is not None:
            return f"at most {self.high:g}"
        if self.high is None and self.low is not None:
            return f"at least {self.low:g}"
        if self.low is not None and self.high is not None:
            return f"in [{self.low:g}, {self.high:g}]"
        return str(self.equals)


@dataclass(frozen=True)
class TestSpec:
    """One test of the suite as written: its inputs, its perturbation and what it expects."""

    __test__ = False  # not a pytest test class

    name: str
    kind: str
    line: int | None = None
    cases: tuple[tuple[Any, Expectation | None], ...] = ()
    template: Any = None
    fill: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    rows: int | None = None
    expect: Expectation | str | None = None
    perturb: str | None = None
    columns: tuple[str, ...] = ()
    pct: float = 5.0
    by: float | None = None
    by_pct: bool = False
    text: str | None = None
    #: label or score (this test's; the suite's when not given)
    output: str = "label"
    class_: Any = None
    tolerance: float = 0.0
    min_pass_rate: float = 1.0


@dataclass(frozen=True)
class Suite:
    """A behavioural test suite: how to call the model, shared word lists, and the tests."""

    name: str
    source: str
    input: str = "text"
    text_column: str = "text"
    #: the model's input columns (table input; default: every column of --data)
    columns: tuple[str, ...] = ()
    output: str = "label"
    class_: Any = None
    frame: str = "pandas"
    batch_size: int = 1024
    seed: int = 0
    synonyms: tuple[tuple[str, ...], ...] = ()
    entities: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    tests: tuple[TestSpec, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> Suite:
        """Read and check a suite file."""
        return _Reader(str(path)).suite(read_yaml(path, "test suite"))

    @classmethod
    def loads(cls, text: str, source: str = "<suite>") -> Suite:
        """Read and check a suite from YAML text."""
        return _Reader(source).suite(parse_yaml(text, source))


class _Reader(Schema):
    """Turn parsed YAML into specs, raising one line that says where a value is wrong."""

    def __init__(self, source: str) -> None:
        super().__init__(source, HINT)

    def amount(self, data: dict, name: str, where: str, lo: float, hi: float | None, default: Any,
               integer: bool = False) -> Any:
        """Return data[where + name] as a number within [lo, hi] (the default when absent)."""
        value = self.number(data, name, f"{where}{name}", lo=lo, hi=hi, integer=integer)
        return default if value is None else value if integer else float(value)

    def suite(self, data: Any) -> Suite:
        if not isinstance(data, dict):
            raise self.error("", "a test suite is a mapping with a `tests:` list", line_of(data))
        self.keys(data, TOP_KEYS, "")
        tests = data.get("tests")
        if not isinstance(tests, list) or not tests:
            raise self.error("tests", "expected a list of tests (each with name and kind)", line_of(data, "tests"))
        synonyms = data.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(g, list) and len(g) >= 2 for g in synonyms):
            raise self.error("synonyms", "expected a list of lists of interchangeable words, e.g. "
                             "[[good, great], [film, movie]]", line_of(data, "synonyms"))
        entities = data.get("entities") or {}
        if not isinstance(entities, dict) or not all(isinstance(v, list) and len(v) >= 2 for v in entities.values()):
            raise self.error("entities", "expected a mapping of name -> list of interchangeable values, e.g. "
                             "{city: [Paris, Lima]}", line_of(data, "entities"))
        name = data.get("suite") or Path(self.source).stem
        suite = Suite(
            name=str(name), source=self.source,
            input=self.choice(data, "input", "input", INPUTS, "text") or "text",
            text_column=str(data.get("text_column", "text")),
            columns=self.names(data, "columns", ""),
            output=self.choice(data, "output", "output", OUTPUTS, "label") or "label",
            class_=plain(data.get("class")),
            frame=self.choice(data, "frame", "frame", FRAMES, "pandas") or "pandas",
            batch_size=self.amount(data, "batch_size", "", 1, None, 1024, integer=True),
            seed=self.amount(data, "seed", "", 0, None, 0, integer=True),
            synonyms=tuple(tuple(str(w) for w in g) for g in synonyms),
            entities={str(k): tuple(plain(v)) for k, v in entities.items()},
        )
        specs = tuple(self.test(t, i, suite) for i, t in enumerate(tests))
        names = [s.name for s in specs]
        for i, s in enumerate(specs):
            if s.name in names[:i]:
                raise self.error(f"tests[{i}].name", f"the name {s.name!r} is used twice; give each test its own",
                                 s.line)
        return replace(suite, tests=specs)

    def test(self, data: Any, i: int, suite: Suite) -> TestSpec:
        where = f"tests[{i}]."
        if not isinstance(data, dict):
            raise self.error(f"tests[{i}]", "expected a mapping with name and kind", None)
        if "kind" not in data:
            raise self.error(f"tests[{i}]", "missing `kind:` (mft, invariance or directional)", line_of(data))
        kind = self.choice(data, "kind", f"{where}kind", KINDS, None)
        assert kind is not None
        self.keys(data, TEST_KEYS[kind], f"tests[{i}] ({kind})")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.error(f"{where}name", "expected the test's name (text)", line_of(data, "name"))
        spec: dict[str, Any] = {"name": name, "kind": kind, "line": line_of(data),
                                "output": self.choice(data, "output", f"{where}output", OUTPUTS, suite.output),
                                "class_": plain(data.get("class", suite.class_))}
        if not any(k in data for k in ("cases", "template", "rows")):
            raise self.error(f"tests[{i}]", "give the inputs: `cases:`, a `template:` with `fill:`, "
                             "or `rows:` (a sample of --data)", line_of(data))
        spec["cases"] = self.cases(data, where, kind)
        if "template" in data:
            spec["template"] = plain(data["template"])
            fill = data.get("fill") or {}
            if not isinstance(fill, dict) or not all(isinstance(v, list) and v for v in fill.values()):
                raise self.error(f"{where}fill", "expected a mapping of slot -> list of values",
                                 line_of(data, "fill"))
            spec["fill"] = {str(k): tuple(plain(v)) for k, v in fill.items()}
            self.check_template(spec["template"], spec["fill"], f"{where}template", line_of(data, "template"), suite)
        spec["rows"] = self.amount(data, "rows", where, 1, None, None, integer=True)
        spec["min_pass_rate"] = self.amount(data, "min_pass_rate", where, 0, 1, 1.0 if kind == "mft" else 0.95)
        spec["tolerance"] = self.amount(data, "tolerance", where, 0, None, 0.0)
        spec["columns"] = self.names(data, "columns", where)
        if kind == "mft":
            if "expect" in data:
                spec["expect"] = self.expectation(data["expect"], f"{where}expect", line_of(data, "expect"))
            elif not spec["cases"] or any(e is None for _, e in spec["cases"]):
                raise self.error(f"tests[{i}]", "an mft needs `expect:` (or an expect on every case)", line_of(data))
        else:
            options = INVARIANT if kind == "invariance" else DIRECTIONAL
            if "perturb" not in data:
                raise self.error(f"tests[{i}]", f"missing `perturb:` ({', '.join(options)})", line_of(data))
            spec["perturb"] = self.choice(data, "perturb", f"{where}perturb", options, None)
            spec["pct"] = self.amount(data, "pct", where, 0, 1000, 5.0)
            if suite.input == "table" and spec["perturb"] in ("typos", "case", "whitespace", "synonyms", "numbers",
                                                               "noise", "increase", "decrease", "entities") \
                    and not spec["columns"]:
                raise self.error(f"tests[{i}]", f"perturb {spec['perturb']} on a table needs `columns:`", line_of(data))
        if kind == "directional":
            spec["expect"] = self.choice(data, "expect", f"{where}expect", DIRECTIONS, None)
            if spec["expect"] is None:
                raise self.error(f"tests[{i}]", f"missing `expect:` ({', '.join(DIRECTIONS)})", line_of(data))
            if spec["expect"] == "flip" and spec["output"] != "label":
                raise self.error(f"{where}expect", "flip compares labels: use output: label, or up/down for "
                                 "scores", line_of(data, "expect"))
            if spec["expect"] != "flip" and spec["output"] != "score":
                raise self.error(f"{where}expect", f"{spec['expect']} compares scores: use output: score "
                                 "(with class: for predict_proba)", line_of(data, "expect"))
        if kind != "mft":
            spec.update(self.step(data, where, spec["perturb"]))
        return TestSpec(**spec)

    def names(self, data: dict, name: str, where: str) -> tuple[str, ...]:
        columns = data.get(name, [])
        columns = [columns] if isinstance(columns, str) else columns
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise self.error(f"{where}{name}", "expected a column name or a list of them", line_of(data, name))
        return tuple(columns)

    def step(self, data: dict, where: str, perturb: str) -> dict[str, Any]:
        if perturb == "append":
            text = data.get("text")
            if not isinstance(text, str) or not text:
                raise self.error(f"{where}text", "perturb append needs `text:` (what to add)", line_of(data))
            return {"text": text}
        if perturb in ("increase", "decrease"):
            by = data.get("by", "10%")
            pct = isinstance(by, str) and by.strip().endswith("%")
            try:
                value = float(by.strip().rstrip("%")) if isinstance(by, str) else float(by)
            except (TypeError, ValueError):
                value = float("nan")
            if not value > 0 or isinstance(by, bool):
                raise self.error(f"{where}by", f"expected a positive step like 10% or 5, got {by!r}",
                                 line_of(data, "by"))
            return {"by": value, "by_pct": pct}
        return {}

    def cases(self, data: dict, where: str, kind: str) -> tuple[tuple[Any, Expectation | None], ...]:
        cases = data.get("cases")
        if cases is None:
            return ()
        if not isinstance(cases, list) or not cases:
            raise self.error(f"{where}cases", "expected a list of inputs (or of {input:, expect:})",
                             line_of(data, "cases"))
        out = []
        for j, case in enumerate(cases):
            if isinstance(case, dict) and "input" in case:
                self.keys(case, ("input", "expect"), f"{where}cases[{j}]")
                expect = None
                if "expect" in case:
                    if kind != "mft":
                        raise self.error(f"{where}cases[{j}].expect", f"{kind} tests compare outputs; "
                                         "put expect on mft cases only", line_of(case, "expect"))
                    expect = self.expectation(case["expect"], f"{where}cases[{j}].expect", line_of(case, "expect"))
                out.append((plain(case["input"]), expect))
            else:
                out.append((plain(case), None))
        return tuple(out)

    def expectation(self, value: Any, key: str, line: int | None) -> Expectation:
        if not isinstance(value, dict):
            return Expectation(equals=plain(value))
        self.keys(value, EXPECT_KEYS, key)
        if "in" in value:
            if not isinstance(value["in"], list) or not value["in"]:
                raise self.error(f"{key}.in", "expected a list of allowed outputs", line_of(value, "in"))
            return Expectation(within=tuple(plain(value["in"])))
        if "equals" in value:
            return Expectation(equals=plain(value["equals"]))
        low = self.amount(value, "min", f"{key}.", float("-inf"), None, None)
        high = self.amount(value, "max", f"{key}.", float("-inf"), None, None)
        if low is None and high is None:
            raise self.error(key, "expected a value, {in: [...]}, or {min:, max:}", line)
        return Expectation(low=low, high=high)

    def check_template(self, template: Any, fill: dict[str, tuple[Any, ...]], key: str, line: int | None,
                       suite: Suite) -> None:
        import string

        texts = [template] if isinstance(template, str) else \
            [v for v in template.values() if isinstance(v, str)] if isinstance(template, dict) else None
        if texts is None or (suite.input == "text" and not isinstance(template, str)):
            want = "text with {slots}" if suite.input == "text" else "a mapping of column -> value or {slot}"
            raise self.error(key, f"expected {want}", line)
        if suite.input == "table" and not isinstance(template, dict):
            raise self.error(key, "expected a mapping of column -> value or {slot}", line)
        for text in texts:
            try:
                slots = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError as exc:
                raise self.error(key, f"not a template ({exc})", line) from None
            missing = sorted(s for s in slots if s not in fill)
            if missing:
                raise self.error(key, f"slot {{{missing[0]}}} has no values in `fill:`", line)
