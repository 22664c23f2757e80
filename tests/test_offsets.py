"""Locating returned strings in a text: loose matching, every occurrence, reading order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.offsets import drop_nested, find_all, find_in_order, loose_pattern


def test_every_occurrence_at_word_boundaries() -> None:
    text = "IS and ISIL: IS again, Putin and Putin’s aide"
    assert find_all(text, "IS") == [(0, 2), (13, 15)]
    assert [text[a:b] for a, b in find_all(text, "Putin")] == ["Putin", "Putin"]


def test_quotes_dashes_and_whitespace_are_tolerated() -> None:
    text = "Russia’s “new stage”, the\u00a0mainly Syrian-Turkish border,\n two\tweeks"
    ((a, b),) = find_all(text, "Russia's")
    assert text[a:b] == "Russia’s"
    ((a, b),) = find_all(text, '"new stage"')
    assert text[a:b] == "“new stage”"
    ((a, b),) = find_all(text, "the mainly")
    assert text[a:b] == "the\u00a0mainly"
    ((a, b),) = find_all(text, "Syrian–Turkish")
    assert text[a:b] == "Syrian-Turkish"
    ((a, b),) = find_all(text, "border, two weeks")
    assert text[a:b] == "border,\n two\tweeks"


def test_case_is_ignored_only_when_nothing_matches_with_case() -> None:
    text = "Last month and last month"
    assert find_all(text, "last month") == [(15, 25)]
    assert find_all(text, "LAST MONTH") == [(0, 10), (15, 25)]
    assert find_all(text, "next month") == []
    assert find_all(text, "   ") == []
    assert loose_pattern("") is None


def test_code_point_offsets_past_astral_characters() -> None:
    text = "😀 on December 11 😀 December 11"
    spans = find_all(text, "December 11")
    assert [text[a:b] for a, b in spans] == ["December 11", "December 11"]
    assert spans[0][0] == 5


def test_in_order_takes_consecutive_occurrences() -> None:
    text = "on Monday we met; on Monday, again; and on Monday"
    got = find_in_order(text, ["on Monday", "on Monday", "on Monday", "on Monday"])
    assert got[:3] == [(0, 9), (18, 27), (40, 49)]
    assert got[3] is None  # a fourth report has no fourth occurrence


def test_in_order_falls_back_when_reported_out_of_order() -> None:
    text = "May 2016 then March 2011"
    assert find_in_order(text, ["March 2011", "May 2016", "June"]) == [(14, 24), (0, 8), None]


def test_drop_nested() -> None:
    spans = [(0, 14), (9, 14), (0, 14), (20, 25), (22, 30), (40, 45), (40, 42)]
    assert drop_nested(spans) == {(9, 14), (40, 42)}


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), max_size=12))
def test_drop_nested_matches_definition(raw: list[tuple[int, int]]) -> None:
    spans = {(s, s + n) for s, n in raw}
    expected = {a for a in spans if any(b != a and b[0] <= a[0] and a[1] <= b[1] for b in spans)}
    assert drop_nested(spans) == expected
