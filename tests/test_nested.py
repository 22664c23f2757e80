"""Nested gold where a document declares it, the relaxed (TempEval-3) match, and the minimum
overlap (nervaluate's ``min_overlap_percentage``)."""

from __future__ import annotations

import itertools

import pytest
from conftest import NEEDS_NERVALUATE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus.document import Document
from bench.corpus.rules import check_gold_spans
from bench.errors import ParameterError
from bench.schema import GoldSpan, PredictedSpan
from bench.scoring.align import align
from bench.scoring.engine import score
from bench.scoring.metrics import MODES

TEXT = "University of New York in New York City"


def _g(start: int, end: int, label: str) -> GoldSpan:
    return GoldSpan(start=start, end=end, text=TEXT[start:end], layer="entity", label=label)


NESTED = [_g(0, 22, "ORG"), _g(14, 22, "GPE"), _g(26, 39, "GPE"), _g(26, 34, "GPE")]


def test_nested_gold_refused_unless_declared() -> None:
    doc = Document.from_text(TEXT, NESTED)
    problems = check_gold_spans(doc.gold, TEXT, "g.json")
    assert [(p.field, p.problem) for p in problems] == [
        ("spans[1].start", "overlaps spans[0] (0:22) in layer 'entity'"),
        ("spans[3].start", "overlaps spans[2] (26:34) in layer 'entity'"),
    ]
    declared = doc.gold.model_copy(update={"nested": ["entity"]})
    assert check_gold_spans(declared, TEXT, "g.json") == []
    other = doc.gold.model_copy(update={"nested": ["time"]})  # only the layers declared
    assert len(check_gold_spans(other, TEXT, "g.json")) == 2


def test_nested_gold_scored_one_to_one() -> None:
    doc = Document.from_text(TEXT, NESTED)
    pred = [
        PredictedSpan(start=14, end=22, label="GPE"),
        PredictedSpan(start=0, end=22, label="ORG"),
    ]
    r = score([doc], {"doc": pred}, bootstrap=0)
    assert (r.overall.strict.correct, r.overall.strict.missed, r.overall.strict.spurious) == (
        2,
        2,
        0,
    )
    assert r.relaxed["entity"].matched == 2
    assert r.relaxed["entity"].recall == 0.5


# ---- properties: nested gold, optimal one-to-one alignment (brute force) ----


def _classify(mode: str, g: tuple, p: tuple) -> int:
    """Credit (halves) of an overlapping pair in a mode, as docs/metrics.md defines it."""
    exact = g[:2] == p[:2]
    same = g[2] == p[2]
    return {
        "strict": 2 * (exact and same),
        "exact": 2 * exact,
        "partial": 1 + exact,
        "type": 2 * same,
    }[mode]


def _brute(gold: list[tuple], pred: list[tuple], mode: str | None) -> tuple[int, int, int]:
    """(credit, correct, pairs) of the best matching; mode None: the most pairs (relaxed)."""
    edges = [
        (i, j)
        for i, g in enumerate(gold)
        for j, p in enumerate(pred)
        if g[0] < p[1] and p[0] < g[1]
    ]
    best = (0, 0, 0)
    for r in range(1, min(len(gold), len(pred)) + 1):
        for chosen in itertools.combinations(edges, r):
            if len({i for i, _ in chosen}) < r or len({j for _, j in chosen}) < r:
                continue
            if mode is None:
                best = max(best, (0, 0, r))
                continue
            credits = [_classify(mode, gold[i], pred[j]) for i, j in chosen]
            best = max(best, (sum(credits), credits.count(2), r))
    return best


