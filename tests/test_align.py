"""Alignment: hand-computed tables per mode, exactness against brute force, order independence."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
import pytest

from bench.scoring.align import align, max_weight_matching, mode_credit, overlap_pairs
from bench.scoring.metrics import MODES, Counts


@dataclass(frozen=True)
class S:
    start: int
    end: int
    label: str


# "The John Smith who works at Google Inc" as tokens 0..7: PER = tokens 1-2, ORG = 6-7.
GOLD = [S(1, 3, "PER"), S(6, 8, "ORG")]

# nervaluate's six scenarios; counts (correct, incorrect, partial, missed, spurious) per mode,
# worked out by hand from the SemEval-2013 definitions.
SCENARIOS = {
    "perfect": (
        [S(1, 3, "PER"), S(6, 8, "ORG")],
        {m: (2, 0, 0, 0, 0) for m in MODES},
    ),
    "missed": (
        [S(1, 3, "PER")],
        {m: (1, 0, 0, 1, 0) for m in MODES},
    ),
    "wrong label": (
        [S(1, 3, "PER"), S(6, 8, "LOC")],
        {
            "strict": (1, 1, 0, 0, 0),
            "exact": (2, 0, 0, 0, 0),
            "partial": (2, 0, 0, 0, 0),
            "type": (1, 1, 0, 0, 0),
        },
    ),
    "wrong label and boundary": (
        [S(1, 3, "PER"), S(6, 7, "LOC")],
        {
            "strict": (1, 1, 0, 0, 0),
            "exact": (1, 1, 0, 0, 0),
            "partial": (1, 0, 1, 0, 0),
            "type": (1, 1, 0, 0, 0),
        },
    ),
    "shifted boundary": (
        [S(1, 3, "PER"), S(7, 9, "ORG")],
        {
            "strict": (1, 1, 0, 0, 0),
            "exact": (1, 1, 0, 0, 0),
            "partial": (1, 0, 1, 0, 0),
            "type": (2, 0, 0, 0, 0),
        },
    ),
    "extra": (
        [S(1, 3, "PER"), S(4, 5, "PER"), S(6, 8, "LOC")],
        {
            "strict": (1, 1, 0, 0, 1),
            "exact": (2, 0, 0, 0, 1),
            "partial": (2, 0, 0, 0, 1),
            "type": (1, 1, 0, 0, 1),
        },
    ),
}

# precision, recall, F1 per mode, by hand (partial credit is half).
SCORES = {
    ("wrong label and boundary", "partial"): (0.75, 0.75, 0.75),
    ("wrong label and boundary", "strict"): (0.5, 0.5, 0.5),
    ("extra", "exact"): (2 / 3, 1.0, 0.8),
    ("extra", "strict"): (1 / 3, 0.5, 0.4),
    ("missed", "type"): (1.0, 0.5, 2 / 3),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_counts(scenario: str, mode: str) -> None:
    pred, expected = SCENARIOS[scenario]
    assert align(GOLD, pred, mode).counts == Counts(*expected[mode])


@pytest.mark.parametrize(("scenario", "mode"), sorted(SCORES))
def test_scenario_scores(scenario: str, mode: str) -> None:
    pred, _ = SCENARIOS[scenario]
    c = align(GOLD, pred, mode).counts
    assert (c.precision, c.recall, c.f1) == pytest.approx(SCORES[(scenario, mode)])


def test_adjacent_spans_do_not_overlap() -> None:
    # End-exclusive: [0, 5) and [5, 8) share no character.
    a = align([S(0, 5, "PER")], [S(5, 8, "PER")], "partial")
    assert a.counts == Counts(missed=1, spurious=1)


def test_greedy_trap_is_solved_optimally() -> None:
    # A wide prediction overlapping two gold spans, listed first, then an exact one: greedy
    # matching in input order pairs the wide one with the first gold and loses the exact match.
    gold = [S(0, 5, "PER"), S(10, 15, "PER")]
    for pred in ([S(3, 12, "PER"), S(0, 5, "PER")], [S(0, 5, "PER"), S(3, 12, "PER")]):
        assert align(gold, pred, "strict").counts == Counts(correct=1, incorrect=1)


def test_partial_mode_keeps_exact_matches_correct() -> None:
    # Two partial pairs have the credit of one correct pair; the correct pair is reported.
    # (Needs gold spans that overlap each other, as when gold and predictions are swapped.)
    gold = [S(0, 5, "PER"), S(3, 9, "PER")]
    pred = [S(0, 5, "PER"), S(1, 2, "PER")]
    assert align(gold, pred, "partial").counts == Counts(correct=1, missed=1, spurious=1)
    pred = [S(0, 7, "PER"), S(1, 2, "PER")]  # no exact match: two partial pairs
    assert align(gold, pred, "partial").counts == Counts(partial=2)


def test_one_gold_two_predictions_credits_one() -> None:
    a = align([S(0, 10, "ORG")], [S(0, 10, "ORG"), S(2, 8, "ORG")], "partial")
    assert a.counts == Counts(correct=1, spurious=1)
    assert a.pairs == ((0, 0, "correct"),)


def test_pairs_refer_to_input_indices() -> None:
    a = align([S(6, 8, "ORG"), S(1, 3, "PER")], [S(1, 3, "PER"), S(6, 7, "ORG")], "partial")
    assert a.pairs == ((0, 1, "partial"), (1, 0, "correct"))


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        align(GOLD, GOLD, "fuzzy")


def _brute(n_g: int, n_p: int, gi: list[int], pi: list[int], credit: list[int]) -> tuple:
    best = (0, 0, 0)
    m = len(gi)
    for r in range(1, min(n_g, n_p, m) + 1):
        for edges in itertools.combinations(range(m), r):
            if len({gi[e] for e in edges}) < r or len({pi[e] for e in edges}) < r:
                continue
            correct = sum(credit[e] == 2 for e in edges)
            best = max(best, (sum(credit[e] for e in edges), correct, r))
    return best


def _random_spans(rnd: random.Random, n: int, width: int = 20) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        s = rnd.randint(0, width)
        out.append((s, s + rnd.randint(1, 6)))
    return out


def test_overlap_pairs_match_definition() -> None:
    rnd = random.Random(7)
    for _ in range(500):
        g = _random_spans(rnd, rnd.randint(0, 8))
        p = _random_spans(rnd, rnd.randint(0, 8))
        gi, pi = overlap_pairs(
            np.array([a for a, _ in g]),
            np.array([b for _, b in g]),
            np.array([a for a, _ in p]),
            np.array([b for _, b in p]),
        )
        expected = [
            (i, j) for i, a in enumerate(g) for j, b in enumerate(p) if a[0] < b[1] and b[0] < a[1]
        ]
        assert list(zip(gi.tolist(), pi.tolist(), strict=True)) == expected


def test_matching_is_optimal_against_brute_force() -> None:
    rnd = random.Random(11)
    checked = 0
    while checked < 1500:
        g = _random_spans(rnd, rnd.randint(1, 5), width=12)
        p = _random_spans(rnd, rnd.randint(1, 5), width=12)
        gi, pi = overlap_pairs(
            np.array([a for a, _ in g]),
            np.array([b for _, b in g]),
            np.array([a for a, _ in p]),
            np.array([b for _, b in p]),
        )
        if len(gi) > 12:
            continue
        credit = np.array([rnd.randint(0, 2) for _ in gi], dtype=np.int64)
        chosen = max_weight_matching(len(g), len(p), gi, pi, credit)
        assert len(set(gi[chosen].tolist())) == chosen.sum() == len(set(pi[chosen].tolist()))
        got = (int(credit[chosen].sum()), int((credit[chosen] == 2).sum()), int(chosen.sum()))
        assert got == _brute(len(g), len(p), gi.tolist(), pi.tolist(), credit.tolist())
        checked += 1


def test_large_tangled_component() -> None:
    # A chain where every prediction straddles two gold spans: one big component that goes
    # to the sparse assignment solver. Optimum: every gold paired, as partial.
    n = 2000
    gs = np.arange(n) * 10
    ge = gs + 8
    ps = gs[:-1] + 6
    pe = ps + 8
    gi, pi = overlap_pairs(gs, ge, ps, pe)
    credit = mode_credit("partial", (gs[gi] == ps[pi]) & (ge[gi] == pe[pi]), np.ones(len(gi)))
    chosen = max_weight_matching(n, n - 1, gi, pi, credit)
    assert chosen.sum() == n - 1
    assert credit[chosen].sum() == n - 1
