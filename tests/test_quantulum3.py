"""The quantulum3 backend on the real seeds, run with its classifier off."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

pytest.importorskip("quantulum3")

from backends import run_system, seed_spans

from bench.errors import BenchError
from bench.protocol import DocInput
from bench.registry import BUILTINS, availability
from systems.quantulum3 import Quantulum3System

DATE = dt.date(2017, 12, 11)


def _run(docs: list[DocInput], **options: str) -> list[list]:
    return run_system(Quantulum3System, docs, **options)


@pytest.fixture(scope="module")
def seeds(seed_docs: dict) -> dict:
    return seed_spans(Quantulum3System, seed_docs)


def _at(seeds: dict, doc: str, text: str):
    body, spans = seeds[doc]
    start = body.index(text)
    (hit,) = [s for s in spans if (s.start, s.end) == (start, start + len(text))]
    return hit


def test_every_span_is_well_formed(seeds: dict) -> None:
    for text, spans in seeds.values():
        for s in spans:
            assert text[s.start : s.end] == s.text
            assert s.label in Quantulum3System.info.labels


def test_numbers_and_durations(seeds: dict) -> None:
    doc = "004_11ebdb740a3ae7fd"
    assert (_at(seeds, doc, "465,000").label, _at(seeds, doc, "465,000").value) == (
        "CARDINAL",
        465000,
    )
    assert _at(seeds, doc, "12 million").value == 12_000_000
    assert _at(seeds, doc, "four").value == 4
    s = _at(seeds, "000_1598703d18e677fe", "two weeks")
    assert (s.label, s.value) == ("DATE", "P2W")


def test_units_without_the_classifier() -> None:
    from quantulum3 import classifier

    text = "It cost $5 million, 10% more, for 3.5 km."
    root = logging.getLogger()
    handlers = list(root.handlers)
    (spans,) = _run([DocInput("x", text, DATE)])
    assert classifier.USE_CLF is False
    assert root.handlers == handlers  # quantulum3's logging.basicConfig undone
    got = {(text[s.start : s.end], s.label, s.value) for s in spans}
    assert got == {
        ("$5 million", "MONEY", 5_000_000),
        ("10%", "PERCENT", 10),
        ("3.5 km", "QUANTITY", 3.5),
    }


def test_bad_language() -> None:
    with pytest.raises(BenchError, match="option lang='xx'"):
        Quantulum3System({"lang": "xx"}).load()


def test_listed_available_by_the_registry() -> None:
    assert availability(Quantulum3System.info).ok
    assert BUILTINS["quantulum3"] == "systems.quantulum3:Quantulum3System"
