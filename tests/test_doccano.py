"""doccano: UTF-16 offsets, its own export shapes (``label`` and ``entities``), metadata keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from goldcases import EMOJI_ID, EMOJI_TEXT, emoji_gold, make_corpus

from bench.corpus.document import Document
from bench.corpus.formats.doccano import line
from bench.corpus.formats.exchange import read_records
from bench.corpus.texts import sha256_text
from bench.errors import BenchError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def test_offsets_are_utf16_code_units() -> None:
    out = line(Document(emoji_gold(), EMOJI_TEXT))
    encoded = EMOJI_TEXT.encode("utf-16-le")
    texts = {encoded[2 * a : 2 * b].decode("utf-16-le") for a, b, _ in out["label"]}
    assert {"Putin", "𝒳-Corp", "😀 Wire", "👍 Like 👍 Share"} <= texts
    putin = next(x for x in out["label"] if x[2] == "PERSON")
    assert putin[:2] == [5, 10]
    assert [5, 10, "PERSON"] not in out["values"]  # entities carry no value


def _write(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", "utf-8")
    return path


def test_reads_doccano_entities_export_with_metadata(tmp_path: Path, corpus) -> None:
    """doccano's export with relations: entities objects, id, metadata spread at top level."""
    texts, _ = corpus
    ours = line(Document(emoji_gold(), EMOJI_TEXT))
    entities = [
        {"id": 100 + i, "start_offset": a, "end_offset": b, "label": lab}
        for i, (a, b, lab) in enumerate(ours.pop("label"))
    ]
    exported = {"id": 7, "text": ours.pop("text"), "entities": entities, "relations": [], **ours}
    (rec,) = read_records("doccano", _write(tmp_path / "all.jsonl", exported), texts)
    assert rec.gold == emoji_gold()


def test_plain_doccano_line_takes_date_and_hash_from_the_corpus(tmp_path: Path, corpus) -> None:
    """A line with only the keys doccano itself needs, plus doc_id."""
    texts, _ = corpus
    a = len("🇷🇺 ".encode("utf-16-le")) // 2
    plain = {"text": EMOJI_TEXT, "label": [[a, a + 5, "PERSON"]], "doc_id": EMOJI_ID}
    (rec,) = read_records("doccano", _write(tmp_path / "plain.jsonl", plain), texts)
    assert rec.gold.document_date.isoformat() == "2017-12-11"
    assert rec.gold.text_sha256 == sha256_text(EMOJI_TEXT)
    assert [(s.text, s.label) for s in rec.gold.spans] == [("Putin", "PERSON")]


def test_errors_name_file_line_and_field(tmp_path: Path, corpus) -> None:
    texts, _ = corpus
    path = tmp_path / "bad.jsonl"
    first = json.dumps({"text": EMOJI_TEXT, "doc_id": EMOJI_ID, "label": []})
    path.write_text(first + '\n{"text": 3}\n', "utf-8")
    with pytest.raises(BenchError, match=r"bad.jsonl:2: text: missing or not a string"):
        read_records("doccano", path, texts)
    path.write_text('{"text": "x", "doc_id": "nowhere", "label": []}\n', "utf-8")
    with pytest.raises(BenchError, match=r"bad.jsonl:1 \(nowhere\): document_date: Field required"):
        read_records("doccano", path, texts)
    _write(path, {"text": EMOJI_TEXT, "doc_id": EMOJI_ID, "label": [[0, 5, "VILLAIN"]]})
    with pytest.raises(BenchError, match=r"bad.jsonl:1 \(900_emoji\): label\[0\]: label: unknown"):
        read_records("doccano", path, texts)
