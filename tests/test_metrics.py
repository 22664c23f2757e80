"""Counts and derived scores: hand-computed values, None for undefined, macro averages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.scoring.metrics import COUNT_FIELDS, Counts, ModeScore, macro, prf, total


def test_scores_by_hand() -> None:
    c = Counts(correct=3, incorrect=1, partial=2, missed=2, spurious=1)
    assert (c.possible, c.actual) == (8, 7)
    assert c.credit == 4.0
    assert c.precision == pytest.approx(4 / 7)
    assert c.recall == pytest.approx(4 / 8)
    p, r = 4 / 7, 4 / 8
    assert c.f1 == pytest.approx(2 * p * r / (p + r))


def test_undefined_is_none_not_zero() -> None:
    nothing_predicted = Counts(missed=3)
    assert nothing_predicted.precision is None
    assert nothing_predicted.recall == 0.0
    assert nothing_predicted.f1 == 0.0
    no_gold = Counts(spurious=2)
    assert no_gold.recall is None
    assert no_gold.precision == 0.0
    empty = Counts()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    assert empty.empty


def test_mode_score_has_the_ten_keys_in_order() -> None:
    s = Counts(1, 0, 0, 1, 0).score()
    assert list(s.model_dump()) == [
        *COUNT_FIELDS,
        "possible",
        "actual",
        "precision",
        "recall",
        "f1",
    ]
    assert isinstance(s, ModeScore)


def test_macro_by_hand() -> None:
    classes = [
        Counts(correct=1, spurious=1),  # P 0.5, R 1, F 2/3
        Counts(missed=2),  # P undefined, R 0, F 0
        Counts(),  # no gold, no prediction: left out
    ]
    m = macro(classes)
    assert m.classes == 2
    assert m.precision == pytest.approx(0.5)  # mean over the one class where it is defined
    assert m.recall == pytest.approx(0.5)
    assert m.f1 == pytest.approx((2 / 3 + 0) / 2)
    none = macro([Counts(), Counts()])
    assert (none.precision, none.recall, none.f1, none.classes) == (None, None, None, 0)


def test_prf_matches_counts() -> None:
    c = Counts(correct=2, partial=1, missed=1, spurious=3)
    assert prf(c.credit, c.actual, c.possible) == (c.precision, c.recall, c.f1)


counts_st = st.builds(Counts, *(st.integers(0, 50) for _ in COUNT_FIELDS))


@given(st.lists(counts_st, max_size=6))
def test_counts_add_field_by_field(items: list[Counts]) -> None:
    t = total(items)
    for f in COUNT_FIELDS:
        assert getattr(t, f) == sum(getattr(c, f) for c in items)
    assert t.possible == sum(c.possible for c in items)


@given(counts_st)
def test_scores_in_unit_interval_and_f1_is_harmonic_mean(c: Counts) -> None:
    for v in (c.precision, c.recall, c.f1):
        assert v is None or 0.0 <= v <= 1.0
    if c.precision is not None and c.recall is not None and c.precision + c.recall > 0:
        hm = 2 * c.precision * c.recall / (c.precision + c.recall)
        assert c.f1 == pytest.approx(hm)


@given(st.lists(counts_st, min_size=1, max_size=8))
def test_array_scores_equal_object_scores(items: list[Counts]) -> None:
    import numpy as np

    from bench.scoring.metrics import macro_rows, score_dicts

    arr = np.array([[getattr(c, f) for f in COUNT_FIELDS] for c in items])
    assert [ModeScore(**d) for d in score_dicts(arr)] == [c.score() for c in items]
    assert macro_rows(arr) == macro(items)
