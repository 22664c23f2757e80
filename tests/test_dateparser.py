"""The dateparser backend on the real seeds: every found string located, in order."""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytest.importorskip("dateparser")

from backends import run_system, seed_spans

from bench.errors import BenchError
from bench.protocol import DocInput
from bench.registry import BUILTINS, availability
from bench.timex import is_specified_timex
from systems.dateparser import DateparserSystem

DATE = dt.date(2017, 12, 11)


def _run(docs: list[DocInput], **options: str) -> list[list]:
    return run_system(DateparserSystem, docs, **options)


@pytest.fixture(scope="module")
def seeds(seed_docs: dict) -> dict:
    return seed_spans(DateparserSystem, seed_docs)


def test_every_span_is_well_formed(seeds: dict) -> None:
    for text, spans in seeds.values():
        assert spans
        for s in spans:
            assert text[s.start : s.end] == s.text
            assert s.text == s.text.strip(" ,;:")
            assert s.label in ("DATE", "TIME")
            assert is_specified_timex(s.value), s


def test_repeated_strings_are_every_occurrence_in_order(seeds: dict) -> None:
    text, spans = seeds["003_2068b77634c10f4a"]
    # "on December 11" occurs five times; search_dates reports each one.
    every = [m.start() for m in re.finditer("on December 11", text)]
    assert len(every) == 5
    found = [s for s in spans if s.text == "on December 11"]
    assert [s.start for s in found] == every
    assert {s.value for s in found} == {"2017-12-11"}


def test_values_from_periods(seeds: dict) -> None:
    text, spans = seeds["001_1bad981c270e3df4"]
    by_text = {s.text: s for s in spans}
    assert by_text["on December 11, 2017"].value == "2017-12-11"
    assert by_text["last week"].value == "2017-W49"
    assert by_text["this year"].value == "2017"
    s = by_text["December 11, 2017 10:03 PM"]
    assert (s.label, s.value) == ("TIME", "2017-12-11T22:03")
    assert s.start == text.index("December 11, 2017 10:03 PM")
    text, spans = seeds["000_1598703d18e677fe"]
    assert {s.text: s.value for s in spans}["in March 2011"] == "2011-03"


def test_trim_option(seed_docs: dict) -> None:
    doc = seed_docs["001_1bad981c270e3df4"]
    (spans,) = _run([doc], trim="true")
    texts = [s.text for s in spans]
    assert "December 11, 2017" in texts and "September 2015" in texts
    assert not [t for t in texts if t.lower().startswith(("on ", "in "))]


def test_astral_characters_and_options() -> None:
    text = "😀 We met on December 7. 😀 On December 7 we met again."
    (spans,) = _run([DocInput("x", text, DATE)], prefer_dates_from="future")
    got = [(s.start, s.value) for s in spans if "December" in s.text]
    first, second = text.index("on December 7"), text.index("On December 7")
    assert got == [(first, "2018-12-07"), (second, "2018-12-07")]
    with pytest.raises(BenchError, match="option languages='xx'"):
        DateparserSystem({"languages": "xx"}).load()
    with pytest.raises(BenchError, match="prefer_dates_from"):
        DateparserSystem({"prefer_dates_from": "never"}).load()


def test_listed_available_by_the_registry() -> None:
    assert availability(DateparserSystem.info).ok
    assert BUILTINS["dateparser"] == "systems.dateparser:DateparserSystem"