def _nested_spans(draw: st.DrawFn) -> list[tuple[int, int, str]]:
    """Properly nested (laminar) gold spans: each pair disjoint or one inside the other."""
    out: list[tuple[int, int, str]] = []
    todo = [(0, 30)]
    while todo and len(out) < 6:
        lo, hi = todo.pop()
        if hi - lo < 1 or not draw(st.booleans()):
            continue
        a = draw(st.integers(lo, hi - 1))
        b = draw(st.integers(a + 1, hi))
        out.append((a, b, draw(st.sampled_from(["ORG", "GPE", "PERSON"]))))
        todo += [(a, b), (lo, a), (b, hi)]
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.composite(_nested_spans)(),
    st.lists(
        st.tuples(st.integers(0, 29), st.integers(1, 8), st.sampled_from(["ORG", "GPE", "PERSON"])),
        max_size=5,
    ),
)
def test_nested_alignment_is_optimal(gold: list[tuple], raw_pred: list[tuple]) -> None:
    pred = [(a, min(a + n, 30), lab) for a, n, lab in raw_pred]
    text = "x" * 30
    g_spans = [
        GoldSpan(start=a, end=b, text=text[a:b], layer="entity", label=lab) for a, b, lab in gold
    ]
    doc = Document.from_text(text, g_spans)
    assert check_gold_spans(doc.gold.model_copy(update={"nested": ["entity"]}), text, "g") == []
    p_spans = [PredictedSpan(start=a, end=b, label=lab) for a, b, lab in pred]
    r = score([doc], {"doc": p_spans}, bootstrap=0, layers=["entity"])
    for mode in MODES:
        counts = getattr(r.overall, mode)
        credit, correct, pairs = _brute(gold, pred, mode)
        assert 2 * counts.correct + counts.partial == credit
        assert counts.correct == correct
        assert counts.correct + counts.incorrect + counts.partial == pairs
        assert align(g_spans, p_spans, mode).counts == _counts(counts)
    assert r.relaxed["entity"].matched == _brute(gold, pred, None)[2]


def _counts(s):
    from bench.scoring.metrics import Counts

    return Counts(s.correct, s.incorrect, s.partial, s.missed, s.spurious)


# ---- minimum overlap ----


def test_min_overlap_is_a_share_of_the_gold_span() -> None:
    text = "abcdefghij"
    doc = Document.from_text(
        text, [GoldSpan(start=0, end=4, text="abcd", layer="entity", label="ORG")]
    )
    pred = {"doc": [PredictedSpan(start=2, end=10, label="ORG")]}  # 2 of gold's 4 characters
    partial = [score([doc], pred, bootstrap=0, min_overlap=x).overall.partial for x in (50, 51)]
    assert (partial[0].partial, partial[0].missed, partial[0].spurious) == (1, 0, 0)
    assert (partial[1].partial, partial[1].missed, partial[1].spurious) == (0, 1, 1)
    r = score([doc], pred, bootstrap=0, min_overlap=51)
    assert r.relaxed["entity"].matched == 0
    assert "|overlap:51" in r.signature
    for bad in (0, -1, 100.5):
        with pytest.raises(ParameterError, match="min_overlap: must be > 0 and <= 100"):
            score([doc], pred, bootstrap=0, min_overlap=bad)


@NEEDS_NERVALUATE
@pytest.mark.parametrize(
    ("seed", "threshold"), [(1, 1.0), (2, 30.0), (3, 50.0), (4, 75.5), (5, 100.0)]
)
def test_min_overlap_equals_nervaluate(seed: int, threshold: float) -> None:
    from nervaluate import Evaluator

    from bench.corpus.synthetic import random_corpus
    from bench.schema import ALL_LABELS

    corpus = random_corpus(600, 6, seed=seed)
    ours = score(corpus.gold, corpus.predictions, bootstrap=0, min_overlap=threshold)
    doc_ids = sorted(corpus.gold)

    def nerv(spans) -> list[dict]:  # nervaluate's offsets are end-inclusive
        return [{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans]

    true = [nerv(corpus.gold[d].gold.spans) for d in doc_ids]
    pred = [nerv(corpus.predictions[d]) for d in doc_ids]
    theirs = Evaluator(
        true, pred, tags=list(ALL_LABELS), loader="dict", min_overlap_percentage=threshold
    ).evaluate()
    names = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
    for mode, name in names.items():
        o, t = getattr(ours.overall, mode), theirs["overall"][name]
        for field in ("correct", "incorrect", "partial", "missed", "spurious"):
            assert getattr(o, field) == getattr(t, field), (mode, field)
    if threshold > 1:  # the threshold changes something, so the comparison is not vacuous
        loose = score(corpus.gold, corpus.predictions, bootstrap=0)
        assert loose.overall.partial.partial > ours.overall.partial.partial


def test_bad_tokens_are_gold_violations() -> None:
    doc = Document.from_text("ab cd", tokens=[(0, 2), (1, 5)])
    (v,) = check_gold_spans(doc.gold, "ab cd", "g.json")
    assert (v.field, v.problem) == ("tokens[1]", "1:5 starts before the end of tokens[0] (2)")
    doc = Document.from_text("ab cd", tokens=[(0, 2), (3, 6)])
    (v,) = check_gold_spans(doc.gold, "ab cd", "g.json")
    assert (v.field, v.problem) == ("tokens[1]", "3:6 not within 0 <= start < end <= 5")
