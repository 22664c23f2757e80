"""TimeML .tml files: the text of <TEXT>, TIMEX3 spans with type and value, the DCT, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.corpus.formats import timeml
from bench.corpus.formats.importers import read_corpus
from bench.corpus.formats.textdoc import TextSpan
from bench.errors import BenchError

DATA = Path(__file__).parent / "data" / "formats"


def test_sample_exactly() -> None:
    (doc,) = timeml.read(DATA / "sample.tml")
    assert doc.doc_id == "sample"
    assert doc.document_date == "2012-03-18"  # the DCT, not a span
    assert doc.text == (
        "\nSmith & Jones met last Sunday at night.\n"
        "The talks lasted three hours; they meet every Monday <usually>.\n"
    )
    assert doc.spans == [
        TextSpan(19, 30, "DATE", "2012-W11-7"),
        TextSpan(34, 39, "TIME", "2012-03-11TNI"),
        TextSpan(58, 69, "DURATION", "PT3H"),
        TextSpan(81, 93, "SET", "XXXX-WXX-1"),
    ]
    assert [doc.text[s.start : s.end] for s in doc.spans] == [
        "last Sunday",
        "night",
        "three hours",
        "every Monday",
    ]
    assert doc.source.endswith("sample.tml:6")


def _tml(body: str, dct: str = "") -> str:
    return f'<?xml version="1.0"?>\n<TimeML>\n{dct}\n{body}\n</TimeML>\n'


def test_dct_inside_text_and_nested_timex(tmp_path: Path) -> None:
    dct = '<TIMEX3 tid="t0" type="DATE" value="1998-02-06" functionInDocument="CREATION_TIME">'
    body = (
        f"<TEXT>{dct}Feb. 6</TIMEX3>: <TIMEX3 tid='t1' type='DATE' value='1998-02-05'>"
        "<TIMEX3 tid='t2' type='DATE' value='1998-02'>February</TIMEX3> 5</TIMEX3></TEXT>"
    )
    path = tmp_path / "a.tml"
    path.write_text(_tml(body), encoding="utf-8")
    (doc,) = timeml.read(path)
    assert doc.document_date == "1998-02-06"
    assert doc.text == "Feb. 6: February 5"
    assert doc.spans == [TextSpan(8, 16, "DATE", "1998-02"), TextSpan(8, 18, "DATE", "1998-02-05")]


def test_directory_sorted_and_registry(tmp_path: Path) -> None:
    for name in ("b.tml", "a.tml"):
        shutil.copy(DATA / "sample.tml", tmp_path / name)
    (tmp_path / "notes.txt").write_text("not TimeML", encoding="utf-8")
    docs = read_corpus("timeml", tmp_path, {})
    assert [d.doc_id for d in docs] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_tml("<TITLE>x</TITLE>"), "f.tml: no <TEXT> element"),
        (
            _tml("<TEXT>a</TEXT>\n<TEXT>b</TEXT>"),
            "f.tml:5: a second <TEXT> (the first is on line 4)",
        ),
        (_tml("<TEXT>a <b>c</TEXT>"), "f.tml:4: not well-formed XML: mismatched tag"),
        (_tml("<TEXT>a &nbsp; b</TEXT>"), "f.tml:4: not well-formed XML: undefined entity"),
        (
            _tml("<TEXT>\n<TIMEX3 tid='t1' type='EVENT' value='P1D'>a day</TIMEX3></TEXT>"),
            "f.tml:5: TIMEX3 type: 'EVENT', expected one of DATE, TIME, DURATION, SET",
        ),
        (
            _tml("<TEXT><TIMEX3 tid='t1' value='P1D'>a day</TIMEX3></TEXT>"),
            "f.tml:4: TIMEX3 type: missing",
        ),
        (
            _tml("<TEXT><TIMEX3 tid='t1' type='DATE'>today</TIMEX3></TEXT>"),
            "f.tml:4: TIMEX3 value: missing",
        ),
        (
            _tml("<TEXT><TIMEX3 tid='t1' type='DATE' value='yesterday'>x</TIMEX3></TEXT>"),
            "f.tml:4: TIMEX3 value: 'yesterday' is not a TIMEX3 value",
        ),
    ],
)
def test_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "f.tml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BenchError) as info:
        timeml.read(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_prediction_values_unchecked(tmp_path: Path) -> None:
    path = tmp_path / "p.tml"
    path.write_text(
        _tml("<TEXT><TIMEX3 tid='t1' type='DATE' value='yesterday'>x</TIMEX3></TEXT>"),
        encoding="utf-8",
    )
    (doc,) = timeml.read(path, check_values=False)
    assert doc.spans == [TextSpan(0, 1, "DATE", "yesterday")]


def test_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="no such file or directory"):
        timeml.read(tmp_path / "nope.tml")
    with pytest.raises(BenchError, match=r"no \*\.tml files"):
        timeml.read(tmp_path)
    with pytest.raises(BenchError, match="unknown option 'x'"):
        timeml.read(DATA / "sample.tml", {"x": "1"})
