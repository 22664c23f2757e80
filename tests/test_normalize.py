"""The shared value normalizer, against every time and number value of the gold."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random

import pytest
from conftest import GOLD, SEEDS

pytest.importorskip("recognizers_date_time", reason="needs bench[normalize]")

from bench import normalize
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
        ("its seventh year", "P7Y"),  # a possessive is not part of the expression
        ("eighth this year", "2017"),  # events counted in a period: the period
        ("third this month", "2017-12"),  # (Recognizers-Text: the 3rd of the month)
        ("later Monday", "2017-12-11"),  # that day (Recognizers-Text finds nothing)
        ("earlier Thursday", "2017-12-07"),
        ("14:05:09", "2017-12-11T14:05:09"),
        ("0:01:03", None),  # a media timestamp, not a time of day
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


# --- the fast path against Recognizers-Text ------------------------------------------------

# Reference dates: a Monday, across a year end, a leap day, an ISO week 53.
REF_DATES = (
    dt.date(2017, 12, 11),
    dt.date(2018, 1, 3),
    dt.date(2016, 2, 29),
    dt.date(2020, 12, 31),
)


NUMBER_APPROX = [
    f"{w} "
    for w in "some|about|around|nearly|almost|roughly|approximately|over|under|more than"
    "|less than|fewer than|at least|up to|as many as".split("|")
]
DURATION_APPROX = [
    f"{w} "
    for w in "less than|more than|about|nearly|almost|around|at least|over|some|up to".split("|")
]


def _generated() -> tuple[list[str], list[str]]:
    """A few hundred expressions in the shapes the fast rules cover (seeded: always the same)."""
    rng = random.Random(17)
    months = [*calendar.month_name[1:], "Jan.", "Feb", "Sept.", "Dec.", "Aug"]
    days = "1 2 3 11 12 21 22 23 28 29 30 31 1st 2nd 3rd 11th 22nd 31st".split()
    years = ["1998", "2011", "2015", "2017", "2020"]
    weekdays = list(calendar.day_name)
    words = [*"one two three ten twelve twenty twenty-one".split(), "forty five", "ninety-nine"]
    times: list[str] = []
    for _ in range(60):
        m, d, y = rng.choice(months), rng.choice(days), rng.choice(years)
        times += [f"{m} {d}, {y}", f"{d} {m} {y}", f"{m} {y}", f"{m} {d}", f"{d} {m}"]
    times += [*calendar.month_name[1:], "early March", "mid November", "late November"]
    times += ["1850", "1999", "2000", "2017", "2099", "today", "yesterday", "tomorrow"]
    times += [f"{w} {p}" for w in weekdays for p in ("morning", "afternoon", "evening", "night")]
    times += [f"{w} {r} week" for w in weekdays for r in ("last", "this", "next")]
    times += [f"{r} {u}" for r in ("last", "this", "next") for u in ("week", "month", "year")]
    times += weekdays
    for _ in range(40):
        q = rng.choice(["a", "an", "1", "2", "10", "45", *words])
        u = rng.choice(["second", "minute", "hour", "day", "week", "month", "year"])
        pre = rng.choice(["", "", *DURATION_APPROX])
        times += [f"{pre}{q} {u}"] if q in ("a", "an") else [f"{pre}{q} {u}s", f"{q}-{u}"]
    times += [
        f"{h}{m}{s}{ap}"
        for h in ("1", "9", "10", "12")
        for m in ("", ":00", ":30")
        for s in (" ", "")
        for ap in ("am", "p.m.", "PM")
    ]
    times += ["13:45", "18:00", "23:59", "20:15", "the day", "tonight"]
    times += [
        f"{h}:{m}:{s}"
        for h in ("0", "00", "1", "09", "12", "13", "23", "24")
        for m in ("00", "30", "59")
        for s in ("00", "07", "59")
    ]
    times += [
        f"{t}{p}" for t in ("", "this ") for p in ("morning", "afternoon", "evening", "night")
    ]
    for _ in range(30):
        m, d, y = rng.choice(months), rng.choice(days), rng.choice(years)
        clock = rng.choice(["10:03 PM", "9 am", "12:30 p.m.", "1 pm", "11:59 a.m."])
        times.append(f"{m} {d}, {y}{rng.choice(['', ' at'])} {clock}")
    numbers: list[str] = []
    for _ in range(120):
        n = rng.choice([rng.randint(0, 999), rng.randint(1000, 999_999), rng.randint(10**6, 10**9)])
        digits = f"{n:,}" if rng.random() < 0.5 else str(n)
        frac = rng.choice(["", "", ".5", ".25", ".125", ".1"])
        scale = rng.choice(["", "", " hundred", " thousand", " million", " billion", " trillion"])
        if scale and n > 999:
            digits = str(rng.randint(1, 999))
        pre = rng.choice(["", "", *NUMBER_APPROX, "$", "€", "£"])
        post = rng.choice(["", "", "", "%", " percent", " per cent"]) if not scale else ""
        numbers.append(f"{pre}{digits}{frac}{scale}{post}")
    numbers += words + [f"{a}{w}" for w in words for a in NUMBER_APPROX]
    numbers += [
        f"{w} {s}" for w in words[:5] for s in ("hundred", "thousand", "million", "billion")
    ]
    numbers += "first second third eighth twelfth twentieth twenty-first thirty-third".split()
    numbers += "ninety-ninth hundredth thousandth 1st 2nd 3rd 4th 11th 12th 13th 21st 101st".split()
    numbers += [
        f"{a}{b}"
        for a in ("hundreds", "thousands", "millions", "billions", "dozens", "tens")
        for b in ("", " of thousands", " of millions", " of billions")
    ]
    return times, numbers


def _rt_time(clean: str, date: dt.date) -> object:
    try:
        return normalize._parse_time(clean, date)
    except Exception:  # Recognizers-Text fails on a few inputs ("0:30"): no answer to compare
        return normalize._NO_RULE


def test_fast_rules_give_recognizers_values_on_gold() -> None:
    fast_answered = 0
    for gold, _ in _gold():
        date = dt.date.fromisoformat(gold["document_date"])
        for span in gold["spans"]:
            clean = fold(span["text"]).strip()
            if span["layer"] == "time":
                fast = normalize._fast_time(clean, date)
                if fast is not normalize._NO_RULE:
                    fast_answered += 1
                    assert fast == normalize._parse_time(clean, date), span["text"]
            elif span["layer"] == "number":
                fast = normalize._fast_number(clean)
                if fast is not normalize._NO_RULE:
                    fast_answered += 1
                    rt = normalize._rt_number(clean)
                    assert fast == rt and type(fast) is type(rt), span["text"]
    # most gold expressions take the fast path (the rest go to the hand rules or to R-T)
    assert fast_answered >= 90


def test_fast_path_changes_no_gold_value() -> None:
    for gold, text in _gold():
        date = dt.date.fromisoformat(gold["document_date"])
        spans = [(s["start"], s["end"]) for s in gold["spans"] if s["layer"] == "time"]
        assert time_values(text, spans, date, cached=False) == time_values(
            text, spans, date, fast=False, cached=False
        )
        for s in gold["spans"]:
            if s["layer"] == "number":
                assert number_value(s["text"], cached=False) == number_value(
                    s["text"], fast=False, cached=False
                )


def test_fast_rules_give_recognizers_values_on_generated() -> None:
    times, numbers = _generated()
    assert len(times) + len(numbers) >= 600
    compared = 0
    for i, text in enumerate(times):
        date, clean = REF_DATES[i % len(REF_DATES)], fold(text).strip()
        fast = normalize._fast_time(clean, date)
        rt = _rt_time(clean, date)
        if fast is normalize._NO_RULE or rt is normalize._NO_RULE:
            continue  # e.g. "February 31, 1998" is not a date: left to Recognizers-Text
        compared += 1
        assert fast == rt, (text, date)
    for text in numbers:
        clean = fold(text).strip()
        fast = normalize._fast_number(clean)
        assert fast is not normalize._NO_RULE, text
        rt = normalize._rt_number(clean)
        compared += 1
        assert fast == rt and type(fast) is type(rt), text
    assert compared >= 850


def test_cache_is_bounded_and_changes_nothing() -> None:
    assert normalize._cached_parse.cache_info().maxsize == normalize.CACHE_SIZE
    normalize.cache_clear()
    first = [time_value(t, DOC_DATE) for t in ("Monday", "Wednesday last week", "November 20")]
    again = [time_value(t, DOC_DATE) for t in ("Monday", "Wednesday last week", "November 20")]
    assert normalize._cached_parse.cache_info().hits >= 3
    assert first == again == ["2017-12-11", "2017-12-06", "2017-11-20"]
    # the reference date is part of the key
    assert time_value("Monday", dt.date(2017, 12, 13)) == "2017-12-11"
    assert time_value("Monday", dt.date(2017, 12, 18)) == "2017-12-18"


def test_seconds_spent_counts_outer_calls_once() -> None:
    before = normalize.seconds_spent()
    time_values("Six months later", [(0, 16)], DOC_DATE, cached=False)
    after = normalize.seconds_spent()
    assert after > before
    assert normalize._depth == [0]
