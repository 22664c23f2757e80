"""TIMEX3 value strings: what is well-formed, and how two values compare."""

from __future__ import annotations

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
