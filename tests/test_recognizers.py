"""The recognizers backend on the real seeds: offsets, labels and TIMEX/number values."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("recognizers_suite")

from backends import nth_index, run_system, seed_spans

from bench.errors import BenchError
from bench.protocol import DocInput
from bench.registry import BUILTINS, availability
from bench.timex import is_specified_timex
from systems.recognizers import RecognizersSystem, timex_value

DATE = dt.date(2017, 12, 11)


def _run(docs: list[DocInput], **options: str) -> list[list]:
    return run_system(RecognizersSystem, docs, **options)


@pytest.fixture(scope="module")
def seeds(seed_docs: dict) -> dict:
    return seed_spans(RecognizersSystem, seed_docs)


def _find(seeds: dict, doc: str, text: str, nth: int = 0):
    body, spans = seeds[doc]
    start = nth_index(body, text, nth)
    hits = [s for s in spans if s.start == start and s.end == start + len(text)]
    assert hits, f"no span at {text!r} ({start}) in {doc}"
    return hits[0]


def test_every_span_is_well_formed(seeds: dict) -> None:
    labels = set(RecognizersSystem.info.labels)
    for text, spans in seeds.values():
        assert spans
        for s in spans:
            assert text[s.start : s.end] == s.text
            assert s.label in labels
            if s.span_layer == "time" and s.value is not None:
                assert is_specified_timex(s.value), s
        assert spans == sorted(spans, key=lambda s: (s.start, s.end, s.label))


def test_dates_resolved_against_the_document_date(seeds: dict) -> None:
    s = _find(seeds, "000_1598703d18e677fe", "December 11")
    assert (s.label, s.value) == ("DATE", "2017-12-11")
    assert _find(seeds, "000_1598703d18e677fe", "November 20").value == "2017-11-20"
    assert _find(seeds, "001_1bad981c270e3df4", "last week").value == "2017-W49"
    assert _find(seeds, "001_1bad981c270e3df4", "Wednesday last week").value == "2017-12-06"
    s = _find(seeds, "001_1bad981c270e3df4", "December 11, 2017 10:03 PM")
    assert (s.label, s.value) == ("TIME", "2017-12-11T22:03")
    s = _find(seeds, "004_11ebdb740a3ae7fd", "Monday morning")
    assert (s.label, s.value) == ("TIME", "2017-12-11TMO")
    assert _find(seeds, "004_11ebdb740a3ae7fd", "Monday", nth=1).value == "2017-12-11"
    assert _find(seeds, "004_11ebdb740a3ae7fd", "November").value == "2017-11"
    assert _find(seeds, "000_1598703d18e677fe", "two weeks").value == "P2W"


def test_numbers_with_values(seeds: dict) -> None:
    s = _find(seeds, "004_11ebdb740a3ae7fd", "465,000")
    assert (s.label, s.value) == ("CARDINAL", 465000)
    assert _find(seeds, "004_11ebdb740a3ae7fd", "12 million").value == 12_000_000
    s = _find(seeds, "004_11ebdb740a3ae7fd", "seventh")
    assert (s.label, s.value) == ("ORDINAL", 7)


def test_cardinals_inside_dates_are_dropped_unless_kept(seed_docs: dict) -> None:
    doc = seed_docs["004_11ebdb740a3ae7fd"]
    year = doc.text.index("September 2015") + len("September ")
    (dropped,) = _run([doc])
    (kept,) = _run([doc], cardinals_in_times="keep")
    assert not [s for s in dropped if s.label == "CARDINAL" and s.start == year]
    assert [s.value for s in kept if s.label == "CARDINAL" and s.start == year] == [2015]


def test_weekday_readings_by_resolve_option(seed_docs: dict) -> None:
    doc = seed_docs["001_1bad981c270e3df4"]
    start = doc.text.index("Thursday")  # "On Thursday, the day after ...": Dec 7

    def value(resolve: str) -> list:
        (spans,) = _run([doc], models="datetime", resolve=resolve)
        return [s.value for s in spans if s.start == start]

    assert value("guidelines") == ["2017-12-07"]  # the latest Thursday
    assert value("nearest") == ["2017-12-14"]  # three days ahead beats four back
    assert value("native") == ["2017-12-14"]


def test_resolve_native_takes_the_future_reading(seed_docs: dict) -> None:
    doc = seed_docs["000_1598703d18e677fe"]
    (spans,) = _run([doc], models="datetime", resolve="native")
    start = doc.text.index("November 20")
    assert [s.value for s in spans if s.start == start] == ["2018-11-20"]


def test_offsets_survive_lower_casing_that_changes_length() -> None:
    # "İ".lower() is two code points: Recognizers-Text's offsets shift after it.
    text = "İİİstanbul on December 11 and 😀 12 million"
    (spans,) = _run([DocInput("x", text, DATE)])
    got = {text[s.start : s.end]: s.value for s in spans}
    assert got == {"December 11": "2017-12-11", "12 million": 12_000_000}


def test_units_percent_money() -> None:
    text = "It cost $100, 10% more, over 3.5 km."
    (spans,) = _run([DocInput("x", text, DATE)])
    got = {(text[s.start : s.end], s.label, s.value) for s in spans}
    assert {("$100", "MONEY", 100), ("10%", "PERCENT", 10), ("3.5 km", "QUANTITY", 3.5)} <= got


def test_label_map_override_and_bad_options(seed_docs: dict) -> None:
    doc = seed_docs["004_11ebdb740a3ae7fd"]
    (spans,) = _run([doc], **{"label_map.number": "", "label_map.ordinal": "CARDINAL"})
    labels = {s.label for s in spans}
    assert "ORDINAL" not in labels
    assert [s.value for s in spans if s.label == "CARDINAL"] == [7]
    with pytest.raises(BenchError, match="unknown option 'colour'"):
        RecognizersSystem({"colour": "red"})
    with pytest.raises(BenchError, match=r"label_map\.number"):
        RecognizersSystem({"label_map.number": "NUMBER"})
    with pytest.raises(BenchError, match="option culture: expected one of"):
        RecognizersSystem({"culture": "xx-yy"})
    with pytest.raises(BenchError, match="option models='number,weather': unknown 'weather'"):
        RecognizersSystem({"models": "number,weather"})


def test_timex_value_edge_cases() -> None:
    rng = {"values": [{"timex": "(XXXX-11-20,XXXX-11-25,P5D)", "start": "2017-11-20"}]}
    assert timex_value(rng, DATE, "nearest") is None
    assert timex_value(None, DATE, "nearest") is None
    clock = {"values": [{"timex": "T22:03", "type": "time", "value": "22:03:00"}]}
    assert timex_value(clock, DATE, "nearest") == "2017-12-11T22:03"
    unresolved = {"values": [{"timex": "XXXX-WXX-1", "type": "set", "value": "not resolved"}]}
    assert timex_value(unresolved, DATE, "nearest") is None


def test_listed_available_by_the_registry() -> None:
    assert availability(RecognizersSystem.info).ok
    assert BUILTINS["recognizers"] == "systems.recognizers:RecognizersSystem"
