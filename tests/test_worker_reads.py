"""Streamed runs on worker processes where each worker reads its own batches (a directory's
gold files, a JSON Lines file's byte range): the same files as one process, byte for byte,
and the same one-line error for the first bad record, with nothing written."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import NEEDS_DATA, NEEDS_PARQUET

from bench.corpus.document import Document
from bench.corpus.gold import dump_gold
from bench.corpus.stream import (
    Corpus,
    open_corpus,
    record,
    synthetic_documents,
    write_parquet,
)
from bench.errors import BenchError
from bench.registry import create_system
from bench.run.cache import PredictionCache
from bench.run.driver import CorpusRunOutput, run_corpus
from bench.run.executor import SystemSpec
from bench.schema import SEED_LABEL_SET, CorpusHeader
from bench.strictjson import dumps

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # spawned workers inherit sys.path: toy_system imports
VOLATILE = ("throughput", "environment", "created_at")
TOY = "toy_system:ToySystem"
DOCS = list(synthetic_documents(70, seed=11))
# A word of document 20 and of no other: the toy system fails on that document alone.
FAIL_ON = next(
    piece
    for k in range(0, len(DOCS[20].text) - 24)
    if sum((piece := DOCS[20].text[k : k + 24]) in d.text for d in DOCS) == 1
)


def go(corpus: Path, out: Path, workers: int, **kw) -> CorpusRunOutput:
    options = {"fail_on": FAIL_ON}  # a failing document, kept going
    return run_corpus(
        create_system(TOY, options),
        SystemSpec(TOY, tuple(sorted(options.items()))),
        open_corpus(corpus),
        out,
        batch_size=8,
        bootstrap=40,
        workers=workers,
        **kw,
    )


def stable(out: CorpusRunOutput) -> tuple[bytes, dict]:
    data = json.loads(out.result_path.read_text(encoding="utf-8"))
    return out.predictions_path.read_bytes(), {k: v for k, v in data.items() if k not in VOLATILE}


def line(doc: Document) -> bytes:
    return dumps(record(doc), ensure_ascii=False).encode("utf-8") + b"\n"


def jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def header() -> bytes:
    head = CorpusHeader(name="synthetic", label_set=SEED_LABEL_SET)
    return dumps(head.model_dump(mode="json")).encode("utf-8") + b"\n"


def tricky_jsonl(tmp_path: Path) -> Path:
    """A header, blank lines, a line of Unicode spaces (blank after decoding), CRLF ends."""
    lines = [b"\n", header()]
    for k, doc in enumerate(DOCS):
        lines.append(line(doc))
        if k % 9 == 0:
            lines.append(b"  \n" if k % 2 else "\u00a0\u2003\r\n".encode())
    return jsonl(tmp_path / "c.jsonl", lines)


def directory(tmp_path: Path, docs: list[Document]) -> Path:
    root = tmp_path / "dir"
    (root / "texts").mkdir(parents=True)
    (root / "gold").mkdir()
    for d in docs:
        (root / "texts" / f"{d.doc_id}.txt").write_bytes(d.text.encode("utf-8"))
        (root / "gold" / f"{d.doc_id}.json").write_text(dump_gold(d.gold), "utf-8")
    return root


def table(tmp_path: Path, kind: str, docs: list[Document]) -> Path:
    if kind == "hf-disk":
        from bench.corpus.formats.hfdatasets import write_disk

        write_disk(docs, tmp_path / "ds")
        return tmp_path / "ds"
    path = tmp_path / "c.parquet"
    write_parquet(docs, path, batch_size=10)  # row groups of 10: batches of 8 straddle them
    return path


def make(tmp_path: Path, kind: str) -> Path:
    if kind == "dir":
        return directory(tmp_path, DOCS)
    return tricky_jsonl(tmp_path) if kind == "jsonl" else table(tmp_path, kind, DOCS)


KINDS = [
    "dir",
    "jsonl",
    pytest.param("parquet", marks=NEEDS_PARQUET),
    pytest.param("hf-disk", marks=NEEDS_DATA),
]


@pytest.mark.parametrize("kind", KINDS)
def test_workers_read_their_batches_and_give_the_same_bytes(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = make(tmp_path, kind)
    assert open_corpus(corpus).kind == kind
    one = go(corpus, tmp_path / "one", 1)

    # From here on the main process cannot read a document: the workers must.
    def unread(self: Corpus) -> None:
        raise AssertionError("the main process read the corpus")

    monkeypatch.setattr(Corpus, "outcomes", unread)
    two = go(corpus, tmp_path / "two", 2)
    assert two.executor == "2 processes" and two.batches == 9
    assert stable(one) == stable(two)
    assert [f.doc_id for f in two.result.failures] == [DOCS[20].doc_id]
    assert two.result.throughput.load_seconds > 0

    # The cache, used in the workers: written by the first run, read by the second.
    cache = PredictionCache(tmp_path / "cache")
    first = go(corpus, tmp_path / "c1", 2, cache=cache)
    again = go(corpus, tmp_path / "c2", 2, cache=cache)
    assert (first.reused, again.reused) == (0, 8)  # the batch with a failure is never stored
    assert stable(one) == stable(first) == stable(again)
    assert again.result.throughput.cached and not first.result.throughput.cached

    # A doubtful entry is a miss: a tampered record is recomputed, the bytes are unchanged.
    entries = sorted((tmp_path / "cache").rglob("batches/*.json"))
    data = json.loads(entries[0].read_text("utf-8"))
    data["records"][0]["spans"] = []
    entries[0].write_text(json.dumps(data), "utf-8")
    third = go(corpus, tmp_path / "c3", 2, cache=cache)
    assert third.reused == 7 and stable(third) == stable(one)
    assert cache.rejected == [f"{entries[0]}: its records do not match their digest"]


def bad_jsonl(tmp_path: Path, case: str) -> Path:
    lines = [line(d) for d in DOCS]
    if case == "offsets":  # a span past the end of its text, in the third batch
        rec = record(DOCS[19])
        rec["spans"][0]["end"] = len(DOCS[19].text) + 5  # type: ignore[index]
        lines[19] = dumps(rec).encode("utf-8") + b"\n"
    elif case == "repeat":  # the id of document 3 again in the fifth batch
        rec = record(DOCS[35])
        rec["doc_id"] = DOCS[3].doc_id
        lines[35] = dumps(rec).encode("utf-8") + b"\n"
    elif case == "repeat-then-bad":  # a repeat, then a broken record in the same batch
        rec = record(DOCS[41])
        rec["doc_id"] = DOCS[0].doc_id
        lines[41] = dumps(rec).encode("utf-8") + b"\n"
        lines[43] = b'{"doc_id": "x", "text": "y"}\n'
    elif case == "json":
        lines[50] = b'{"doc_id": \n'
    elif case == "utf8":
        lines[12] = b'{"doc_id": "\xff"}\n'
    elif case == "header-late":
        lines.insert(30, header())
    elif case == "bom":
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    elif case == "empty":
        lines = [header(), b"\n"]
    return jsonl(tmp_path / "bad.jsonl", lines)


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


JSONL_CASES = ["offsets", "repeat", "repeat-then-bad", "json", "utf8", "header-late", "bom"]


def bad_span(doc: Document) -> Document:
    gold = doc.gold
    spans = [gold.spans[0].model_copy(update={"end": len(doc.text) + 2}), *gold.spans[1:]]
    return Document(gold.model_copy(update={"spans": spans}), doc.text)


CASES = [
    *JSONL_CASES,
    "empty",
    "dir-offsets",
    "dir-repeat",
    pytest.param("parquet-offsets", marks=NEEDS_PARQUET),
    pytest.param("parquet-repeat", marks=NEEDS_PARQUET),
    pytest.param("hf-disk-offsets", marks=NEEDS_DATA),
]


@pytest.mark.parametrize("case", CASES)
def test_the_first_bad_record_is_reported_alike(tmp_path: Path, case: str) -> None:
    if case.startswith(("parquet-", "hf-disk-")):
        kind, _, what = case.rpartition("-")
        docs = list(DOCS[:40])
        if what == "offsets":
            docs[27] = bad_span(docs[27])
        else:
            docs[33] = Document(
                docs[33].gold.model_copy(update={"doc_id": docs[5].doc_id}), docs[33].text
            )
        corpus = table(tmp_path, kind, docs)
    elif case.startswith("dir-"):
        docs = list(DOCS[:40])
        if case == "dir-offsets":
            docs[27] = bad_span(docs[27])
        corpus = directory(tmp_path, docs)
        if case == "dir-repeat":  # a second gold file naming an earlier document
            src = corpus / "gold" / f"{docs[2].doc_id}.json"
            (corpus / "gold" / "zz-copy.json").write_bytes(src.read_bytes())
    else:
        corpus = bad_jsonl(tmp_path, case)
    errors = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        with pytest.raises(BenchError) as err:
            go(corpus, out, workers)
        assert "\n" not in str(err.value)
        assert [f for f in files(out) if not f.startswith("predictions")] == []
        assert [f for f in files(out / "predictions")] == []
        errors.append(str(err.value))
    assert errors[0] == errors[1]
    assert str(corpus) in errors[0]


def test_a_local_dask_cluster_reads_its_batches_too(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    corpus = tricky_jsonl(tmp_path)
    one = go(corpus, tmp_path / "one", 1)
    dask = go(corpus, tmp_path / "dask", 2, executor="dask")
    assert dask.executor == "dask, 2 workers"
    assert stable(one) == stable(dask)
