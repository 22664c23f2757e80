"""No built-in system emits a span that starts or ends in whitespace; recognizers drops
(and counts) results whose text is not the text at their offsets."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest
from backends import run_system
from conftest import NEEDS_RULES

from bench.protocol import DocInput
from systems._base import clean_spans, strip_offsets

DATE = dt.date(2017, 12, 11)


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("Breaking News\n\nMore", 0, 15, (0, 13)),
        ("a\n\nStarting next year", 1, 21, (3, 21)),
        (" \t x \n", 0, 6, (3, 4)),
        ("a   b", 1, 4, None),
        ("abc", 0, 3, (0, 3)),
    ],
)
def test_strip_offsets(text: str, start: int, end: int, expected: tuple | None) -> None:
    assert strip_offsets(text, start, end) == expected


def test_clean_spans_keeps_labels_and_drops_blank() -> None:
    text = "Latakia Province\n  \n"
    assert clean_spans(text, [(0, 17, "GPE"), (16, 20, "ORG")]) == [(0, 16, "GPE")]


def _no_whitespace_edges(texts: list[str], spans: list[list]) -> None:
    assert any(spans), "the system found nothing: the test would prove nothing"
    for text, found in zip(texts, spans, strict=True):
        for sp in found:
            piece = text[sp.start : sp.end]
            assert piece and piece == piece.strip(), (sp, piece)
            assert sp.text is None or sp.text == piece


TEXTS = [
    "Breaking News\n\nStarting next year, the plan costs $5 million.\n",
    "Notes:\n\nOn Monday, December 11, 2017 at 10 am, 12 million people paid $5 (10%).\n\n",
]


@pytest.mark.skipif(importlib.util.find_spec("recognizers_suite") is None, reason="recognizers")
def test_recognizers_spans_are_clean() -> None:
    from systems.recognizers import RecognizersSystem

    docs = [DocInput(f"d{i}", t, DATE) for i, t in enumerate(TEXTS)]
    _no_whitespace_edges(TEXTS, run_system(RecognizersSystem, docs))


@pytest.mark.skipif(importlib.util.find_spec("spacy") is None, reason="needs spaCy")
def test_spacy_spans_are_clean(seed_docs: dict) -> None:
    """On the seeds, where spaCy's own entities end in newlines ('Breaking News\\n\\n')."""
    from systems.spacy import SpacySystem

    docs = list(seed_docs.values())
    spans = run_system(SpacySystem, docs, values="false")
    _no_whitespace_edges([d.text for d in docs], spans)
    texts = {d.doc_id: d.text for d in docs}
    found = {
        texts[d.doc_id][s.start : s.end] for d, ss in zip(docs, spans, strict=True) for s in ss
    }
    assert {"Breaking News", "Latakia Province"} <= found


@NEEDS_RULES
def test_rules_spans_are_clean() -> None:
    from systems.rules import RulesSystem

    docs = [DocInput(f"d{i}", t, DATE) for i, t in enumerate(TEXTS)]
    _no_whitespace_edges(TEXTS, run_system(RulesSystem, docs))


@pytest.mark.skipif(importlib.util.find_spec("recognizers_suite") is None, reason="recognizers")
def test_recognizers_misaligned_results_dropped() -> None:
    from systems.recognizers import _offsets

    text = "At the same time on Sunday night we left."
    at = text.index("Sunday night")
    # as reported: end inclusive, text lower-cased
    assert _offsets(text, None, at, at + 11, "sunday night") == (at, at + 12)
    # shifted offsets with the library's text: dropped, not relocated
    assert _offsets(text, None, at - 2, at + 9, "sunday night") is None
    # shifted offsets and a text cut from the shifted place ('me sunday ni'): cuts words
    assert _offsets(text, None, at - 5, at + 9, "me sunday ni") is None
    assert _offsets(text, None, at, at + 100, "sunday night") is None


@pytest.mark.skipif(importlib.util.find_spec("recognizers_suite") is None, reason="recognizers")
def test_recognizers_counts_dropped_results(monkeypatch: pytest.MonkeyPatch) -> None:
    from systems.recognizers import RecognizersSystem

    system = RecognizersSystem({"models": "datetime"})
    system.load()
    assert system.stats == {"misaligned": 0}

    class Shifted:
        """A Recognizers-Text result whose offsets are two characters off."""

        def __init__(self, r: object) -> None:
            self.__dict__.update(vars(r))
            self.start, self.end = r.start - 2, r.end - 2  # type: ignore[attr-defined]

    model = system._parsers["datetime"]
    real_parse = model.parse
    # the model is shared by every recognizer of the culture: undone after the test
    monkeypatch.setattr(
        model, "parse", lambda text, when: [Shifted(r) for r in real_parse(text, when)]
    )
    doc = DocInput("d", "We met at the same time on Sunday night.", DATE)
    assert system.extract([doc]) == [[]]
    assert system.stats["misaligned"] == 1


@pytest.mark.skipif(importlib.util.find_spec("recognizers_suite") is None, reason="recognizers")
def test_backend_mapped_strips_edges() -> None:
    """The span maker every library backend goes through (recognizers, duckling, dateparser,
    quantulum3, llm) trims whitespace edges and drops blank spans."""
    from systems.recognizers import RecognizersSystem

    system = RecognizersSystem()
    text = "Intro.\n\nStarting next year, prices rise.\n"
    start = text.index("\n")
    sp = system.mapped(text, start, text.index(","), "datetimeV2.daterange", "2018")
    assert sp is not None
    assert (text[sp.start : sp.end], sp.text, sp.value) == ("Starting next year",) * 2 + ("2018",)
    assert system.mapped(text, start, start + 2, "datetimeV2.date", "2018") is None
