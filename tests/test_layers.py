"""The stages import only the layers below them (function-level imports included).

    base (errors, extras, yamlfile, vocabulary, progress, locators, report model and its
    text/JSON/JUnit renderers) <- io <- profiling <- (contracts | detectors, drift_detection)
    <- store <- alerts <- run <- html <- server <- cli

Imports under `if TYPE_CHECKING:` are not counted (they never run). The few facade methods
that compose a higher layer on purpose are listed in ALLOWED with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tripwire"

RANK = {
    "_version": 0, "errors": 0, "arrays": 0,
    "extras": 0.5, "yamlfile": 0.5, "vocabulary": 0.5, "progress": 0.5, "report": 0.5,
    "locators": 0.7,
    "engines": 0.5,  # the registry through which run hands a Spark DataFrame to tripwire.spark (above it)
    "intervals": 0.5,  # confidence intervals (pure maths) that checks, evaluation and model tests share
    "yamlschema": 0.6,  # the typed reading of every YAML file (contracts, suites, rules), one-line errors
    "io": 1,
    "profiling": 2,
    # join-key analysis: checks-level work that contracts (the `joins:` check) build on
    "joins": 2.5,
    "contracts": 3, "detectors": 3, "drift_detection": 3, "evaluation": 3, "modeltest": 3,
    # repairs of what detectors' findings propose (reads their evidence and patterns)
    "repair": 3.5,
    # explanations score models with evaluation's metrics and bootstrap: just above that stage
    "explaining": 3.5,
    "images": 3.5,  # image properties and checks: reads io, uses evaluation's slice search
    "privacy": 3,
    "agreement": 3.5,  # agreement coefficients draw their intervals with evaluation's bootstrap
    "store": 4,
    "guarding": 4.5,
    "alerts": 5,
    "run": 6, "spark": 6.5,
    "html": 7,
    "server": 8, "cli": 8.5, "__init__": 9, "__main__": 9, "testing": 9, "pytest_plugin": 9.5,
}
#: modules that sit lower than their package: settings read by several stages, importing no stage
MODULE_RANK = {"tripwire.drift_detection.config": 0.6}
#: packages of one rank that may import each other (one stage written as two folders)
SAME_STAGE = {frozenset({"detectors", "drift_detection"}), frozenset({"detectors", "privacy"})}
#: facade methods that compose a layer above on purpose: (module, imported package) -> why
ALLOWED = {
    ("tripwire.report.report", "html"): "Report.to_html(), the report's own renderer method",
    ("tripwire.profiling.dataset", "html"): "DatasetProfile._repr_html_() for notebooks",
    ("tripwire.contracts.model", "run"): "Contract.check(data), the contract's facade method",
    ("tripwire.report.report", "run"): "Report.fix(data), applying the report's proposed repairs",
}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int]]:
    """Return (imported tripwire module, line) for every import that runs (TYPE_CHECKING skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = "tripwire." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip.update(id(n) for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("tripwire")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.startswith("tripwire"):
                found.append((name, node.lineno))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("tripwire"):
                found.append((arg.value, node.lineno))
    return found


def test_every_stage_has_a_layer():
    stages = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
              if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert stages <= set(RANK), f"give these a layer in tests/test_layers.py: {sorted(stages - set(RANK))}"


def test_imports_go_down_the_layers_only():
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        module = "tripwire." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        mine = _stage(module)
        for target, line in _imports(path):
            theirs = _stage(target)
            if theirs == mine or (target == "tripwire" and mine in ("__init__", "__main__")):
                continue
            if frozenset({mine, theirs}) in SAME_STAGE:
                continue
            if (module.removesuffix(".__init__"), theirs) in ALLOWED:
                continue
            target_rank = MODULE_RANK.get(target, RANK.get(theirs, 99))
            if target_rank >= MODULE_RANK.get(module, RANK[mine]):
                bad.append(f"{path.relative_to(SRC.parent)}:{line}: {mine} imports {target} ({theirs} is not below)")
    assert not bad, "imports that go up or across the layers:\n" + "\n".join(bad)
