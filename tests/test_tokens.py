"""The token-format tokenizer and the text form of values."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.corpus.formats.tokens import tokenize
from bench.corpus.formats.values import parse_value, value_text


def test_tokens_keep_numbers_and_split_punctuation() -> None:
    text = "Some 465,000 people; Putin’s 2.5 km."
    assert [text[a:b] for a, b in tokenize(text)] == [
        "Some", "465,000", "people", ";", "Putin’s", "2.5", "km", ".",
    ]  # fmt: skip


def test_cuts_split_tokens() -> None:
    text = "Putin’s Western-backed"
    cuts = [5, 8, 15]
    assert [text[a:b] for a, b in tokenize(text, cuts)] == ["Putin", "’s", "Western", "-", "backed"]


@given(st.text(max_size=30), st.lists(st.integers(0, 30)))
def test_tokens_cover_all_non_space_and_respect_cuts(text: str, cuts: list[int]) -> None:
    tokens = tokenize(text, cuts)
    covered = "".join(text[a:b] for a, b in tokens)
    assert covered == "".join(ch for ch in text if not ch.isspace())
    for c in cuts:
        assert not [(a, b) for a, b in tokens if a < c < b]
    assert all(a < b for a, b in tokens)
    assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(tokens))
    assert not any(ch.isspace() for a, b in tokens for ch in text[a:b])


@pytest.mark.parametrize(
    ("layer", "value"),
    [("time", "2017-12-11TMO"), ("number", 3), ("number", 2.5), ("number", None)],
)
def test_values_round_trip_with_their_type(layer: str, value) -> None:
    back = parse_value(layer, value_text(value))
    assert back == value and type(back) is type(value)


def test_bad_values() -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_value("number", "12 million")
    with pytest.raises(ValueError, match="finite"):
        parse_value("number", "NaN")
    with pytest.raises(ValueError, match="no value"):
        parse_value("entity", "x")
