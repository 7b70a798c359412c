"""A missing optional dependency is one line that names the extra to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tripwire.errors import MissingExtraError
from tripwire.extras import require

ROOT = Path(__file__).resolve().parents[1]


def test_require_names_the_extra(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name.split(".")[0] == "sklearn":
            raise ImportError("No module named 'sklearn'")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(MissingExtraError, match=r"pip install 'tripwire\[ml\]'"):
        require("sklearn.linear_model", "Multivariate drift")


def test_cli_without_duckdb_says_which_extra(tmp_path):
    blocker = tmp_path / "block" / "duckdb"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('duckdb is blocked for this test')\n")
    env = dict(os.environ, PYTHONPATH=f"{blocker.parent}{os.pathsep}{ROOT / 'src'}")
    proc = subprocess.run([sys.executable, "-m", "tripwire", "profile", "sql:SELECT 1 AS x"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "tripwire[duckdb]" in proc.stderr
