"""TIMEX3 value strings: what is well-formed, and how two values compare."""

from __future__ import annotations

import datetime as dt
import re

_YEAR = r"(?:\d{4}|\d{3}X|\d{2}XX)"
_DATE = (
    rf"{_YEAR}"
    r"(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?"  # -MM or -MM-DD
    r"|-W(?:0[1-9]|[1-4]\d|5[0-3])(?:-WE)?"  # ISO week, optional weekend
    r"|-Q[1-4]|-H[12]|-(?:SP|SU|FA|WI))?"
)
_TIME = r"T(?:(?:[01]\d|2[0-4])(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?|MO|MI|AF|EV|NI|DT)"
_AMOUNT = r"(?:\d+(?:\.\d+)?|X)"
_DURATION = (
    rf"P(?:(?:{_AMOUNT}(?:Y|M|W|D|DE|CE|ML))+(?:T(?:{_AMOUNT}(?:H|M|S))+)?"
    rf"|T(?:{_AMOUNT}(?:H|M|S))+)"
)
_REF = r"PRESENT_REF|PAST_REF|FUTURE_REF"
_TIMEX = re.compile(rf"^(?:{_DATE}(?:{_TIME})?|{_DURATION}|{_REF})$")


def is_timex_value(value: str) -> bool:
    """True when ``value`` is a well-formed TIMEX3 ``value`` (date, time, duration, ref)."""
    return bool(_TIMEX.match(value))


def same_timex(a: str, b: str) -> bool:
    """TIMEX3 values are equal when equal as strings, case-insensitively."""
    return a.strip().upper() == b.strip().upper()


_GRAINS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")


def timex_from_datetime(when: dt.date, grain: str) -> str:
    """The TIMEX3 value of a point in time at a granularity (``day`` -> ``YYYY-MM-DD``)."""
    if grain not in _GRAINS:
        raise ValueError(f"unknown grain {grain!r} (known: {', '.join(_GRAINS)})")
    if grain == "year":
        return f"{when.year:04d}"
    if grain == "quarter":
        return f"{when.year:04d}-Q{(when.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{when.year:04d}-{when.month:02d}"
    if grain == "week":
        year, week, _ = when.isocalendar()
        return f"{year:04d}-W{week:02d}"
    day = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    if grain == "day":
        return day
    t = when if isinstance(when, dt.datetime) else dt.datetime(when.year, when.month, when.day)
    if grain == "hour":
        return f"{day}T{t.hour:02d}"
    if grain == "minute":
        return f"{day}T{t.hour:02d}:{t.minute:02d}"
    return f"{day}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"


_DATE_UNITS = (("year", "Y"), ("month", "M"), ("week", "W"), ("day", "D"))
_TIME_UNITS = (("hour", "H"), ("minute", "M"), ("second", "S"))


def duration_timex(amounts: dict[str, float]) -> str | None:
    """The TIMEX3 duration of unit amounts (``{"week": 2}`` -> ``P2W``); None when empty.

    Quarters count as three months. Units other than year, quarter, month, week, day,
    hour, minute and second are not representable and give None.
    """
    amounts = dict(amounts)
    if "quarter" in amounts:
        amounts["month"] = amounts.get("month", 0) + 3 * amounts.pop("quarter")
    known = {u for u, _ in _DATE_UNITS + _TIME_UNITS}
    if not amounts or set(amounts) - known:
        return None

    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else repr(float(x))

    date = "".join(f"{fmt(amounts[u])}{c}" for u, c in _DATE_UNITS if u in amounts)
    time = "".join(f"{fmt(amounts[u])}{c}" for u, c in _TIME_UNITS if u in amounts)
    value = "P" + date + (f"T{time}" if time else "")
    return value if is_timex_value(value) else None
