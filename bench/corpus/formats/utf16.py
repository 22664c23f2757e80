"""Offsets in UTF-16 code units (Label Studio, doccano: JavaScript) and code points (ours)."""

from __future__ import annotations

from bisect import bisect_left


class Utf16Offsets:
    """Converts offsets into one text between code points and UTF-16 code units, both ways."""

    def __init__(self, text: str) -> None:
        # Only characters outside the Basic Multilingual Plane take two code units.
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._astral_units = [i + k for k, i in enumerate(self._astral)]
        self.length = len(text) + len(self._astral)

    def to_units(self, point: int) -> int:
        """UTF-16 offset of code-point offset ``point``."""
        return point + bisect_left(self._astral, point)

    def to_points(self, unit: int) -> int:
        """Code-point offset of UTF-16 offset ``unit``; ValueError inside a surrogate pair."""
        before = bisect_left(self._astral_units, unit)
        if before and self._astral_units[before - 1] + 1 == unit:
            raise ValueError(f"UTF-16 offset {unit} falls inside a surrogate pair")
        if not 0 <= unit <= self.length:
            raise ValueError(f"UTF-16 offset {unit} is outside 0..{self.length}")
        return unit - before
