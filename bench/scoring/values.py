"""When a predicted value equals a gold value: the one definition, for scalars and arrays.

TIMEX3 strings are equal ignoring case and surrounding space; numbers are equal within a
relative tolerance of ``NUMBER_RTOL`` (booleans are not numbers); two absent values are equal;
anything else is different. The scorer, the error pages and the agreement report all use it
(docs/metrics.md, "Values").
"""

from __future__ import annotations

import math

import numpy as np

NUMBER_RTOL = 1e-9


def normalized_string(value: str) -> str:
    """The form in which two string values are compared."""
    return value.strip().upper()


def same_value(gold: object, pred: object) -> bool:
    """Values equal as the scorer compares them."""
    if gold is None or pred is None:
        return gold is None and pred is None
    if isinstance(gold, str) or isinstance(pred, str):
        return (
            isinstance(gold, str)
            and isinstance(pred, str)
            and normalized_string(gold) == normalized_string(pred)
        )
    if isinstance(gold, bool) or isinstance(pred, bool):
        return False
    if not isinstance(gold, int | float) or not isinstance(pred, int | float):
        return False
    try:
        g, p = float(gold), float(pred)
    except OverflowError:  # an integer beyond float range: only equal to itself
        return gold == pred
    if not (math.isfinite(g) and math.isfinite(p)):
        return False
    return abs(g - p) <= NUMBER_RTOL * max(abs(g), abs(p))


def same_values(
    g_num: np.ndarray,
    p_num: np.ndarray,
    g_str: np.ndarray,
    p_str: np.ndarray,
    g_none: np.ndarray,
    p_none: np.ndarray,
) -> np.ndarray:
    """:func:`same_value` per pair of parallel arrays: numbers as floats (NaN when not a
    number), strings as ids of their :func:`normalized_string` (-1 when not a string), and
    whether the value is absent."""
    both_num = np.isfinite(g_num) & np.isfinite(p_num)
    with np.errstate(invalid="ignore"):
        close = np.abs(g_num - p_num) <= NUMBER_RTOL * np.maximum(np.abs(g_num), np.abs(p_num))
    same_str = (g_str >= 0) & (g_str == p_str)
    return (both_num & close) | same_str | (g_none & p_none)
