"""The TIMEX3 value grammar: TimeML 1.2.1 / TIDES examples accepted, malformed values refused."""

from __future__ import annotations

import pytest

from bench.timex import is_specified_timex, is_timex_value, same_timex

# The TempEval-3 platinum gold values issue 15 quotes as refused before (all valid TimeML).
TE3_PLATINUM = [
    "XXXX-WI",
    "2012-XX-XX",
    "XXXX-XX-XX",
    "2012-WXX-7TNI",
    "2012-XX-XXT20",
    "XXXX-XX-XXTMO",
    "2011-01-XX",
    "XXXX",
    "19",
]

# Values of the kinds the TimeML 1.2.1 annotation guidelines and the TIDES 2005 standard
# illustrate (dates, times, weeks, seasons, parts of day, decades, centuries, durations,
# sets, the *_REF tokens), written from their rules.
GUIDELINES = [
    # the issue's own examples
    "2012-W11-7",
    "2012-WXX-7",
    "201X",
    "XXXX-XX-XXT20:00",
    # calendar dates at every granularity
    "1998",
    "1998-08",
    "1998-08-03",
    "1999-Q1",
    "1999-H2",
    "1998-SU",
    "2001-FA",
    "1999-SP",
    "1999-WI",
    # ISO weeks, weekdays, weekends
    "1999-W40",
    "1999-W40-2",
    "1999-W40-WE",
    "XXXX-WXX-2",
    "XXXX-WXX-WE",
    # decades, centuries, millennia
    "199",
    "199X",
    "19XX",
    "19",
    "2",
    # times of day, parts of day, time zones
    "1998-08-03T10:00",
    "1998-08-03T10:00:30",
    "1998-08-03T10:00:30.5",
    "1998-08-03T24:00",
    "1998-08-03TMO",
    "1998-08-03TMI",
    "1998-08-03TAF",
    "1998-08-03TEV",
    "1998-08-03TNI",
    "1998-08-03TDT",
    "1998-08-03T10:00Z",
    "1998-08-03T10:00-05",
    "1998-08-03T10:00+05:30",
    "1998-08-03T10",
    "XXXX-XX-XXT10:00",
    "XXXX-XX-XXTXX:30",
    # X placeholders in any position
    "1998-XX",
    "1998-XX-03",
    "XXXX-08-03",
    "XXXX-08",
    "XXXX-QX",
    "1998-QX",
    "1998-WXX",
    # durations
    "P2Y",
    "P3M",
    "P1W",
    "P5D",
    "PT2H",
    "PT30M",
    "PT45S",
    "P1Y6M",
    "P1DT12H",
    "PT1H30M",
    "P1DE",
    "P2CE",
    "P1ML",
    "P1Q",
    "P1WE",
    "PXY",
    "PXM",
    "PXD",
    "PTXH",
    "P2.5Y",
    "PT1.5H",
    # reference tokens
    "PRESENT_REF",
    "PAST_REF",
    "FUTURE_REF",
]

INVALID = [
    "",
    " 1998",
    "1998 ",
    "1998\n",
    "1998-13",
    "1998-00",
    "1998-08-32",
    "1998-08-00",
    "1998-8-3",
    "1998/08/03",
    "1998-08-03 10:00",
    "1998-08-03T25:00",
    "1998-08-03T10:60",
    "1998-08-03T10:00:61",
    "1998-08-03TXY",
    "1998-08-03TMORNING",
    "1998-08-03T10:00+25",
    "1998-W54",
    "1998-W00",
    "1998-W40-8",
    "1998-W40-0",
    "1998-Q5",
    "1998-H3",
    "1998-AU",
    "1998-SU-01",
    "1X98",
    "X998",
    "1998-1X",
    "1998-08-3X",
    "T10:00",
    "TNI",
    "P",
    "PT",
    "P1",
    "P1H",
    "PT1D",
    "PT1Y",
    "P-1Y",
    "P1YT",
    "1998-08-03TP1D",
    "PRESENT",
    "present_ref",
    "NOW",
    "xxxx-xx-xx",
    "(1998-08-03,1998-08-10,P1W)",
    "FY1998",
]


@pytest.mark.parametrize("value", TE3_PLATINUM + GUIDELINES)
def test_valid(value: str) -> None:
    assert is_timex_value(value), value


@pytest.mark.parametrize("value", INVALID)
def test_invalid(value: str) -> None:
    assert not is_timex_value(value), value


# Every value bench accepted before full TimeML is still accepted, and still "specified".
SPECIFIED = [
    "2017",
    "201X",
    "20XX",
    "2017-12",
    "2017-12-11",
    "2017-W50",
    "2017-W50-WE",
    "2017-Q4",
    "2017-H2",
    "2017-WI",
    "2017-12-11T22",
    "2017-12-11T22:03",
    "2017-12-11T22:03:07.5",
    "2017-12-11TNI",
    "P2W",
    "P1Y2M3DT4H",
    "PT1.5H",
    "PXY",
    "P3DE",
    "PRESENT_REF",
]


@pytest.mark.parametrize("value", SPECIFIED)
def test_specified_values_stay_valid(value: str) -> None:
    assert is_specified_timex(value) and is_timex_value(value)


@pytest.mark.parametrize(
    "value", ["XXXX-12-11", "XXXX-WXX-4", "XXXX-SU", "2012-XX-XX", "XXXX", "19", "2012-WXX-7TNI"]
)
def test_placeholders_are_valid_but_not_specified(value: str) -> None:
    """Systems that resolve year-less values from the document date still see these as
    unresolved (recognizers, bench.normalize)."""
    assert is_timex_value(value)
    assert not is_specified_timex(value)


def test_equality_unchanged() -> None:
    assert same_timex("2017-12-11", " 2017-12-11 ")
    assert same_timex("2017-12-11tni", "2017-12-11TNI")
    assert not same_timex("2017-12", "2017-12-11")
    assert not same_timex("XXXX-WI", "2012-WI")
