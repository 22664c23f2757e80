"""Strict JSON, in and out: the one reader and the one writer of every JSON file bench touches.

Python's ``json`` accepts ``NaN``, ``Infinity`` and ``1e999`` (which no other JSON parser
reads back), raises ``RecursionError`` on deeply nested arrays and ``ValueError`` on an
integer literal over 4,300 digits. Here each of those is a :class:`JsonError` with a message
and a line, which callers turn into the usual one-line ``FILE:LINE: json: problem``; and
:func:`dumps` refuses non-finite numbers, so bench never writes JSON it would refuse to read.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from bench.errors import BenchError

MAX_DEPTH = 200  # where a refusal for deep nesting points (bench's own files nest 4 deep)
MAX_DIGITS = sys.get_int_max_str_digits() or 4300  # what int() accepts (0: no limit set)
_LONG_INT = re.compile(rf"-?\d{{{MAX_DIGITS + 1},}}")


class JsonError(ValueError):
    """A JSON text bench refuses: ``msg`` says why, ``lineno`` (1-based) where, when known."""

    def __init__(self, msg: str, lineno: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.lineno = lineno


def _constant(name: str) -> object:
    raise JsonError(f"{name} is not JSON (numbers must be finite)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonError(f"number {text[:20]} is out of range (numbers must be finite)")
    return value


def _too_deep_line(raw: str) -> int | None:
    """The line where nesting first passes :data:`MAX_DEPTH` (strings skipped)."""
    depth, line, in_str, esc = 0, 1, False, False
    for ch in raw:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif ch in "]}":
            depth -= 1
        if ch == "\n":
            line += 1
    return None


def loads(raw: str | bytes) -> Any:
    """Parse strict JSON; :class:`JsonError` for anything bench refuses (never another error)."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError(f"not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(raw, parse_constant=_constant, parse_float=_float)
    except JsonError as exc:
        exc.lineno = None
        raise
    except json.JSONDecodeError as exc:
        raise JsonError(f"{exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise JsonError("nested too deeply", _too_deep_line(raw)) from None
    except ValueError:  # int(): a literal over the interpreter's digit limit
        m = _LONG_INT.search(raw)
        at = raw.count("\n", 0, m.start()) + 1 if m else None
        raise JsonError(f"integer literal over {MAX_DIGITS} digits", at) from None


def load_text(raw: str | bytes, where: str) -> Any:
    """:func:`loads`, with a refusal as a one-line BenchError ``WHERE[:LINE]: json: problem``."""
    try:
        return loads(raw)
    except JsonError as exc:
        at = f"{where}:{exc.lineno}" if exc.lineno is not None else where
        raise BenchError(f"{at}: json: {exc.msg}") from None


def dumps(obj: object, **kwargs: Any) -> str:
    """``json.dumps`` that refuses NaN and infinities (ValueError): bench writes strict JSON."""
    return json.dumps(obj, allow_nan=False, **kwargs)
