"""The report's labels and evaluation sections: they render, in a browser too, and escape values."""

from __future__ import annotations

import functools
import http.server
import threading

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import penguins

pytest.importorskip("cleanlab")

PAYLOAD = "<script>document.body.setAttribute('data-pwned-label','1')</script>"
GROUP = '<img src=x onerror="document.body.setAttribute(\'data-pwned-group\',\'1\')">'


@pytest.fixture(scope="module")
def labels_report():
    df = penguins().dropna().reset_index(drop=True)
    df["species"] = df["species"].replace({"Gentoo": PAYLOAD})
    rng = np.random.default_rng(0)
    flip = rng.choice(len(df), 20, replace=False)
    names = sorted(df.species.unique())
    df.loc[flip, "species"] = [names[(names.index(s) + 1) % 3] for s in df.loc[flip, "species"]]
    return tripwire.scan(df, label="species", only=["labels"])


@pytest.fixture(scope="module")
def evaluation_report():
    rng = np.random.default_rng(1)
    n = 1500
    x = rng.normal(size=n)
    y = np.where(x + rng.normal(size=n) > 0, PAYLOAD, "no")
    p = 1 / (1 + np.exp(-2 * x))
    df = pd.DataFrame({"x": x, "g": rng.choice([GROUP, "b"], n), "y": y, "pred": np.where(p > 0.5, PAYLOAD, "no"),
                       "p": p, "base": "no"})
    return tripwire.evaluate(df, label="y", prediction="pred", proba="p", group="g", baseline="base",
                             positive=PAYLOAD, resamples=100)


def test_labels_section_lists_suspects_escaped(labels_report):
    page = labels_report.to_html()
    assert '<section id="labels">' in page
    assert PAYLOAD not in page and "&lt;script&gt;document.body" in page
    (noisy,) = labels_report.by_code("labels.noisy")
    first = noisy.evidence["suspects"][0]
    assert f'<td class="num">{first["row"]}</td>' in page
    assert "Class counts" in page and "estimated noise rate per class" in page


def test_evaluation_section_groups_the_metrics(evaluation_report):
    page = evaluation_report.to_html()
    assert '<section id="evaluation">' in page
    for heading in ("Metrics, with bootstrap intervals", "Against the baselines", "By group (fairness)",
                    "Calibration", "Confusion matrix"):
        assert heading in page, heading
    assert PAYLOAD not in page and GROUP not in page
    accuracy = next(r for r in evaluation_report.metrics if r["metric"] == "accuracy" and "group" not in r)
    assert f"{accuracy['value']:.4f}".rstrip("0") in page


def test_scan_without_labels_has_neither_section():
    page = tripwire.scan(penguins().head(50)).to_html()
    assert 'id="labels"' not in page and 'id="evaluation"' not in page


def test_sections_render_in_chromium_and_stay_inert(labels_report, evaluation_report, tmp_path):
    from tests.html.test_browser import ARGS, chromium_path

    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        from tests.conftest import skip_or_fail

        skip_or_fail("needs the playwright package (pip install 'tripwire[dev]')")
    (tmp_path / "labels.html").write_text(labels_report.to_html(), encoding="utf-8")
    (tmp_path / "evaluate.html").write_text(evaluation_report.to_html(), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, args=ARGS)
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/labels.html")
            page.wait_for_load_state("networkidle")
            assert page.locator("#labels").is_visible()
            cells = page.locator("table.suspects tbody tr").all()
            assert len(cells) > 5
            shown = page.locator("table.suspects td:nth-child(2)").all_inner_texts()
            shown += page.locator("table.suspects td:nth-child(3)").all_inner_texts()
            assert PAYLOAD in shown  # the label is shown as text, not run
            page.goto(f"{base}/evaluate.html")
            page.wait_for_load_state("networkidle")
            assert page.locator("#evaluation").is_visible()
            assert page.locator("table.metrics[data-part=headline] tbody tr").count() >= 5
            assert page.locator("table.confusion tbody tr").count() == 2
            groups = page.locator("table.metrics[data-part=groups]").inner_text()
            assert GROUP in groups
            marks = page.evaluate("Array.from(document.body.attributes).map(a => a.name)"
                                  ".filter(n => n.startsWith('data-pwned'))")
            assert marks == [] and errors == []
            browser.close()
    finally:
        server.shutdown()


def test_evaluate_cli_writes_html(tmp_path):
    from tests.cli.test_cli import run

    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    data = tmp_path / "preds.csv"
    pd.DataFrame({"x": x, "y": (x > 0).astype(int), "pred": (x + rng.normal(size=400) > 0).astype(int)}).to_csv(
        data, index=False)
    out = tmp_path / "eval.html"
    proc = run("evaluate", str(data), "--label", "y", "--prediction", "pred", "--resamples", "50",
               "--html", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert "metrics:" in proc.stdout  # the text report still prints
    assert '<section id="evaluation">' in out.read_text(encoding="utf-8")
