"""TIMEX3 value strings: what is well-formed, and how two values compare."""

from __future__ import annotations

import datetime as dt
import re

# The grammar bench's own normalizers emit (and the only one bench accepted before full
# TimeML): fully specified dates and times, a year's trailing digits as X for a decade or
# century. ``is_specified_timex`` keeps it, so that a library's ``XXXX-12-11`` is still
# recognised as "needs resolving" by the systems that resolve it.
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
_SPECIFIED = re.compile(rf"^(?:{_DATE}(?:{_TIME})?|{_DURATION}|{_REF})$")

# Full TimeML 1.2.1 / TIDES values (docs/metrics.md, "TIMEX3 values"): any date or time
# position may be X; ISO weeks with a weekday or weekend; seasons, quarters, halves;
# decades (``199``, ``199X``), centuries (``19``, ``19XX``) and millennia (``1``); parts
# of day; time zones after a clock time; durations in any unit the guidelines name.
_FULL_YEAR = r"(?:\d{4}|\d{3}X|\d{2}XX|\dXXX|XXXX)"
_MONTH = r"(?:0[1-9]|1[0-2]|XX)"
_DAY = r"(?:0[1-9]|[12]\d|3[01]|XX)"
_WEEK = r"W(?:0[1-9]|[1-4]\d|5[0-3]|XX)"
_FULL_DATE = (
    rf"{_FULL_YEAR}"
    rf"(?:-{_MONTH}(?:-{_DAY})?"  # -MM, -MM-DD
    rf"|-{_WEEK}(?:-(?:[1-7X]|WE))?"  # -Www, -Www-D, -Www-WE
    r"|-Q[1-4X]|-H[12X]|-(?:SP|SU|FA|WI))?"
)
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"
_CLOCK = (
    r"(?:[01]\d|2[0-4]|XX)"
    r"(?::(?:[0-5]\d|XX)(?::(?:[0-5]\d|XX)(?:\.\d+)?)?)?"
    rf"{_ZONE}?"
)
_FULL_TIME = rf"T(?:{_CLOCK}|MO|MI|AF|EV|NI|DT)"
_FULL_DURATION = (
    rf"P(?:(?:{_AMOUNT}(?:Y|M|W|D|DE|CE|ML|Q|WE))+(?:T(?:{_AMOUNT}(?:H|M|S))+)?"
    rf"|T(?:{_AMOUNT}(?:H|M|S))+)"
)
_MILLENNIUM_CENTURY_DECADE = r"\d{1,3}"  # 2, 19, 199
_TIMEX = re.compile(
    rf"{_FULL_DATE}(?:{_FULL_TIME})?|{_MILLENNIUM_CENTURY_DECADE}|{_FULL_DURATION}|{_REF}"
)


def is_timex_value(value: str) -> bool:
    """True when ``value`` is a well-formed TimeML 1.2.1 TIMEX3 ``value``.

    Dates, times, durations and the ``*_REF`` tokens, with ``X`` placeholders in any date
    or time position (``XXXX-XX-XX``, ``2012-WXX-7TNI``, ``PXY``); docs/metrics.md lists
    the grammar.
    """
    return _TIMEX.fullmatch(value) is not None


def is_specified_timex(value: str) -> bool:
    """True for the fully specified subset bench's normalizers emit (no ``X`` in any field
    except a decade's or century's trailing digits): what "already resolved" means to the
    systems that complete year-less or week-less values from the document date."""
    return bool(_SPECIFIED.match(value))


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
    return value if is_specified_timex(value) else None
