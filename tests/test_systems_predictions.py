"""The predictions backend: replaying a JSONL file over the real seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEEDS

from bench.corpus.gold import load_documents
from bench.errors import BenchError
from bench.protocol import DocInput
from bench.registry import create_system
from bench.run.extract import extract_documents


@pytest.fixture(scope="module")
def docs() -> list[DocInput]:
    return [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]


def write(path: Path, records: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def putin(doc: DocInput) -> dict:
    i = doc.text.index("Putin")
    return {"start": i, "end": i + 5, "label": "PERSON", "value": None, "text": "Putin"}


def test_replays_the_file(tmp_path: Path, docs: list[DocInput]) -> None:
    records = [{"doc_id": d.doc_id, "spans": [putin(d)]} for d in docs[:3]]
    records.append({"doc_id": docs[3].doc_id, "spans": [], "error": "tool crashed"})
    path = write(tmp_path / "p.jsonl", records)
    system = create_system("predictions", {"path": str(path), "label_map.PERSON": "ORG"})
    system.load()
    got = extract_documents(system, docs)
    assert [f.doc_id for f in got.failures] == [docs[3].doc_id]
    assert "recorded error: tool crashed" in got.failures[0].error
    assert got.predictions[docs[4].doc_id] == []  # no line: predicts nothing
    for d in docs[:3]:
        [span] = got.predictions[d.doc_id]
        assert (d.text[span.start : span.end], span.label) == ("Putin", "ORG")
    assert len(system.versions["file_sha256"]) == 64


def test_missing_document_can_fail(tmp_path: Path, docs: list[DocInput]) -> None:
    path = write(tmp_path / "p.jsonl", [{"doc_id": docs[0].doc_id, "spans": []}])
    system = create_system("predictions", {"path": str(path), "missing": "fail"})
    system.load()
    got = extract_documents(system, docs[:2])
    assert [f.doc_id for f in got.failures] == [docs[1].doc_id]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", ":2: json: Expecting property name"),
        (
            '{"doc_id": "a", "spans": [{"start": 0, "end": 1, "label": "GENE"}]}',
            ":2: spans[0].label",
        ),
        ('{"doc_id": "../x", "spans": []}', ":2: doc_id:"),
        ('{"doc_id": "a", "spans": [], "extra": 1}', ":2: extra:"),
        (
            '{"doc_id": "000_1598703d18e677fe", "spans": []}',
            ":2: doc_id: '000_1598703d18e677fe' repeated (first on line 1)",
        ),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "p.jsonl", [{"doc_id": "000_1598703d18e677fe", "spans": []}, line])
    system = create_system("predictions", {"path": str(path)})
    with pytest.raises(BenchError) as exc:
        system.load()
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert str(exc.value).startswith(str(path))


def test_spans_are_checked_against_the_text(tmp_path: Path, docs: list[DocInput]) -> None:
    d = docs[0]
    n = len(d.text)
    bad = [
        {"start": n - 1, "end": n + 2, "label": "ORG"},
        {**putin(d), "text": "Pution"},
        {**putin(d), "layer": "time"},
    ]
    path = write(tmp_path / "p.jsonl", [{"doc_id": d.doc_id, "spans": [s]} for s in bad[:1]])
    messages = []
    for span in bad:
        write(path, [{"doc_id": d.doc_id, "spans": [span]}])
        system = create_system("predictions", {"path": str(path)})
        system.load()
        got = extract_documents(system, [d])
        messages.append(got.failures[0].error)
    assert "spans[0].end" in messages[0] and f"<= {n}" in messages[0]
    assert "spans[0].text: 'Pution' != text[" in messages[1]
    assert "spans[0].layer: 'PERSON' is a label of layer 'entity', not 'time'" in messages[2]


def test_path_is_required_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="option 'path' is required"):
        create_system("predictions", {})
    system = create_system("predictions", {"path": str(tmp_path / "none.jsonl")})
    with pytest.raises(BenchError, match=r"none\.jsonl: file not found"):
        system.load()
