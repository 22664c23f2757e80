"""The rules baseline on the real seeds and on hand-made sentences."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import GOLD, SEEDS

pytest.importorskip("recognizers_date_time", reason="needs bench[normalize]")

from bench.corpus.gold import load_documents
from bench.protocol import DocInput
from bench.registry import create_system
from bench.schema import PredictedSpan

DATE = dt.date(2017, 12, 11)


@pytest.fixture(scope="module")
def rules():
    system = create_system("rules", {})
    system.load()
    return system


def run(system, text: str) -> list[tuple[str | None, str, object]]:
    [spans] = system.extract([DocInput("t", text, DATE)])
    return [(s.text, s.label, s.value) for s in spans]


def test_seed_numbers_and_dates_with_values(rules) -> None:
    docs = [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]
    out: dict[str, list[PredictedSpan]] = dict(
        zip([d.doc_id for d in docs], rules.extract(docs), strict=True)
    )
    found = {(s.text, s.label, s.value) for spans in out.values() for s in spans}
    assert ("some 465,000", "CARDINAL", 465000) in found
    assert ("more than 12 million", "CARDINAL", 12000000) in found
    assert ("hundreds of thousands", "CARDINAL", None) in found
    assert ("eighth", "ORDINAL", 8) in found
    assert ("February 2015", "DATE", "2015-02") in found
    assert ("six months later", "DATE", "2015-08") in found
    assert ("Marсh 18", "DATE", "2018-03-18") in found  # matched through the Cyrillic "с"
    assert ("10:03 PM", "TIME", "2017-12-11T22:03") in found
    # every gold time and number span found exactly, with its value, bar the few listed
    # in docs/systems.md; a regression in the patterns fails here
    exact = 0
    for d in docs:
        gold = json.loads((GOLD / f"{d.doc_id}.json").read_text("utf-8"))
        pred = {(s.start, s.end, s.label): s.value for s in out[d.doc_id]}
        for g in gold["spans"]:
            key = (g["start"], g["end"], g["label"])
            if g["layer"] != "entity" and key in pred and pred[key] == g["value"]:
                exact += 1
    assert exact >= 96  # of 101


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Su-35 and two A-10s flew.", [("two", "CARDINAL", 2)]),
        (
            "It cost $3.5 million, up 5%.",
            [("$3.5 million", "MONEY", 3500000), ("5%", "PERCENT", 5)],
        ),
        ("They marched 5 km on May 5.", [("5 km", "QUANTITY", 5), ("May 5", "DATE", "2018-05-05")]),
        ("He may go in May.", [("May", "DATE", "2018-05")]),
        ("It was two weeks.", [("two weeks", "DATE", "P2W")]),  # no CARDINAL inside a date
        ("its seventh year", [("seventh", "ORDINAL", 7)]),
        (
            "at 10:30 a.m. on Friday",
            [("10:30 a.m.", "TIME", "2017-12-11T10:30"), ("Friday", "DATE", "2017-12-08")],
        ),
        ("Please select one.", []),
        ("Flight MH17, 0:01:03", []),
    ],
)
def test_patterns(rules, text: str, expected: list) -> None:
    assert run(rules, text) == expected


def test_without_values(rules) -> None:
    system = create_system("rules", {"values": "false"})
    assert run(system, "some 465,000 in 2015") == [
        ("some 465,000", "CARDINAL", None),
        ("2015", "DATE", None),
    ]


def test_run_reports_normalisation_time_apart(rules) -> None:
    """A timed pass counts the normalizer's share; without values it is zero."""
    from bench.run.timing import RunSettings, measure, throughput_of

    docs = [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]
    settings = RunSettings(repeats=2, warmup=1, batch_size=64, latency=False)
    m = measure(rules, docs, settings)
    assert m.pass_normalize_seconds is not None and len(m.pass_normalize_seconds) == 2
    assert all(0 < n < s for n, s in zip(m.pass_normalize_seconds, m.pass_seconds, strict=True))
    t = throughput_of(m, settings, 0.0, dt.datetime(2026, 1, 1), (None, None))
    assert t.extraction_words_per_second is not None
    assert t.extraction_words_per_second.median > t.words_per_second.median
    plain = measure(create_system("rules", {"values": "false"}), docs, settings)
    assert plain.pass_normalize_seconds == [0.0, 0.0]
