"""CoNLL BIO: columns, tokens cut at span boundaries, alignment back to the seed text."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldcases import EMOJI_ID, make_corpus

from bench.corpus.formats.conll import COLUMNS
from bench.corpus.formats.exchange import export_gold, read_records
from bench.errors import BenchError


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("conll")
    texts, gold_dir = make_corpus(tmp)
    export_gold("conll", gold_dir, texts, tmp / "c")
    return texts, tmp / "c" / "gold.conll"


def _rows(path: Path) -> list[list[str]]:
    return [x.split("\t") for x in path.read_text("utf-8").splitlines() if "\t" in x]


def test_columns_and_tags(exported) -> None:
    _, path = exported
    lines = path.read_text("utf-8").splitlines()
    assert lines[0] == "# global.columns = " + " ".join(COLUMNS)
    rows = _rows(path)
    assert all(len(r) == len(COLUMNS) for r in rows)
    # "3rd" is an ORDINAL with value 3; "Monday morning" a TIME starting on "Monday".
    assert ["3rd", "O", "O", "_", "B-ORDINAL", "3", "O", "_"] in rows
    assert ["Monday", "O", "B-TIME", "2017-12-11TMO", "O", "_", "O", "_"] in rows
    assert ["morning", "O", "I-TIME", "_", "O", "_", "O", "_"] in rows
    # "Putin's": the span boundary splits the token.
    tokens = [r[0] for r in rows]
    assert "’s" in tokens or "'s" in tokens


def test_alignment_error_names_the_line(exported, tmp_path: Path) -> None:
    texts, path = exported
    text = path.read_text("utf-8")
    bad = tmp_path / "bad.conll"
    bad.write_text(text.replace("Assad\tB-PERSON", "Asad\tB-PERSON", 1), "utf-8")
    lineno = next(
        i for i, x in enumerate(bad.read_text("utf-8").splitlines(), 1) if x.startswith("Asad")
    )
    with pytest.raises(BenchError, match=rf"bad.conll:{lineno}: TOKEN: 'Asad' does not match"):
        read_records("conll", bad, texts)


def test_bio_errors(exported, tmp_path: Path) -> None:
    texts, path = exported
    text = path.read_text("utf-8")
    bad = tmp_path / "bad.conll"
    bad.write_text(text.replace("morning\tO\tI-TIME", "morning\tO\tI-DATE", 1), "utf-8")
    with pytest.raises(BenchError, match="TIME: I-DATE does not continue a DATE span"):
        read_records("conll", bad, texts)
    bad.write_text(
        text.replace("3rd\tO\tO\t_\tB-ORDINAL\t3", "3rd\tO\tO\t_\tB-ORDINAL\tthree", 1), "utf-8"
    )
    with pytest.raises(BenchError, match="NUMBER_VALUE: number value 'three' is not a number"):
        read_records("conll", bad, texts)


def test_tokens_may_be_merged_by_a_tool(exported, tmp_path: Path) -> None:
    """Import aligns by characters: fewer, longer tokens still land on the right offsets."""
    texts, path = exported
    rows = path.read_text("utf-8").split(f"# newdoc id = {EMOJI_ID}")[1]
    lines = rows.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("waited\t"))
    assert lines[i + 1].startswith(".\t")
    lines[i : i + 2] = ["waited.\tO\tO\t_\tO\t_\tO\t_"]
    one = tmp_path / "one.conll"
    one.write_text(f"# newdoc id = {EMOJI_ID}" + "\n".join(lines) + "\n", "utf-8")
    (rec,) = read_records("conll", one, texts)
    assert any(s.text == "hundreds" for s in rec.gold.spans)
