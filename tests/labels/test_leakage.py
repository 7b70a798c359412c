"""leakage.target (one feature predicts the label alone) and leakage.train_test_overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import penguins, random_halves

pytest.importorskip("sklearn")


def clean_penguins() -> pd.DataFrame:
    return penguins().dropna().reset_index(drop=True)


def coded(report, code):
    return [f for f in report.findings if f.code == code]


def test_a_copy_of_the_class_label_is_target_leakage():
    df = clean_penguins()
    df["species_code"] = df["species"].map({"Adelie": "A1", "Chinstrap": "C2", "Gentoo": "G3"})
    (f,) = coded(tripwire.scan(df, label="species", only=["target_leakage"]), "leakage.target")
    assert f.columns == ("species_code", "species") and f.severity == "error"
    assert f.evidence["metric"] == "AUC" and f.evidence["score"] >= 0.98
    assert "species_code: predicts species alone" in f.title


def test_a_rescaled_numeric_target_is_leakage_by_r2():
    df = clean_penguins()
    rng = np.random.default_rng(0)
    df["mass_kg"] = df["body_mass_g"] / 1000 + rng.normal(0, 0.005, len(df))
    found = coded(tripwire.scan(df.drop(columns=["species"]), label="body_mass_g", only=["target_leakage"]),
                  "leakage.target")
    assert [f.columns[0] for f in found] == ["mass_kg"] and found[0].evidence["metric"] == "R²"


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_random_halves_leak_nothing(seed):
    half, _ = random_halves(clean_penguins(), seed=seed)
    assert not coded(tripwire.scan(half, label="species", only=["target_leakage"]), "leakage.target")


def test_test_rows_copied_from_train_are_counted_exactly():
    train, test = random_halves(clean_penguins(), seed=2)
    copied = train.iloc[:6].copy()
    copied.iloc[0, copied.columns.get_loc("island")] = " " + copied.iloc[0]["island"].upper()
    bad = pd.concat([test, copied], ignore_index=True)
    (f,) = coded(tripwire.scan(bad, train, only=["train_test_overlap"]), "leakage.train_test_overlap")
    n = len(test)
    assert f.evidence["all_rows"] == list(range(n, n + 6)) and f.evidence["count"] == 6
    assert f.evidence["exact_rows"] == 5 and f.evidence["only_after_normalising"] == 1
    assert f.evidence["exact_count"] and f.severity == "error"
    assert f.title.startswith(f"6 rows of the batch ({6 / len(bad):.1%})")


@pytest.mark.parametrize("seed", [0, 1])
def test_random_halves_share_no_rows(seed):
    train, test = random_halves(clean_penguins(), seed=seed)
    assert not coded(tripwire.scan(test, train, only=["train_test_overlap"]), "leakage.train_test_overlap")
