"""brat standoff: fragments at line breaks, AnnotatorNotes as values, files without a manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from goldcases import EMOJI_ID, emoji_gold, make_corpus

from bench.corpus.document import Document
from bench.corpus.formats.brat import ann, annotation_conf, fragments
from bench.corpus.formats.exchange import export_gold, read_records
from bench.errors import BenchError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def test_fragments_split_at_line_breaks() -> None:
    text = "ab\n\ncd e\nf"
    assert fragments(text, 0, len(text)) == [(0, 2), (4, 8), (9, 10)]
    assert fragments(text, 4, 8) == [(4, 8)]


def test_ann_lines(corpus) -> None:
    texts, _ = corpus
    text = (texts / f"{EMOJI_ID}.txt").read_text("utf-8")
    lines = ann(Document(emoji_gold(), text)).splitlines()
    assert "T1\tPERSON 3 8\tPutin" in lines  # brat counts code points, like us
    assert any(x.endswith('\t{"value": 2.5, "notes": "value in the text\'s unit"}') for x in lines)
    assert any("AnnotatorNotes" in x and '"reason": "share buttons 👍"' in x for x in lines)


def test_multi_line_ignore_region_round_trips(corpus) -> None:
    """Seed 003 has an ignore region over several paragraphs: it leaves as fragments."""
    texts, gold_dir = corpus
    text = (texts / "003_2068b77634c10f4a.txt").read_text("utf-8")
    from bench.corpus.gold import validate_gold_file

    gold = validate_gold_file(gold_dir / "003_2068b77634c10f4a.json", texts).gold
    assert gold is not None
    multi = [r for r in gold.ignore if "\n" in text[r.start : r.end]]
    assert multi
    assert any(";" in x.split("\t")[1] for x in ann(Document(gold, text)).splitlines())


def test_without_manifest_header_comes_from_corpus(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("brat", gold_dir, texts, tmp_path / "b", [EMOJI_ID])
    (tmp_path / "b" / "bench.json").unlink()
    (rec,) = read_records("brat", tmp_path / "b" / f"{EMOJI_ID}.ann", texts)
    want = emoji_gold().model_copy(update={"annotator": None, "status": None, "notes": None})
    assert rec.gold == want


def test_errors_name_file_and_line(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("brat", gold_dir, texts, tmp_path / "b", [EMOJI_ID])
    path = tmp_path / "b" / f"{EMOJI_ID}.ann"
    good = path.read_text("utf-8")
    path.write_text(good.replace("T1\tPERSON 3 8\tPutin", "T1\tPERSON 3 8\tPutix"), "utf-8")
    with pytest.raises(BenchError, match=rf"{EMOJI_ID}.ann:1: text: 'Putix'"):
        read_records("brat", path, texts)
    path.write_text(good + "#99\tAnnotatorNotes T1\tlooks fine\n", "utf-8")
    with pytest.raises(BenchError, match=r"AnnotatorNotes: expected a JSON object"):
        read_records("brat", path, texts)
    path.write_text(good + "R1\tLocated Arg1:T1 Arg2:T2\n", "utf-8")
    with pytest.raises(BenchError, match="text-bound"):
        read_records("brat", path, texts)


def test_crlf_ann_files_are_read(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("brat", gold_dir, texts, tmp_path / "b", [EMOJI_ID])
    path = tmp_path / "b" / f"{EMOJI_ID}.ann"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    (rec,) = read_records("brat", tmp_path / "b", texts)
    assert rec.gold == emoji_gold()


def test_annotation_conf_allows_overlap_and_lists_labels() -> None:
    conf = annotation_conf()
    assert "<OVL-TYPE>:<ANY>" in conf
    assert "\tORDINAL" in conf and "\nIGNORE\n" in conf


def test_txt_is_byte_copy(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("brat", gold_dir, texts, tmp_path / "b")
    for txt in (tmp_path / "b").glob("*.txt"):
        assert txt.read_bytes() == (texts / txt.name).read_bytes()
    shutil.rmtree(tmp_path / "b")
