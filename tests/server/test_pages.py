"""What the dashboard shows: readable chart axes, the data's own time on the x axis, the
same median as the report, the reference overlaid on the batch report, and `serve` on a busy
port."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tripwire.server import charts
from tripwire.server.app import create_app

BASE = "http://127.0.0.1:8765"
NAME = "nyc <flights>"


@pytest.fixture(scope="module")
def client(store_url):
    return TestClient(create_app(store_url), base_url=BASE)


def _axis_labels(svg: str) -> list[str]:
    return re.findall(r'<text[^>]*class="axis"[^>]*text-anchor="end">([^<]*)</text>', svg)


def test_a_constant_zero_is_drawn_on_zero_to_one():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    svg = charts.trend([(t0 + timedelta(days=i), 0) for i in range(5)], "errors", integer=True)
    labels = _axis_labels(svg)
    assert "-1" not in labels and labels[0] == "0" and labels[-2] == "1"  # the last one is the date
    assert charts.nice_ticks(0, 0, zero_based=True, integer=True) == [0, 1]


def test_counts_start_at_zero_in_whole_steps_and_shares_are_percent():
    assert charts.nice_ticks(842, 1004, zero_based=True, integer=True) == [0, 250, 500, 750, 1000, 1250]
    assert charts.nice_ticks(0, 3, zero_based=True, integer=True) == [0, 1, 2, 3]
    ticks = charts.nice_ticks(0.01, 0.035, zero_based=True)
    assert [charts.tick_label(t, ticks[1] - ticks[0], percent=True) for t in ticks] == ["0%", "1%", "2%", "3%", "4%"]
    assert charts.nice_ticks(-5.0, -5.0) == [-5.5, -5.0, -4.5] or charts.nice_ticks(-5.0, -5.0)[0] < -5.0


def test_axis_labels_fit_inside_the_chart():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    svg = charts.trend([(t0 + timedelta(days=i), 1_234_567.0 * (i + 1)) for i in range(30)], "rows", integer=True)
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    left = min(float(x) for x in re.findall(r'<line x1="([\d.]+)"', svg))
    longest = max(len(s) for s in _axis_labels(svg)[:-1])
    assert left >= longest * charts.CHAR_PX  # y labels are right-aligned left of the plot, all visible
    xs = re.findall(r'<text x="([\d.]+)" y="\d+" class="axis" text-anchor="(start|middle|end)">(\d{4}-\d\d-\d\d)', svg)
    assert xs[0][1] == "start" and xs[-1][1] == "end" and float(xs[-1][0]) <= width
    assert xs[0][2] == "2024-01-01" and xs[-1][2] == "2024-01-30"


def test_hostile_labels_are_escaped():
    svg = charts.trend([(datetime(2024, 1, 1, tzinfo=UTC), 1.0)], '<script>alert(1)</script>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_dataset_page_uses_the_data_time(client):
    page = client.get(f"/datasets/{NAME}").text
    assert "x axis: data time (time_hour, earliest value of each batch)" in page
    # the flights days 1..7 of January 2013, not the time they were logged
    assert "2013-01-01" in page and "2013-01-07" in page


def test_the_dashboard_median_is_the_reports_median(client):
    batch = client.get(f"/api/datasets/{NAME}/batches").json()[-1]["id"]
    page = client.get(f"/datasets/{NAME}").text
    report = client.get(f"/batches/{batch}/report").text
    checked = 0
    for column in ("dep_time", "sched_dep_time", "distance", "air_time"):
        shown = re.search(rf"<td>{column}</td>(?:<td>[^<]*</td>){{3}}\s*<td>[^<]*</td><td class=\"median\">([^<]*)</td>", page)
        in_report = re.search(rf'data-col="{column}".*?median ([^ ]+) ·', report, flags=re.S)
        assert shown and in_report, column
        assert shown.group(1) == in_report.group(1), column
        checked += 1
    assert checked == 4


def test_the_batch_report_overlays_the_reference(client):
    batches = client.get(f"/api/datasets/{NAME}/batches").json()
    later = client.get(f"/batches/{batches[3]['id']}/report").text
    first = client.get(f"/batches/{batches[0]['id']}/report").text  # logged before any reference
    assert "reference: " in later and later.count("<polyline") >= 5  # the reference's distributions
    assert "<polyline" not in first


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path):
    from tests.cli.test_cli import assert_one_line_error, run

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = run("serve", "--port", str(port), "--store", f"sqlite:///{tmp_path}/h.db")
    assert_one_line_error(proc, f"port {port} on 127.0.0.1 is already in use", "--port")
    assert "dashboard on" not in proc.stdout + proc.stderr


def test_the_dashboard_withholds_the_columns_the_report_masks():
    """One decision: privacy.pii (zip is a postal code, phones_owned a count), not a name heuristic."""
    import numpy as np
    import polars as pl

    import tripwire
    from tripwire.privacy.masking import mask_profile, personal_columns
    from tripwire.server.pages import column_summary

    rng = np.random.default_rng(0)
    n = 500
    table = pl.DataFrame({"zip": rng.integers(10001, 99950, n), "phones_owned": rng.integers(0, 4, n),
                          "amount": rng.normal(100, 10, n), "email": [f"user{i}@example.org" for i in range(n)]})
    profile = tripwire.profile(table)
    personal = personal_columns(profile)
    assert personal == {"zip", "email"}
    numeric = {"zip", "phones_owned", "amount"}
    for shown in (profile, mask_profile(profile, personal)):  # as profiled, and as the store keeps it
        withheld = {r["column"] for r in column_summary(shown) if r["column"] in numeric and r["median"] == ""}
        assert withheld == personal & numeric
