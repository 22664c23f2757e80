"""The shared value normalizer, against every time and number value of the gold."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import GOLD, SEEDS

pytest.importorskip("recognizers_date_time", reason="needs bench[normalize]")

from bench.normalize import fold, number_value, resolve_timex, time_value, time_values

DOC_DATE = dt.date(2017, 12, 11)  # a Monday, ISO week 2017-W50

# What the normalizer reaches on the gold (docs/systems.md); a drop fails the test.
GOLD_TIME_CORRECT = 76  # of 77: "the day after Mr Trump's announcement" anchors to Thursday
GOLD_NUMBER_CORRECT = 24  # of 24


def _gold():
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        text = (SEEDS / f"{gold['doc_id']}.txt").read_text("utf-8")
        yield gold, text


def test_gold_time_values() -> None:
    correct, total, misses = 0, 0, []
    for gold, text in _gold():
        spans = [s for s in gold["spans"] if s["layer"] == "time"]
        date = dt.date.fromisoformat(gold["document_date"])
        values = time_values(text, [(s["start"], s["end"]) for s in spans], date)
        for span, value in zip(spans, values, strict=True):
            total += 1
            if value == span["value"]:
                correct += 1
            else:
                misses.append((span["text"], span["value"], value))
    assert total == 77
    assert correct >= GOLD_TIME_CORRECT, misses


def test_gold_number_values() -> None:
    correct, total, misses = 0, 0, []
    for gold, _ in _gold():
        for span in gold["spans"]:
            if span["layer"] != "number":
                continue
            total += 1
            value = number_value(span["text"])
            if value == span["value"] and type(value) is type(span["value"]):
                correct += 1
            else:
                misses.append((span["text"], span["value"], value))
    assert total == 24
    assert correct >= GOLD_NUMBER_CORRECT, misses


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12 million", 12000000),
        ("more than 12 million", 12000000),
        ("465,000", 465000),
        ("some 465,000", 465000),
        ("two", 2),
        ("eighth", 8),
        ("twenty-first", 21),
        ("3rd", 3),
        ("1.5 billion", 1500000000),
        ("5.5%", 5.5),
        ("$3.5 million", 3500000),
        ("two-thirds", pytest.approx(2 / 3)),
        ("hundreds of thousands", None),
        ("millions", None),
        ("dozens", None),
        ("", None),
    ],
)
def test_number_value(text: str, value: object) -> None:
    assert number_value(text) == value


def test_numbers_are_ints_when_whole() -> None:
    assert type(number_value("12 million")) is int
    assert type(number_value("2.5")) is float


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("December 11, 2017", "2017-12-11"),
        ("November 20", "2017-11-20"),  # year-less: nearest the document date
        ("December 21", "2017-12-21"),  # ... also in the future
        ("Marсh 18", "2018-03-18"),  # Cyrillic "с"; nearer in 2018
        ("Monday", "2017-12-11"),  # a bare weekday: the latest such day
        ("Thursday", "2017-12-07"),
        ("Monday morning", "2017-12-11TMO"),
        ("10:03 PM", "2017-12-11T22:03"),
        ("10 a.m.", "2017-12-11T10:00"),
        ("last week", "2017-W49"),
        ("next week", "2017-W51"),
        ("last month", "2017-11"),
        ("this year", "2017"),
        ("late November", "2017-11"),
        ("the weekend", "2017-W49-WE"),
        ("yesterday", "2017-12-10"),
        ("three years ago", "2014"),
        ("less than two weeks", "P2W"),
        ("two-day", "P2D"),
        ("two days after", "P2D"),  # the measure phrase, not a date (guidelines)
        ("a couple of days", "P2D"),
        ("past month", "P1M"),
        ("the past two years", "P2Y"),
        ("several days", "PXD"),
        ("decades", "PXDE"),
        ("years", "PXY"),
        ("seventh year", "P7Y"),
        ("recent years", "PAST_REF"),
        ("coming months", "FUTURE_REF"),
        ("now", "PRESENT_REF"),
        ("the 1990s", "199X"),
        ("this summer", "2017-SU"),
        ("every Monday", None),  # a set has no single value
        ("as many months", None),  # needs the context before it
        ("the day after", None),  # needs an anchor
        ("Putin", None),
        ("", None),
    ],
)
def test_time_value(text: str, value: str | None) -> None:
    assert time_value(text, DOC_DATE) == value


def test_context_and_anchor() -> None:
    assert time_value("as many months", DOC_DATE, before="their third in ") == "P3M"
    text = "Putin visited Egypt in February 2015, and Sisi came six months later."
    a, b = text.index("February 2015"), text.index("six months later")
    spans = [(b, b + len("six months later")), (a, a + len("February 2015"))]
    # results come back in the order given, resolved in text order
    assert time_values(text, spans, DOC_DATE) == ["2015-08", "2015-02"]
    # without an anchor, "later" counts from the document date
    assert time_value("six months later", DOC_DATE) == "2018-06"


@pytest.mark.parametrize(
    ("timex", "value"),
    [
        ("XXXX-WXX-3", "2017-12-06"),
        ("XXXX-01-05", "2018-01-05"),
        ("XXXX-06", "2017-06"),
        ("T08:30", "2017-12-11T08:30"),
        ("(2015-01-01,2016-01-01,P1Y)", None),
        ("2017-W50", "2017-W50"),
        ("XXXX-02-29", "2016-02-29"),
        ("nonsense", None),
    ],
)
def test_resolve_timex(timex: str, value: str | None) -> None:
    assert resolve_timex(timex, DOC_DATE) == value


def test_fold_only_touches_mixed_script_words() -> None:
    assert fold("Marсh") == "March"
    assert fold("Москва") == "Москва"
    assert fold("it’s 5\u00a0km – far") == "it's 5 km - far"
