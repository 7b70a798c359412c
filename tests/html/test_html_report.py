"""The HTML report: self-contained, small, escaped against hostile data, personal data masked."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import tripwire
from tests.realdata import flights
from tripwire.report import DatasetInfo, Finding, Report

HOSTILE = ["<script>window.__pwned=1</script>", '"onerror="window.__pwned=1', "</textarea><b>x",
           "{{ 7*7 }}", "x" * 10_000, "<img src=x onerror=alert(1)>"]


def hostile_report() -> Report:
    df = pd.DataFrame({
        "<script>alert(1)</script>": HOSTILE * 20,
        "email": [f"user{i}@example.com" for i in range(120)],
        "note": HOSTILE * 20,
        "amount": [*list(range(119)), 10 ** 9],
    })
    report = tripwire.scan(df)
    extra = Finding("data.encoding", "error", (HOSTILE[0],), HOSTILE[0] + " in the title",
                    {"examples": HOSTILE, "value": HOSTILE[1]}, fix=HOSTILE[3], detector="x")
    return Report(command="scan", dataset=report.dataset, findings=(*report.findings, extra),
                  checks=report.checks, extra=report.extra)


def test_every_hostile_value_is_escaped():
    page = hostile_report().to_html()
    scripts = re.findall(r"<script\b", page)
    assert len(scripts) == 1  # only the report's own script
    assert "<img" not in page and "</textarea><b>" not in page
    assert "&lt;script&gt;" in page
    assert 'onerror="' not in page
    assert "x" * 300 not in page  # long values are cut


def test_personal_data_is_masked_by_default():
    page = hostile_report().to_html()
    assert "user1@example.com" not in page and "masked" in page
    shown = hostile_report().to_html(show_personal=True)
    assert "user0@example.com" in shown


def test_twenty_columns_report_is_small_and_offline():
    df = flights().head(50_000).iloc[:, :19].assign(extra=1.5)
    page = tripwire.scan(df.iloc[25_000:], df.iloc[:25_000]).to_html()
    assert len(page.encode()) < 2 * 1024 * 1024
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing loads from the network
    assert "Content-Security-Policy" in page
    assert page.count("<svg") >= 20


def test_report_without_profiles_still_renders():
    r = Report(command="check", dataset=DatasetInfo("x", 3, 1, None),
               findings=(Finding("data.out_of_range", "error", ("a",), "a is bad", {"count": 1}),))
    page = Report.from_dict(r.to_dict()).to_html()
    assert "a is bad" in page and "Columns" not in page


def test_cli_format_html(tmp_path):
    from tests.cli.test_cli import run

    data = tmp_path / "d.csv"
    flights().head(2_000).to_csv(data, index=False)
    out = tmp_path / "r.html"
    proc = run("scan", str(data), "--format", "html", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_jupyter_reprs():
    prof = tripwire.profile(flights().head(1_000))
    assert prof._repr_html_().startswith("<iframe srcdoc=")
    assert tripwire.scan(flights().head(1_000))._repr_html_().startswith("<iframe")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_value_in_a_finding_title(value):
    r = Report(command="scan", dataset=DatasetInfo(value, 1, 1),
               findings=(Finding("data.outliers", "warning", (value,), value, {"v": value}, fix=value),))
    page = r.to_html()
    assert page.count("<script") == 1
