"""Real drift is found and described: flights January vs July, GSS 1970s vs 2010s, tweets."""

from __future__ import annotations

import pandas as pd

import tripwire
from tests.realdata import gss_wages, trump_tweets


def _by_column(report, code="drift.feature"):
    return {f.columns[0]: f for f in report.by_code(code)}


def test_flights_january_vs_july(flights):
    jan = flights[flights.month == 1].reset_index(drop=True)
    jul = flights[flights.month == 7].reset_index(drop=True)
    report = tripwire.drift(jul, jan)
    cols = _by_column(report)
    # month holds one value per batch (1, then 7): a partition key, told but not an alarm
    assert cols["month"].severity == "info" and "partition key" in cols["month"].title
    assert cols["dep_delay"].severity in ("warning", "error")
    assert "95th percentile" in cols["dep_delay"].title
    assert cols["arr_delay"].severity in ("warning", "error")
    stable = {"origin", "carrier", "distance", "sched_dep_time"}
    assert not {c for c, f in cols.items() if f.severity != "info"} & stable
    [mv] = report.by_code("drift.multivariate")
    assert mv.evidence["auc"] > 0.7 and "month" not in mv.columns  # July really differs, not by label


def test_gss_wages_1970s_vs_2010s():
    g = gss_wages()
    report = tripwire.drift(g[g.year >= 2010].reset_index(drop=True),
                            g[(g.year >= 1970) & (g.year < 1980)].reset_index(drop=True))
    cols = _by_column(report)
    assert cols["year"].severity == "error"
    assert cols["educcat"].severity == "warning" and "'Bachelor'" in cols["educcat"].title
    assert cols["maritalcat"].severity == "warning" and "'Never Married'" in cols["maritalcat"].title


def test_trump_tweets_2009_2013_vs_2016_2017():
    t = trump_tweets()
    year = pd.to_datetime(t["created_at"]).dt.year
    report = tripwire.drift(t[year >= 2016].reset_index(drop=True), t[year <= 2013].reset_index(drop=True))
    source = _by_column(report)["source"]
    assert source.severity == "error"
    assert "new top value 'Twitter for iPhone'" in source.title
    assert "id_str" not in _by_column(report)  # ids move by design
    [text] = report.by_code("drift.text")
    assert text.severity == "error" and text.columns == ("text",)
    assert text.evidence["auc"] > 0.9
    assert text.evidence["tokens_appeared"] and text.evidence["tokens_vanished"]
    assert text.evidence["examples_new"]
