"""Span values as text, for formats whose only place for a value is a string."""

from __future__ import annotations

import math

from bench import strictjson
from bench.schema import Value


def value_text(value: Value) -> str | None:
    """A value as text: TIMEX3 strings as they are, numbers as JSON numbers, None as None."""
    if value is None or isinstance(value, str):
        return value
    return strictjson.dumps(value)


def parse_value(layer: str, text: str | None) -> Value:
    """The value of a ``layer`` span written as ``text``; ValueError when it cannot be one."""
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    if layer == "entity":
        raise ValueError(f"entity spans carry no value, got {text!r}")
    if layer == "time":
        return text
    try:
        number = strictjson.loads(text)
    except strictjson.JsonError as exc:
        if "finite" in exc.msg:  # NaN, Infinity, 1e999
            raise ValueError(f"number value {text!r} is not a finite number") from None
        raise ValueError(
            f"number value {text!r} is not a number (write 12000000, not 12 million)"
        ) from None
    if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
        raise ValueError(f"number value {text!r} is not a finite number")
    return number
