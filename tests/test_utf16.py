"""UTF-16 offsets against Python's own UTF-16 encoder, on random text with astral characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.corpus.formats.utf16 import Utf16Offsets

TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", "é", "\u00a0", "😀", "🇷", "𝒳", "\n", "中"]), max_size=40
)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@given(TEXT)
def test_every_code_point_offset_round_trips(text: str) -> None:
    u = Utf16Offsets(text)
    assert u.length == _units(text)
    for i in range(len(text) + 1):
        assert u.to_units(i) == _units(text[:i])
        assert u.to_points(u.to_units(i)) == i


def test_inside_a_surrogate_pair_and_out_of_range() -> None:
    u = Utf16Offsets("a😀b")
    assert [u.to_points(x) for x in (0, 1, 3, 4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="surrogate pair"):
        u.to_points(2)
    with pytest.raises(ValueError, match="outside"):
        u.to_points(5)
