"""CSV/TSV reading: delimiters, encodings, whole-file types, bad rows, batching."""

from __future__ import annotations

import csv
import gzip
import io

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tripwire.errors import InputError
from tripwire.io import open_source


def table(source) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --- delimiters ---------------------------------------------------------------------------


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_detects_delimiter(tmp_path, delim):
    rows = [["id", "name", "note"], ["1", "Ann", "a, b; c"], ["2", "Bob", "x|y"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\n").writerows(rows)
    src = open_source(write(tmp_path / "d.csv", buf.getvalue()))
    assert src.schema.names == ["id", "name", "note"]
    assert table(src).column("note").to_pylist() == ["a, b; c", "x|y"]


def test_semicolon_file_with_decimal_commas(tmp_path):
    src = open_source(write(tmp_path / "eu.csv", "a;b;c\n1,5;2,5;x\n3,0;4,0;y\n"))
    assert src.schema.names == ["a", "b", "c"]
    assert any("';'" in n for n in src.notes)
    assert table(src).column("a").to_pylist() == ["1,5", "3,0"]  # "1,5" is the scan's business


def test_delimiter_argument_overrides(tmp_path):
    src = open_source(write(tmp_path / "x.csv", "a;b,c\n1;2,3\n"), delimiter=",")
    assert src.schema.names == ["a;b", "c"]


def test_tsv_and_txt(tmp_path):
    assert open_source(write(tmp_path / "t.tsv", "a\tb\n1\t2\n")).schema.names == ["a", "b"]
    assert open_source(write(tmp_path / "t.tab", "a\tb\n1\t2\n")).schema.names == ["a", "b"]
    assert open_source(write(tmp_path / "t.txt", "a|b\n1|2\n")).schema.names == ["a", "b"]


def test_single_column_keeps_blank_lines_as_empty_cells(tmp_path):
    src = open_source(write(tmp_path / "one.csv", "name\nAnn\n\nBob\n"))
    assert src.schema.names == ["name"]
    assert table(src).column("name").to_pylist() == ["Ann", "", "Bob"]


# --- encodings ----------------------------------------------------------------------------


def test_utf8_values(tmp_path):
    src = open_source(write(tmp_path / "u.csv", "name,city\nJosé,Zürich\n李,東京\n"))
    assert table(src).column("city").to_pylist() == ["Zürich", "東京"]
    assert src.notes == []


def test_utf8_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfid,name\n1,\xc3\xa9\n")
    src = open_source(path)
    assert src.schema.names == ["id", "name"]
    assert table(src).column("name").to_pylist() == ["é"]
    assert src.notes == []


def test_cp1252_byte_only_in_last_line_of_a_large_file(tmp_path):
    path = tmp_path / "people.csv"
    lines = [f"{i},name{i},{i * 0.5}" for i in range(100_000)]
    body = ("id,name,score\n" + "\n".join(lines) + "\n").encode()
    path.write_bytes(body + "100000,Ren\u00e9e,1.5\n".encode("cp1252"))
    assert path.stat().st_size > 2_000_000
    src = open_source(path, batch_rows=10_000)
    t = table(src)
    assert t.num_rows == 100_001
    assert t.column("name")[-1].as_py() == "Renée"
    assert src.schema.field("id").type == pa.int64()
    assert src.notes == [
        "people.csv: not valid UTF-8 (first bad byte at line 100,002); read as cp1252"
    ]


def test_cp1252_specific_characters(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes("a,b\n1,\u20ac 5 \u2013 caf\u00e9\n".encode("cp1252"))
    src = open_source(path)
    assert table(src).column("b").to_pylist() == ["\u20ac 5 \u2013 caf\u00e9"]


def test_latin1_when_not_cp1252(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"a,b\n1,\x81x\xe9\n")  # 0x81 is undefined in cp1252
    src = open_source(path)
    assert table(src).column("b").to_pylist() == ["\x81xé"]
    assert "read as latin-1" in src.notes[0]


def test_encoding_argument(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes("a,b\n1,\u00e9\n".encode("latin-1"))
    src = open_source(path, encoding="latin-1")
    assert table(src).column("b").to_pylist() == ["é"]
    assert src.notes == []


def test_wrong_encoding_argument_is_an_input_error(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes("a,b\n1,\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"e\.csv.*not valid utf8"):
        open_source(path, encoding="utf-8")


# --- types decided over the whole file ------------------------------------------------------


def test_types_are_inferred(tmp_path):
    text = (
        "i,f,b,d,ts,tz,s\n"
        "1,1.5,true,2024-01-31,2024-01-02 03:04:05,2024-01-02T03:04:05Z,x\n"
        "-2,1e3,FALSE,2024-02-29,2024-01-02T03:04,2024-01-02 03:04+01:00,y\n"
        "0,nan,True,1999-12-31,2024-01-02 03:04:05.123456,2024-01-02T03:04:05.5-0500,z\n"
    )
    src = open_source(write(tmp_path / "t.csv", text))
    assert src.schema.types == [
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.date32(),
        pa.timestamp("us"),
        pa.timestamp("us", "UTC"),
        pa.large_string(),
    ]
    t = table(src)
    assert t.column("b").to_pylist() == [True, False, True]
    assert t.column("tz")[1].as_py().hour == 2


@pytest.mark.parametrize(
    "values",
    [
        ["007", "12"],  # leading zero: ids, zip codes
        ["+5", "6"],  # leading plus
        ["1,234", "5"],  # thousands separator
        ["0", "1", "yes"],
        ["2024-02-30"],  # not a real date
        ["2024-01-01", "2024-01-01 10:00"],
        ["2024-01-01T10:00", "2024-01-01T10:00Z"],  # naive and offset mixed
        ["12345678901234567890123"],  # too big for int64: not float either
        [" 12", "13"],
        ["NA", "3"],
    ],
)
def test_values_that_keep_a_column_a_string(tmp_path, values):
    text = "v,other\n" + "".join(f'"{v}",x\n' for v in values)
    src = open_source(write(tmp_path / "s.csv", text))
    assert src.schema.field("v").type == pa.large_string()
    assert table(src).column("v").to_pylist() == values


def test_zero_one_is_int_not_bool(tmp_path):
    src = open_source(write(tmp_path / "b.csv", "flag,x\n0,a\n1,b\n"))
    assert src.schema.field("flag").type == pa.int64()


def test_string_far_down_an_int_column(tmp_path):
    n = 200_000
    lines = [f"{i},{i % 7}" for i in range(n - 1)] + [f"{n - 1},abc"]
    path = write(tmp_path / "late.csv", "id,code\n" + "\n".join(lines) + "\n")
    src = open_source(path, batch_rows=5_000)
    assert src.schema.field("id").type == pa.int64()
    assert src.schema.field("code").type == pa.large_string()
    codes = table(src).column("code")
    assert codes.null_count == 0
    assert codes[-1].as_py() == "abc"
    assert codes[:3].to_pylist() == ["0", "1", "2"]
    assert src.num_rows == n


def test_float_far_down_an_int_column(tmp_path):
    lines = [str(i) for i in range(50_000)] + ["2.5"]
    src = open_source(write(tmp_path / "f.csv", "x,y\n" + "".join(f"{v},a\n" for v in lines)))
    assert src.schema.field("x").type == pa.float64()
    assert table(src).column("x")[-1].as_py() == 2.5


def test_empty_cells(tmp_path):
    src = open_source(write(tmp_path / "e.csv", 'n,s,all_empty\n1,a,\n,,\n3,"",\n'))
    assert src.schema.types == [pa.int64(), pa.large_string(), pa.large_string()]
    t = table(src)
    assert t.column("n").to_pylist() == [1, None, 3]
    assert t.column("s").to_pylist() == ["a", "", ""]  # disguised nulls stay visible
    assert t.column("all_empty").to_pylist() == ["", "", ""]


def test_header_only(tmp_path):
    src = open_source(write(tmp_path / "h.csv", "a,b,c\n"))
    assert src.schema.names == ["a", "b", "c"]
    assert src.num_rows == 0
    assert list(src.batches()) == []


def test_quoted_newlines_and_crlf(tmp_path):
    text = 'id,text\r\n1,"line one\r\nline two"\r\n2,"say ""hi"""\r\n'
    src = open_source(write(tmp_path / "q.csv", text))
    assert table(src).column("text").to_pylist() == ["line one\r\nline two", 'say "hi"']


def test_row_longer_than_a_block(tmp_path):
    big = "x" * 300_000
    src = open_source(write(tmp_path / "wide.csv", f"a,b\n1,{big}\n2,y\n"), batch_rows=10)
    assert table(src).column("b").to_pylist() == [big, "y"]


def test_duplicate_and_empty_header_names_are_renamed(tmp_path):
    src = open_source(write(tmp_path / "dup.csv", "id,id,,name,id.1\n1,2,3,4,5\n"))
    assert src.schema.names == ["id", "id.2", "column_3", "name", "id.1"]
    assert table(src).column("id.2").to_pylist() == [2]
    assert any("renamed columns" in n and "column_3" in n for n in src.notes)


def test_gzip_csv(tmp_path):
    path = tmp_path / "z.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,x\n2,y\n"))
    src = open_source(path)
    assert table(src).to_pydict() == {"a": [1, 2], "b": ["x", "y"]}


def test_file_without_extension_is_read_as_csv(tmp_path):
    src = open_source(write(tmp_path / "DATA", "a,b\n1,2\n"))
    assert src.kind == "csv" and src.num_rows == 1


# --- batches ------------------------------------------------------------------------------


def test_many_batches_share_the_schema(tmp_path):
    text = "id,name\n" + "".join(f"{i},n{i}\n" for i in range(10_000))
    src = open_source(write(tmp_path / "m.csv", text), batch_rows=500)
    batches = list(src.batches())
    assert len(batches) >= 10
    assert all(b.num_rows <= 500 for b in batches)
    assert all(b.schema.equals(src.schema, check_metadata=True) for b in batches)
    assert sum(b.num_rows for b in batches) == 10_000


def test_reading_twice_gives_the_same_data(tmp_path):
    text = "id,name\n" + "".join(f"{i},n{i}\n" for i in range(3_000))
    src = open_source(write(tmp_path / "r.csv", text), batch_rows=700)
    assert table(src).equals(table(src))


# --- bad input ----------------------------------------------------------------------------


def test_ragged_row_names_the_physical_line(tmp_path):
    text = 'a,b,c\n1,"two\nlines",3\n4,5,6\n7,8,9,10\n'
    with pytest.raises(InputError) as err:
        open_source(write(tmp_path / "rag.csv", text))
    msg = str(err.value)
    assert "rag.csv:5:" in msg
    assert "4 fields, expected 3" in msg
    assert "quote the delimiter" in msg
    assert err.value.line == 5


def test_ragged_row_far_down(tmp_path):
    lines = [f"{i},x" for i in range(100_000)]
    lines[90_000] = "90000,x,extra"
    path = write(tmp_path / "far.csv", "a,b\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"far\.csv:90002: row has 3 fields, expected 2"):
        open_source(path, batch_rows=1_000)


def test_too_few_fields(tmp_path):
    with pytest.raises(InputError, match=r"few\.csv:3: row has 1 fields, expected 2"):
        open_source(write(tmp_path / "few.csv", "a,b\n1,2\n3\n"))


def test_unterminated_quote(tmp_path):
    text = 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n'
    with pytest.raises(InputError, match=r"open\.csv:3: .*unterminated quote"):
        open_source(write(tmp_path / "open.csv", text))


def test_missing_file(tmp_path):
    (tmp_path / "sales.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match=r"sale\.csv: file not found; did you mean 'sales.csv'"):
        open_source(tmp_path / "sale.csv")


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: file is empty"):
        open_source(tmp_path / "empty.csv")


def test_blank_lines_only(tmp_path):
    with pytest.raises(InputError, match=r"blank\.csv: file is empty"):
        open_source(write(tmp_path / "blank.csv", "\n\n\n"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a,b\n1,\x00\x00\x00\x01\x02", "NUL byte"),
        (bytes(range(1, 9)) * 100, "control characters"),
        (b"PAR1\x15\x04\x15\x00", "Parquet"),
        (b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"\xff\xfea\x00,\x00b\x00", "UTF-16"),
    ],
)
def test_binary_garbage(tmp_path, content, expected):
    path = tmp_path / "junk.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"junk\.csv: does not look like text") as err:
        open_source(path)
    assert expected in str(err.value)
    assert err.value.hint


# --- property: every text value survives as written -----------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("ab ,;|\t\"\n'é€x")), min_size=0, max_size=8)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=30))
def test_text_round_trips(tmp_path, rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["k", "v"])
    writer.writerows([("k" + a, b) for a, b in rows])
    path = write(tmp_path / "p.csv", buf.getvalue())
    t = table(open_source(path))
    assert t.column("k").to_pylist() == ["k" + a for a, _ in rows]
    if t.schema.field("v").type == pa.large_string():
        assert t.column("v").to_pylist() == [b for _, b in rows]


def test_header_only_without_newline(tmp_path):
    src = open_source(write(tmp_path / "h.csv", "a,b"))
    assert src.schema.names == ["a", "b"] and src.num_rows == 0
    assert list(src.batches()) == []


def test_truncated_gzip(tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 50_000)[:-200])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: cannot read"):
        src = open_source(path)
        list(src.batches())


def test_url_is_refused_with_a_hint():
    with pytest.raises(InputError, match=r"URLs are not read directly.*SqlQuery"):
        open_source("https://example.com/data.csv")


def test_bare_carriage_return_in_unquoted_field_is_named(tmp_path):
    from tripwire.errors import InputError
    from tripwire.io import open_source

    body = b"a,b,c\n" + b"1,x,y\n" * 10 + b"2,see http://t.co/x\rmore,z\n" + b"3,x,y\n"
    path = tmp_path / "cr.csv"
    path.write_bytes(body)
    with pytest.raises(InputError) as err:
        list(open_source(path).batches())
    text = str(err.value)
    assert "cr.csv:12:" in text and "carriage return" in text
