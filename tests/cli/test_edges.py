"""Edges a newcomer hit (issue 12, item 6): unknown names, help text, piped tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.test_cli import ROOT, assert_one_line_error

#: commands whose help this package renders (serve and demo register themselves elsewhere)
COMMANDS = ("profile", "show", "scan", "check", "infer", "drift", "log", "history", "lineage", "reference")


def run_piped(*args: str, cwd: Path, columns: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI with stdout to a pipe, as `tripwire ... | less` would, without $TRIPWIRE_STORE."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TRIPWIRE_STORE")}
    env["PYTHONPATH"] = str(ROOT / "src")
    if columns:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.mark.parametrize("args", [("history", "orderz"), ("history",), ("history", "orderz", "--alerts"),
                                  ("lineage", "churn@1"), ("reference", "orderz", "1")])
def test_reading_an_absent_store_is_one_line_and_creates_nothing(tmp_path, args):
    proc = run_piped(*args, cwd=tmp_path)
    assert_one_line_error(proc, "no history store", "tripwire log")
    assert list(tmp_path.iterdir()) == []


def test_unknown_dataset_and_model_in_an_existing_store(tmp_path, flights):
    data = tmp_path / "jan.csv"
    flights.head(500).to_csv(data, index=False)
    store = f"sqlite:///{tmp_path / 'h.db'}"
    logged = run_piped("log", str(data), "--dataset", "orders", "--store", store, cwd=tmp_path)
    assert logged.returncode in (0, 1), logged.stderr
    assert_one_line_error(run_piped("history", "orderz", "--store", store, cwd=tmp_path), "'orderz'", "orders")
    assert_one_line_error(run_piped("history", "orderz", "--alerts", "--store", store, cwd=tmp_path), "'orderz'")
    assert_one_line_error(run_piped("lineage", "nomodel", "--store", store, cwd=tmp_path), "'nomodel'", "--model")
    listed = run_piped("history", "--store", store, cwd=tmp_path)
    assert listed.returncode == 0 and "orders" in listed.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_bool_type(tmp_path, command):
    proc = run_piped(command, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "<bool>" not in proc.stdout and "--help" in proc.stdout


def test_piped_tables_are_not_wrapped_at_80_columns(tmp_path, flights):
    data = tmp_path / "flights.csv"
    flights.head(2_000).to_csv(data, index=False)
    proc = run_piped("profile", str(data), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == len(flights.columns)  # one line per column: nothing folded
    assert max(len(line) for line in proc.stdout.splitlines()) > 80
    assert any("time_hour" in line and "2013-01-01" in line for line in rows)


def test_columns_still_sets_the_width(tmp_path, flights):
    data = tmp_path / "flights.csv"
    flights.head(200).to_csv(data, index=False)
    proc = run_piped("profile", str(data), cwd=tmp_path, columns="100")
    assert proc.returncode == 0, proc.stderr
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_profile_html_says_it_is_a_profile(tmp_path, flights):
    data, page = tmp_path / "flights.csv", tmp_path / "p.html"
    flights.head(500).to_csv(data, index=False)
    proc = run_piped("profile", str(data), "--html", str(page), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    assert "No issues found" not in text and "A profile" in text
