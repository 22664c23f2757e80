"""CoNLL column files: documents, sentences, rebuilt text, token offsets, decoded spans, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus.formats import conll_columns
from bench.corpus.formats.importers import get_importer, read_corpus
from bench.corpus.formats.textdoc import TextDocument, TextSpan
from bench.errors import BenchError

DATA = Path(__file__).parent / "data" / "formats"


def shown(doc: TextDocument) -> list[tuple[str, str]]:
    return [(s.label, doc.text[s.start : s.end]) for s in doc.spans]


def test_sample_exactly() -> None:
    first, second = conll_columns.read(DATA / "sample.conll")
    assert first.doc_id == "sample-0001"
    assert first.text == "Anna Kowalski flew to New York .\nShe met Acme staff ."
    assert shown(first) == [("PER", "Anna Kowalski"), ("LOC", "New York"), ("ORG", "Acme")]
    assert first.tokens is not None
    assert [first.text[a:b] for a, b in first.tokens][:3] == ["Anna", "Kowalski", "flew"]
    assert first.tokens[7] == (33, 36)  # "She": after the sentence's newline
    assert first.source.endswith("sample.conll:1")
    assert second.doc_id == "sample-0002"
    assert shown(second) == [("MISC", "Euro-sceptic")]
    assert second.spans == [TextSpan(0, 12, "MISC")]


def test_columns_and_tab_delimiter_iob1(tmp_path: Path) -> None:
    path = tmp_path / "f.tsv"
    path.write_text(
        "Paris\tNNP\tI-LOC\nand\tCC\tO\nLyon\tNNP\tI-LOC\nLyon\tNNP\tB-LOC\n\n"
        "New York Times\tNNP\tI-ORG\n",
        encoding="utf-8",
    )
    (doc,) = conll_columns.read(path, {"delimiter": "tab", "scheme": "iob1", "strict": "true"})
    assert doc.doc_id == "f-0001"
    assert doc.text == "Paris and Lyon Lyon\nNew York Times"
    assert shown(doc) == [
        ("LOC", "Paris"),
        ("LOC", "Lyon"),
        ("LOC", "Lyon"),
        ("ORG", "New York Times"),
    ]
    # the chunk tag column of sample.conll read as the tag column
    (doc,) = conll_columns.read(DATA / "sample.conll", {"tag_column": "2"})[:1]
    assert [t for _, t in shown(doc)][:2] == ["Anna Kowalski", "flew"]


def test_no_docstart_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("A B-X\nb I-X\n\n\n\nc O\n", encoding="utf-8")
    (doc,) = conll_columns.read(path)
    assert doc.text == "A b\nc"
    assert shown(doc) == [("X", "A b")]


def test_bioes(tmp_path: Path) -> None:
    path = tmp_path / "e.conll"
    path.write_text("Ann S-PER\nBob S-PER\nSan B-LOC\nJose E-LOC\n", encoding="utf-8")
    (doc,) = conll_columns.read(path, {"scheme": "bioes", "strict": "true"})
    assert shown(doc) == [("PER", "Ann"), ("PER", "Bob"), ("LOC", "San Jose")]


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("a O\nb B-X I\n", {}, "f.conll:2: expected 2 columns, got 3"),
        ("a O\n", {"tag_column": "5"}, "f.conll:1: tag_column: column 5 does not exist"),
        ("a O\nb I-X\n", {"strict": "true"}, "f.conll:2: tag column -1: I-X after O: in IOB2"),
        (
            "a O\n\nb O\nc B-X\nd I-Y\n",
            {"strict": "true"},
            "f.conll:5: tag column -1: I-Y after B-X",
        ),
        ("a E-X\n", {}, "f.conll:1: tag column -1: tag 'E-X' is not O or B-TYPE, I-TYPE (IOB2)"),
        (
            "a B-X\n",
            {"scheme": "bioes", "strict": "true"},
            "f.conll:1: tag column -1: B-X before O",
        ),
        ("a\tO\n\tO\n", {"delimiter": "tab"}, "f.conll:2: token column 0 is empty"),
        ("a O\n", {"colour": "red"}, "format conll: unknown option 'colour'"),
        ("a O\n", {"scheme": "bilou"}, "option scheme='bilou': expected one of iob1, iob2, bioes"),
        ("a O\n", {"delimiter": "comma"}, "option delimiter='comma'"),
        ("a O\n", {"token_column": "x"}, "option token_column='x': expected a column number"),
        ("a O\n", {"strict": "maybe"}, "option strict='maybe': expected true or false"),
    ],
)
def test_bad_input(tmp_path: Path, content: str, options: dict, message: str) -> None:
    path = tmp_path / "f.conll"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BenchError) as info:
        conll_columns.read(path, options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "f.conll"
    path.write_bytes(b"a O\nb\xff O\n")
    with pytest.raises(BenchError, match=r"f.conll:2: not UTF-8"):
        conll_columns.read(path)
    with pytest.raises(BenchError, match="no such file"):
        conll_columns.read(tmp_path / "nope.conll")


def test_registry(tmp_path: Path) -> None:
    assert get_importer("conll") is conll_columns.read
    with pytest.raises(BenchError, match="unknown format 'conll-u' \\(one of conll, timeml"):
        get_importer("conll-u")
    path = tmp_path / "dup.conll"
    path.write_text("-DOCSTART- O\n\na O\n", encoding="utf-8")
    assert [d.doc_id for d in read_corpus("conll", path, {})] == ["dup-0001"]


# ---- round trip: documents -> column file -> the same documents ----

words = st.text(alphabet="abcXYZ-.", min_size=1, max_size=5)
sentence = st.lists(
    st.tuples(words, st.sampled_from(["O", "O", "PER", "LOC", "MISC"]), st.booleans()),
    min_size=1,
    max_size=6,
)


def _doc(sents: list[list[tuple[str, str, bool]]], n: int) -> TextDocument:
    """Tokens with labels; ``True`` starts a new chunk even after the same label."""
    text, tokens, spans = "", [], []
    for k, sent in enumerate(sents):
        if k:
            text += "\n"
        prev = "O"
        for j, (word, label, new) in enumerate(sent):
            if j:
                text += " "
            tokens.append((len(text), len(text) + len(word)))
            if label != "O":
                if prev == label and not new:
                    last = spans.pop()
                    spans.append(TextSpan(last.start, tokens[-1][1], label))
                else:
                    spans.append(TextSpan(tokens[-1][0], tokens[-1][1], label))
            text += word
            prev = label
    return TextDocument(f"rt-{n:04d}", text, spans, tokens)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(sentence, min_size=1, max_size=3), min_size=1, max_size=3),
    st.sampled_from(["iob1", "iob2", "bioes"]),
)
def test_round_trip(docs: list, scheme: str) -> None:
    import tempfile

    originals = [_doc(d, n) for n, d in enumerate(docs, start=1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rt.conll"
        path.write_text(conll_columns.write(originals, scheme), encoding="utf-8")
        back = conll_columns.read(path, {"scheme": scheme, "strict": "true"})
    assert [(d.doc_id, d.text, d.spans, d.tokens) for d in back] == [
        (d.doc_id, d.text, d.spans, d.tokens) for d in originals
    ]
