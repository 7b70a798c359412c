"""Hypothesis strategies for hostile input files (the seeded families in `malformed` too)."""

from __future__ import annotations

import gzip
import json

from hypothesis import strategies as st
from tests.fuzz.malformed import FAMILIES, Malformed, make

#: cells that have broken a reader or a renderer somewhere (kept small: a strategy, not a bench)
NASTY_CELLS = ["", " ", '"', '""', "\x00", "\r", "\r\n", "\ufeff", "NaN", "-0", "1e400",
               "9223372036854775808", "9999-12-31T23:59:59.999999", "0000-00-00", "💥",
               "<script>alert(1)</script>", "a@b.c" * 50, "\udcff"]

cells = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=40))


@st.composite
def csv_files(draw) -> Malformed:
    """A delimited text file: any cells, rows of any width, any delimiter, encoding and ending."""
    delimiter = draw(st.sampled_from([",", "\t", ";", "|"]))
    width = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=12))
    quote = draw(st.booleans())

    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    header = delimiter.join(f"c{i}" for i in range(width))
    text = "\n".join([header, *(delimiter.join(field(v) for v in row) for row in rows)])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")
    suffix = ".tsv" if delimiter == "\t" else ".csv"
    if draw(st.booleans()):
        data, suffix = gzip.compress(data, mtime=0), suffix + ".gz"
    return Malformed("hypothesis_csv", "h" + suffix, data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)


@st.composite
def jsonl_files(draw) -> Malformed:
    """JSON Lines whose lines are any JSON value (mostly objects), some of them cut short."""
    lines = draw(st.lists(
        st.one_of(st.dictionaries(st.sampled_from(["a", "b", "c", ""]), json_values, max_size=3),
                  json_values),
        min_size=1, max_size=8,
    ))
    text = [json.dumps(v) for v in lines]
    if draw(st.booleans()):
        i = draw(st.integers(0, len(text) - 1))
        text[i] = text[i][: draw(st.integers(0, len(text[i])))]
    return Malformed("hypothesis_jsonl", "h.jsonl", ("\n".join(text) + "\n").encode())


def seeded_files() -> st.SearchStrategy[Malformed]:
    """Any family of the seeded generator, with any seed."""
    return st.builds(make, st.sampled_from(sorted(FAMILIES)), st.integers(0, 10**6))


hostile_files = st.one_of(csv_files(), jsonl_files(), seeded_files())
