"""labels.conflicting: identical inputs with different labels, also once text is normalised."""

from __future__ import annotations

import pandas as pd
import pytest

import tripwire
from tests.realdata import penguins, random_halves


def clean_penguins() -> pd.DataFrame:
    return penguins().dropna().reset_index(drop=True)


def conflicts(report):
    return [f for f in report.findings if f.code == "labels.conflicting"]


def test_copied_rows_with_another_label_are_grouped_with_counts_and_rows():
    df = clean_penguins()
    n = len(df)
    other = {"Adelie": "Gentoo", "Gentoo": "Chinstrap", "Chinstrap": "Adelie"}
    copies = df.iloc[[3, 10, 50]].copy()
    copies["species"] = copies["species"].map(other)
    spaced = df.iloc[[100]].copy()  # same bird, text typed differently, another label
    spaced["island"] = "  " + spaced["island"].str.upper() + " "
    spaced["species"] = spaced["species"].map(other)
    bad = pd.concat([df, copies, spaced], ignore_index=True)
    (f,) = conflicts(tripwire.scan(bad, label="species", only=["conflicting_labels"]))
    assert f.evidence["groups"] == 4 and f.evidence["count"] == 8
    assert f.evidence["all_rows"] == sorted([3, 10, 50, 100, n, n + 1, n + 2, n + 3])
    assert f.evidence["groups_only_after_normalising_text"] == 1
    group = next(g for g in f.evidence["largest_groups"] if g["rows"] == [3, n])
    assert group["count"] == 2 and sorted(group["labels"].values()) == [1, 1]
    assert f.severity == "warning" and f.columns[0] == "species"
    assert "4 groups of identical inputs carry different labels (8 rows" in f.title


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_random_halves_have_no_conflicts(seed):
    half, _ = random_halves(clean_penguins(), seed=seed)
    assert not conflicts(tripwire.scan(half, label="species", only=["conflicting_labels"]))


def test_same_label_on_repeated_rows_is_not_a_conflict():
    df = clean_penguins()
    bad = pd.concat([df, df.iloc[:20]], ignore_index=True)
    assert not conflicts(tripwire.scan(bad, label="species", only=["conflicting_labels"]))
