"""One way to write every figure: shares, numbers, timestamps, row lists, cut names; and the
text, HTML and JUnit views of one finding showing the same figures (issue 12, item 3)."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from tests.realdata import flights

import tripwire
from tripwire.detectors import common
from tripwire.report import DatasetInfo, Finding, Report
from tripwire.report.format import (
    cut,
    evidence_line,
    number,
    pct,
    row_count,
    rows_line,
    share_of,
    timestamp,
)


def test_pct_is_the_one_share_writer_and_detectors_reexport_it():
    assert common.pct is pct
    assert [pct(x) for x in (0, 0.5, 0.054, 0.0054, 0.0003, 1.0)] == ["0%", "50%", "5.4%", "0.5%", "0.03%", "100%"]
    assert share_of(1340, 24_951) == pct(1340 / 24_951) == "5.4%"
    assert share_of(3, 0) == "0%"
    assert pct(-0.25) == "-25%" and pct(float("nan")) == "nan"


@pytest.mark.parametrize(("value", "text"), [
    (1340, "1340"), (1340.0, "1340"), (54_250.0, "54250"), (np.int64(7), "7"), (np.float64(1359.0), "1359"),
    (0.06071, "0.06071"), (123_456.7, "123457"), (-2.0, "-2"), (1.5e-7, "1.5e-07"), (float("inf"), "inf"),
    (True, "True"), ("abc", "abc"),
])
def test_integers_are_written_as_integers(value, text):
    assert number(value) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0.0, "1970-01-01 00:00"),
    (1_359_676_800.0, "2013-02-01 00:00"),
    (253_402_300_800.0 + 86_400 * 366, "10001-01-01 00:00"),  # past year 9999
    (-62_135_596_800.0 - 86_400 * 366, "0000-01-01 00:00"),  # before year 1 (year 0 is a leap year)
])
def test_timestamps_render_at_any_year(seconds, text):
    assert timestamp(seconds) == text


def test_extreme_timestamps_render_without_error():
    assert timestamp(-1e15).startswith("-3168")  # about 31.7 million years before 1970
    assert timestamp(1e300) == f"{number(1e300)} s since 1970"


def test_durations_and_times_of_day():
    assert timestamp(90.0, "duration[us]") == "90 s"
    assert timestamp(3_723.0, "time64[us]") == "01:02:03"
    assert timestamp(float("nan")) == "nan"


def _located(n: int, count: int | None = None) -> Finding:
    f = Finding("data.missing_values", "warning", ("air_time",), "air_time: missing",
                {"count": count if count is not None else n, "share": n / 24_951})
    return f.with_rows(list(range(188, 188 + n)), n)


@pytest.mark.parametrize(("n", "more"), [(1_340, "1,330"), (146, "136"), (101, "91")])
def test_more_rows_counts_from_the_findings_own_count(n, more):
    """Issue 12 symptoms: '(+1240 more)' after ten of 1,340 rows, '(+46 more)' for 146."""
    f = _located(n)
    line = rows_line(f)
    assert line.startswith("188, 189, 190") and line.count(",") == 9 + more.count(",")
    assert line.endswith(f"… (+{more} more)")
    assert row_count(f) == n


def test_rows_line_without_more_and_with_a_count_beyond_the_located_cap():
    assert rows_line(_located(3)) == "188, 189, 190"
    assert rows_line(_located(10)).endswith("197")  # exactly ten shown: nothing more
    capped = Finding("x.y", "info", ("a",), "t", {"count": 500_000}, rows=tuple(range(100)))
    assert rows_line(capped).endswith("(+499,990 more)")
    assert rows_line(Finding("x.y", "info", ("a",), "t")) == ""


def test_evidence_line_writes_shares_and_integers_one_way():
    ev = {"count": 79, "share": 79 / 15_978, "reference_share": 0.0, "distinct": 54_250.0,
          "examples": ["a", "b"], "all_rows": list(range(1_000))}
    assert evidence_line(ev) == "count=79; share=0.5%; reference_share=0%; distinct=54250; examples=['a', 'b']"
    assert len(evidence_line({"x": "y" * 10_000})) <= 220


def test_cut_keeps_short_text_and_marks_cut_text():
    assert cut("abc") == "abc"
    assert cut("x" * 500, 10) == "x" * 9 + "…"


@pytest.fixture(scope="module")
def february_scan() -> Report:
    df = flights()
    return tripwire.scan(df[df.month == 2], df[df.month == 1], name="february")


def test_text_html_and_junit_show_the_same_figures_on_real_data(february_scan):
    """Every finding's share, count and rows line read the same in the three views."""
    r = february_scan
    text, page, junit = r.to_text(), html.unescape(r.to_html()), html.unescape(r.to_junit())
    page = re.sub(r"</?b>", "", page)
    checked = 0
    for f in r.findings:
        if "share" in f.evidence:
            share = pct(f.evidence["share"])
            assert f"share={share}" in text
            assert f"share: {share}" in page
            checked += 1
        if f.rows:
            more = f"(+{row_count(f) - 10:,} more)"
            assert more in text and more in junit
            assert f"(+{row_count(f) - 20:,} more)" in page
    assert checked >= 4
    # cancelled flights: one finding for the columns missing together (issue 12, item 4)
    missing = [f for f in r.findings if f.code == "data.missing_values" and f.columns[0] == "dep_time"]
    assert missing and row_count(missing[0]) == missing[0].evidence["count"] == 1_261
    assert "(+1,251 more)" in text and "(+1251 more)" not in text


def test_report_with_a_ten_megabyte_dataset_name_stays_small():
    name = "n" * 10_000_000
    r = Report(command="scan", dataset=DatasetInfo(name, 3, 1, None), reference=DatasetInfo(name, 3, 1),
               findings=(Finding("data.outliers", "warning", (name,), name, {"v": name}, fix=name, detector=name),),
               notes=(name,))
    for out in (r.to_text(), r.to_html(), r.to_junit()):
        assert len(out) < 50_000


def _shares_agree(report: Report) -> int:
    """Assert that every finding's share, as written, is its count / rows; return how many."""
    checked = 0
    for f in report.findings:
        count, share = f.evidence.get("count"), f.evidence.get("share")
        if isinstance(count, (int, float)) and isinstance(share, (int, float)):
            assert pct(share) == share_of(int(count), report.dataset.rows), (f.code, f.columns, count, share)
            checked += 1
    return checked


def test_every_share_is_count_over_rows_on_real_data(february_scan):
    from tests.realdata import hotel_rates

    assert _shares_agree(february_scan) >= 2  # the grouped missing values: one source each
    assert _shares_agree(tripwire.scan(hotel_rates(), name="hotel_rates")) >= 1
