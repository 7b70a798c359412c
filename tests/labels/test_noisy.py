"""labels.noisy fires on injected label noise (right rows) and stays quiet on clean real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import penguins, random_halves

pytest.importorskip("cleanlab")
pytest.importorskip("sklearn")


def clean_penguins() -> pd.DataFrame:
    return penguins().dropna().reset_index(drop=True)


def noisy_finding(report):
    found = [f for f in report.findings if f.code == "labels.noisy"]
    assert len(found) == 1, [(f.code, f.title) for f in report.findings]
    return found[0]


def flip(labels: pd.Series, share: float, seed: int) -> tuple[pd.Series, np.ndarray]:
    """Return labels with `share` of rows moved to another class, and the flipped positions."""
    rng = np.random.default_rng(seed)
    classes = np.array(sorted(labels.unique()))
    idx = np.sort(rng.choice(len(labels), round(share * len(labels)), replace=False))
    out = labels.copy()
    for i in idx:
        out.iloc[i] = rng.choice(classes[classes != labels.iloc[i]])
    return out, idx


@pytest.fixture(scope="module")
def injected():
    df = clean_penguins()
    df["species"], flipped = flip(df["species"], 0.08, seed=3)
    return df, flipped, tripwire.scan(df, label="species", only=["noisy_labels"])


def test_flipped_penguin_labels_are_found_with_given_and_suggested_labels(injected):
    df, flipped, report = injected
    f = noisy_finding(report)
    found = set(f.evidence["all_rows"])
    hits = found & set(flipped.tolist())
    assert len(hits) / len(flipped) >= 0.85  # recall
    assert len(hits) / len(found) >= 0.85  # precision
    assert f.severity == "error" and f.columns == ("species",)
    assert f.evidence["count"] == len(found) == len(f.evidence["all_rows"])
    assert list(f.rows) == f.evidence["all_rows"][:100]
    first = f.evidence["suspects"][0]
    assert first["given"] == df["species"].iloc[first["row"]] and first["suggested"] != first["given"]
    proxy = f.evidence["proxy"]
    assert 0.8 < proxy["accuracy"] < 1 and proxy["log_loss"] > 0 and not proxy["weak"]
    assert set(f.evidence["noise_rate_by_class"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert f"{f.evidence['count']:,} rows look mislabelled" in f.title


def test_same_input_same_finding(injected):
    df, _, report = injected
    again = tripwire.scan(df, label="species", only=["noisy_labels"])
    assert noisy_finding(again).to_dict() == noisy_finding(report).to_dict()


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_random_halves_raise_no_error(seed):
    half, _ = random_halves(clean_penguins(), seed=seed)
    report = tripwire.scan(half, label="species", only=["noisy_labels"])
    assert not [f for f in report.findings if f.code == "labels.noisy" and f.severity == "error"]


def test_identifier_and_label_copy_columns_are_left_out():
    df = clean_penguins()
    df.insert(0, "id", np.arange(len(df)))
    df["species"], _ = flip(df["species"], 0.05, seed=4)
    df["species_code"] = df["species"].map({"Adelie": 1, "Chinstrap": 2, "Gentoo": 3})  # made from the label
    f = noisy_finding(tripwire.scan(df, label="species", only=["noisy_labels"]))
    left = f.evidence["proxy"]["left_out"]
    assert left["id"].startswith("identifier") and "leakage" in left["species_code"]


def test_weak_proxy_lowers_severity_and_says_so():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=400), "z": rng.normal(size=400),
                       "y": rng.choice(["a", "b"], 400)})
    f = noisy_finding(tripwire.scan(df, label="y", only=["noisy_labels"]))
    assert f.evidence["proxy"]["weak"] and f.severity == "info"
    if f.evidence["count"]:
        assert "weak proxy" in f.title


def test_given_probabilities_are_ranked_without_a_proxy():
    rng = np.random.default_rng(1)
    n, k = 600, 3
    truth = rng.integers(0, k, n)
    probs = np.full((n, k), 0.05)
    probs[np.arange(n), truth] = 0.9
    given = truth.copy()
    wrong = np.sort(rng.choice(n, 30, replace=False))
    given[wrong] = (truth[wrong] + 1) % k
    df = pd.DataFrame(probs, columns=["p0", "p1", "p2"]).assign(y=given)
    f = noisy_finding(tripwire.scan(df, label="y", only=["noisy_labels"],
                                    options={"proba_columns": ["p0", "p1", "p2"]}))
    assert sorted(f.evidence["all_rows"]) == wrong.tolist()
    assert f.evidence["proxy"]["model"] == "given out-of-sample probabilities"


@pytest.mark.parametrize(("frame", "options", "why"), [
    (pd.DataFrame({"x": np.arange(50.0), "y": np.linspace(0, 1, 50) ** 2}), {}, "continuous"),
    (pd.DataFrame({"x": np.arange(50.0), "y": ["a"] * 50}), {}, "one class"),
    (pd.DataFrame({"p0": [0.5] * 40, "p1": [0.2] * 40, "y": [0, 1] * 20}), {"proba_columns": ["p0", "p1"]},
     "do not sum to 1"),
    (pd.DataFrame({"p0": [0.5] * 40, "p1": [0.5] * 40, "y": [0, 1, 2, 2] * 10}), {"proba_columns": ["p0", "p1"]},
     "2 probability columns for 3 classes"),
    (pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20}), {"proba_columns": ["nope"]}, "'nope' does not exist"),
])
def test_bad_input_is_a_finding_that_says_why(frame, options, why):
    f = noisy_finding(tripwire.scan(frame, label="y", only=["noisy_labels"], options=options))
    assert f.severity == "info" and f.evidence["judged"] is False
    assert why in f.title


def test_single_row_classes_are_set_aside():
    df = clean_penguins()
    df.loc[0, "species"] = "Emperor"
    f = noisy_finding(tripwire.scan(df, label="species", only=["noisy_labels"]))
    assert f.evidence["single_row_classes"] == {"Emperor": 1}
    assert 0 not in f.evidence["all_rows"]


def test_missing_feature_values_are_filled_not_fatal():
    df = penguins()  # with its missing measurements
    f = noisy_finding(tripwire.scan(df, label="species", only=["noisy_labels"]))
    assert f.evidence["judged"] and f.evidence["judged_rows"] == int(df["species"].notna().sum())
