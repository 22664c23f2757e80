"""The duckling backend on the real seeds: offsets, grains turned into TIMEX3, numbers."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("duckling")

from backends import nth_index, run_system, seed_spans

from bench.errors import BenchError
from bench.protocol import DocInput
from bench.registry import BUILTINS, availability
from bench.timex import is_specified_timex
from systems.duckling import DucklingSystem, time_value

DATE = dt.date(2017, 12, 11)


def _run(docs: list[DocInput], **options: str) -> list[list]:
    return run_system(DucklingSystem, docs, **options)


@pytest.fixture(scope="module")
def seeds(seed_docs: dict) -> dict:
    return seed_spans(DucklingSystem, seed_docs)


def _ending(seeds: dict, doc: str, text: str, nth: int = 0):
    """The span that ends where the nth ``text`` ends (Duckling includes "on", "in")."""
    body, spans = seeds[doc]
    start = nth_index(body, text, nth)
    hits = [s for s in spans if s.end == start + len(text) and s.start <= start]
    assert hits, f"no span ending at {text!r} ({start}) in {doc}"
    return hits[0]


def test_every_span_is_well_formed(seeds: dict) -> None:
    labels = set(DucklingSystem.info.labels)
    for text, spans in seeds.values():
        assert spans
        for s in spans:
            assert text[s.start : s.end] == s.text
            assert s.label in labels
            if s.span_layer == "time" and s.value is not None:
                assert is_specified_timex(s.value), s


def test_dates_from_grains(seeds: dict) -> None:
    s = _ending(seeds, "000_1598703d18e677fe", "December 11")
    assert (s.text, s.label, s.value) == ("on December 11", "DATE", "2017-12-11")
    assert _ending(seeds, "000_1598703d18e677fe", "March 2011").value == "2011-03"
    assert _ending(seeds, "000_1598703d18e677fe", "in 2015").value == "2015"
    assert _ending(seeds, "001_1bad981c270e3df4", "last week").value == "2017-W49"
    s = _ending(seeds, "001_1bad981c270e3df4", "December 11, 2017 10:03 PM")
    assert (s.label, s.value) == ("TIME", "2017-12-11T22:03")
    assert _ending(seeds, "000_1598703d18e677fe", "two weeks").value == "P2W"
    assert _ending(seeds, "004_11ebdb740a3ae7fd", "a month").value == "P1M"


def test_numbers(seeds: dict) -> None:
    doc = "004_11ebdb740a3ae7fd"
    s = _ending(seeds, doc, "465,000")
    assert (s.text, s.label, s.value) == ("465,000", "CARDINAL", 465000)
    s = _ending(seeds, doc, "12 million")
    assert (s.text, s.label, s.value) == ("12 million", "CARDINAL", 12_000_000)
    assert _ending(seeds, doc, "seventh").value == 7
    # "more than 12 million" comes back as money with unit "unknown": not kept as money.
    _, spans = seeds[doc]
    assert not [s for s in spans if s.label == "MONEY"]


def test_nearest_reading_or_duckling_own(seed_docs: dict) -> None:
    doc = seed_docs["002_ca7f5d1c64f82479"]
    start = doc.text.index("Monday")
    (near,) = _run([doc], dims="time")
    (own,) = _run([doc], dims="time", resolve="native")
    assert [s.value for s in near if s.end == start + 6] == ["2017-12-11"]
    assert [s.value for s in own if s.end == start + 6] == ["2017-12-18"]


def test_code_points_and_measures() -> None:
    text = "😀 on December 11 it cost $5, 3 hours, 5 km and 20 degrees"
    (spans,) = _run([DocInput("x", text, DATE)])
    got = {(text[s.start : s.end], s.label, s.value) for s in spans}
    assert ("on December 11", "DATE", "2017-12-11") in got
    assert ("$5", "MONEY", 5) in got
    assert ("3 hours", "DATE", "PT3H") in got
    assert ("5 km", "QUANTITY", 5) in got
    assert ("20 degrees", "QUANTITY", 20) in got
    # numbers inside a longer number-layer span are dropped ("5" in "5 km")
    assert not [g for g in got if g[1] == "CARDINAL"]


def test_time_value_intervals() -> None:
    since = {
        "type": "interval",
        "from": {"value": "2015-09-01T00:00:00.000+00:00", "grain": "month"},
    }
    assert time_value(since, DATE, "nearest") == ("time", "2015-09")
    until = {"type": "interval", "to": {"value": "2017-12-15T00:00:00.000+00:00", "grain": "day"}}
    assert time_value(until, DATE, "native") == ("time", "2017-12-15")
    assert time_value({"type": "value"}, DATE, "nearest") == ("time", None)


def test_trim_option(seed_docs: dict) -> None:
    doc = seed_docs["000_1598703d18e677fe"]
    (spans,) = _run([doc], dims="time", trim="true")
    start = doc.text.index("December 11")
    hits = [s for s in spans if s.start == start]
    assert [(s.text, s.value) for s in hits] == [("December 11", "2017-12-11")]


def test_bad_options() -> None:
    with pytest.raises(BenchError, match="option tz='Mars/Olympus'"):
        DucklingSystem({"tz": "Mars/Olympus"}).load()
    with pytest.raises(BenchError, match="option locale='XX'"):
        DucklingSystem({"locale": "XX"}).load()
    with pytest.raises(BenchError, match="dims"):
        DucklingSystem({"dims": "time,weather"}).load()
    with pytest.raises(BenchError, match="zoneinfo"):
        DucklingSystem({"zoneinfo": "/nonexistent"}).load()


def test_listed_available_by_the_registry() -> None:
    assert availability(DucklingSystem.info).ok
    assert BUILTINS["duckling"] == "systems.duckling:DucklingSystem"
