"""Batch extraction with failure isolation, on the real seed documents."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import SEEDS

from bench.corpus.texts import load_documents
from bench.protocol import BaseSystem, DocInput, SystemInfo
from bench.run.extract import extract_documents
from bench.schema import PredictedSpan


@pytest.fixture(scope="module")
def docs() -> list[DocInput]:
    return [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]


class Putin(BaseSystem):
    """Finds "Putin"; raises on the documents named in ``fail``; counts its calls."""

    info = SystemInfo(name="putin", version="1", layers=("entity",), labels=("PERSON",))

    def __init__(self, fail: Sequence[str] = (), bad: str = "") -> None:
        super().__init__({})
        self.fail, self.bad, self.calls = set(fail), bad, []

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        self.calls.append([d.doc_id for d in docs])
        out = []
        for d in docs:
            if d.doc_id in self.fail:
                raise RuntimeError(f"cannot parse {d.doc_id}\ntraceback-ish detail")
            i = d.text.index("Putin")
            spans = [PredictedSpan(start=i, end=i + 5, label="PERSON")]
            if d.doc_id == self.bad:
                spans.append(PredictedSpan(start=len(d.text), end=len(d.text) + 3, label="ORG"))
            out.append(spans)
        if self.bad == "short":
            out.pop()
        return out


def test_all_documents_succeed(docs: list[DocInput]) -> None:
    system = Putin()
    got = extract_documents(system, docs, batch_size=2)
    assert got.ok and list(got.predictions) == [d.doc_id for d in docs]
    assert system.calls == [[d.doc_id for d in docs[i : i + 2]] for i in (0, 2, 4)]
    for d in docs:
        [span] = got.predictions[d.doc_id]
        assert d.text[span.start : span.end] == "Putin"


def test_a_failing_document_is_isolated(docs: list[DocInput]) -> None:
    bad = docs[1].doc_id
    system = Putin(fail=[bad])
    seen = []
    got = extract_documents(system, docs, batch_size=3, progress=seen.append)
    assert [f.doc_id for f in got.failures] == [bad]
    assert got.failures[0].error == f"RuntimeError: cannot parse {bad}"
    assert list(got.predictions) == [d.doc_id for d in docs if d.doc_id != bad]
    # the failing batch was retried one document at a time; the other batch ran whole
    ids = [d.doc_id for d in docs]
    assert system.calls == [ids[:3], [ids[0]], [ids[1]], [ids[2]], ids[3:]]
    assert seen == [3, 2]


def test_malformed_output_is_a_failure(docs: list[DocInput]) -> None:
    bad = docs[2].doc_id
    got = extract_documents(Putin(bad=bad), docs, batch_size=5)
    assert [f.doc_id for f in got.failures] == [bad]
    assert "is not inside 0:" in got.failures[0].error
    short = extract_documents(Putin(bad="short"), docs[:2], batch_size=2)
    assert {f.doc_id for f in short.failures} == {d.doc_id for d in docs[:2]}
    assert "extract returned 0 results for 1 documents" in short.failures[0].error


def test_every_document_failing_still_returns(docs: list[DocInput]) -> None:
    got = extract_documents(Putin(fail=[d.doc_id for d in docs]), docs, batch_size=64)
    assert not got.predictions and len(got.failures) == len(docs) and not got.ok


def test_interrupts_are_not_swallowed(docs: list[DocInput]) -> None:
    class Interrupted(Putin):
        def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        extract_documents(Interrupted(), docs)
