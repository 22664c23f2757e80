"""TIMEX3 values built from a point in time and a grain, and from duration amounts."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.timex import duration_timex, is_timex_value, timex_from_datetime

WHEN = dt.datetime(2017, 12, 11, 22, 3, 7)


@pytest.mark.parametrize(
    ("grain", "value"),
    [
        ("year", "2017"),
        ("quarter", "2017-Q4"),
        ("month", "2017-12"),
        ("week", "2017-W50"),
        ("day", "2017-12-11"),
        ("hour", "2017-12-11T22"),
        ("minute", "2017-12-11T22:03"),
        ("second", "2017-12-11T22:03:07"),
    ],
)
def test_grains(grain: str, value: str) -> None:
    assert timex_from_datetime(WHEN, grain) == value
    assert is_timex_value(value)


def test_iso_week_year_and_plain_dates() -> None:
    assert timex_from_datetime(dt.date(2018, 12, 31), "week") == "2019-W01"
    assert timex_from_datetime(dt.date(2017, 12, 11), "minute") == "2017-12-11T00:00"
    with pytest.raises(ValueError, match="unknown grain"):
        timex_from_datetime(WHEN, "fortnight")


def test_durations() -> None:
    assert duration_timex({"week": 2}) == "P2W"
    assert duration_timex({"day": 5.0}) == "P5D"
    assert duration_timex({"hour": 3, "minute": 30}) == "PT3H30M"
    assert duration_timex({"year": 1, "month": 2, "day": 3, "hour": 4}) == "P1Y2M3DT4H"
    assert duration_timex({"quarter": 1}) == "P3M"
    assert duration_timex({"hour": 1.5}) == "PT1.5H"
    assert duration_timex({}) is None
    assert duration_timex({"fortnight": 1}) is None
