"""Each perturbation changes what it says and nothing else, the same way for the same seed."""

from __future__ import annotations

import numpy as np
import polars as pl

from tripwire.modeltest import perturb as pt


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_typo_swaps_two_adjacent_letters_of_one_word():
    [out] = pt.typo(["the weather was lovely"], rng())
    assert out != "the weather was lovely" and sorted(out) == sorted("the weather was lovely")
    assert sum(a != b for a, b in zip(out, "the weather was lovely", strict=True)) == 2
    assert pt.typo(["a b c"], rng()) == [None]  # no word of four letters
    assert pt.typo(["the weather was lovely"], rng()) == [out]


def test_case_whitespace_negate_append():
    assert pt.case(["Good Film"], rng())[0] in ("GOOD FILM", "good film")
    assert pt.case(["123"], rng()) == [None]
    assert pt.whitespace(["a good film"], rng())[0].replace("  ", " ").strip() == "a good film"
    assert pt.negate(["it was good", "it wasn't good", "great"], rng()) == ["it was not good", None, None]
    assert pt.append(["fine "], "Really.") == ["fine Really."]


def test_synonyms_and_entities_swap_within_their_list_keeping_capitals():
    out = pt.swap_words(["Film of the year", "no match"], [["film", "movie"]], rng())
    assert out == ["Movie of the year", None]
    out = pt.swap_words(["Blair met Brown"], [["Blair", "Howard"], ["Brown", "Kennedy"]], rng())
    assert out == ["Howard met Brown"]


def test_numbers_are_written_another_way_with_the_same_value():
    assert pt.numbers(["paid 1000 for 2.50 kg of 7 apples", "none"], rng()) == [
        "paid 1,000 for 2.5 kg of 7.0 apples", None]
    [noisy] = pt.noise_in_text(["costs 200 dollars"], 5, rng())
    assert 190 <= int(noisy.split()[1]) <= 210


def test_table_perturbations_are_vectorised_and_keep_types():
    frame = pl.DataFrame({"n": [10, 20, 30], "x": [1.0, 2.0, 3.0], "s": ["Good film", "ok", "Film"]})
    noisy = pt.noise(frame, ["x", "n"], 10, rng())
    assert noisy.schema == frame.schema
    assert ((noisy["x"] / frame["x"] - 1).abs() <= 0.1 + 1e-12).all()
    assert pt.shift(frame, ["n"], 10, True, 1)["n"].to_list() == [11, 22, 33]
    assert pt.shift(frame, ["x"], 1, False, -1)["x"].to_list() == [0.0, 1.0, 2.0]
    assert pt.number_types(frame, ["n"]).schema["n"] == pl.Float64
    assert pt.column_order(frame).columns == ["s", "x", "n"]
    swapped = pt.text_columns(frame, ["s"], lambda t: pt.swap_words(t, [["film", "movie"]], rng()))
    assert swapped["s"].to_list() == ["Good movie", "ok", "Movie"]
