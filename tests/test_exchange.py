"""Every format round-trips the real gold and a document outside the BMP; imports are checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import NEEDS_DATA, NEEDS_PARQUET, NEEDS_SPACY
from goldcases import EMOJI_ID, EMOJI_TEXT, make_corpus

from bench.corpus.formats import FORMATS, get_format
from bench.corpus.formats.exchange import export_gold, import_gold, load_records, read_records
from bench.corpus.gold import dump_gold, load_gold_dir
from bench.errors import BenchError
from bench.schema import GoldDocument

ROOT = Path(__file__).resolve().parents[1]
# A format whose library is an optional extra is skipped on an install without it.
_NEEDS = {"docbin": NEEDS_SPACY, "hf-disk": NEEDS_DATA, "hf-parquet": NEEDS_PARQUET}
ALL = [pytest.param(f, marks=_NEEDS[f]) if f in _NEEDS else f for f in FORMATS]


def _without_span_notes(gold: GoldDocument) -> GoldDocument:
    return gold.model_copy(
        update={"spans": [s.model_copy(update={"notes": None}) for s in gold.spans]}
    )


def expected(fmt: str, gold: GoldDocument) -> GoldDocument:
    """What a round trip through ``fmt`` must give back: all of it, less what the format loses."""
    return _without_span_notes(gold) if fmt == "conll" else gold


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("fmt", ALL)
def test_round_trip_real_gold_and_emoji(fmt: str, corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    originals = load_gold_dir(gold_dir, texts)
    assert len(originals) == 6  # the five seeds and the emoji document
    out = tmp_path / "export"
    files = export_gold(fmt, gold_dir, texts, out)
    assert files and all(f.is_relative_to(out) for f in files)
    records = read_records(fmt, out, texts)
    assert sorted(r.gold.doc_id for r in records) == sorted(originals)
    for rec in records:
        gold, text = originals[rec.gold.doc_id].gold, originals[rec.gold.doc_id].text
        assert rec.text == text
        assert rec.gold == expected(fmt, gold), rec.gold.doc_id
        # Identical also as files: same value types (3 stays 3, 2.5 stays 2.5).
        assert dump_gold(rec.gold) == dump_gold(expected(fmt, gold))


@pytest.mark.parametrize("fmt", ALL)
def test_import_writes_identical_gold_files(fmt: str, corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold(fmt, gold_dir, texts, tmp_path / "x")
    outcome = import_gold(fmt, tmp_path / "x", texts, tmp_path / "back")
    assert outcome.violations == []
    assert len(outcome.written) == 6
    for path in outcome.written:
        original = (gold_dir / path.name).read_text("utf-8")
        if fmt == "conll":
            original = dump_gold(_without_span_notes(GoldDocument.model_validate_json(original)))
        assert path.read_text("utf-8") == original


@pytest.mark.parametrize("fmt", ALL)
def test_import_refuses_a_different_text(fmt: str, corpus, tmp_path: Path) -> None:
    """Same id, one character changed in the seed: no span may land on it."""
    texts, gold_dir = corpus
    export_gold(fmt, gold_dir, texts, tmp_path / "x", [EMOJI_ID])
    changed = tmp_path / "texts"
    shutil.copytree(texts, changed)
    (changed / f"{EMOJI_ID}.txt").write_text(EMOJI_TEXT.replace("Putin", "Putil"), "utf-8")
    words = "does not match" if fmt == "conll" else "differs from"
    with pytest.raises(BenchError, match=words):
        read_records(fmt, tmp_path / "x", changed)


def test_text_hash_in_file_must_match_its_text(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("labelstudio", gold_dir, texts, tmp_path / "x", [EMOJI_ID])
    path = tmp_path / "x" / "tasks.json"
    tasks = json.loads(path.read_text("utf-8"))
    tasks[0]["data"]["text"] = tasks[0]["data"]["text"].replace("waited", "wait\u0435d")
    path.write_text(json.dumps(tasks), "utf-8")
    with pytest.raises(BenchError, match="text_sha256: the text in the file"):
        read_records("labelstudio", path, texts)


def test_export_refuses_a_non_empty_directory(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(BenchError, match="not an empty directory"):
        export_gold("doccano", gold_dir, texts, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_failed_export_leaves_nothing(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    with pytest.raises(BenchError, match="no gold file"):
        export_gold("brat", gold_dir, texts, tmp_path / "out", ["no_such_doc"])
    assert list(tmp_path.iterdir()) == []


def test_import_refuses_to_overwrite_and_force_replaces(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("doccano", gold_dir, texts, tmp_path / "x")
    target = tmp_path / "gold"
    target.mkdir()
    (target / f"{EMOJI_ID}.json").write_text("old")
    with pytest.raises(BenchError, match="exists"):
        import_gold("doccano", tmp_path / "x", texts, target)
    assert (target / f"{EMOJI_ID}.json").read_text() == "old"
    assert len(list(target.iterdir())) == 1  # nothing else was written either
    outcome = import_gold(
        "doccano", tmp_path / "x", texts, target, force=True, status="adjudicated"
    )
    assert len(outcome.written) == 6
    assert GoldDocument.model_validate_json((target / f"{EMOJI_ID}.json").read_text()).status == (
        "adjudicated"
    )


def test_import_with_rule_violations_writes_nothing(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("doccano", gold_dir, texts, tmp_path / "x", [EMOJI_ID])
    path = tmp_path / "x" / "gold.jsonl"
    line = json.loads(path.read_text("utf-8"))
    line["values"] = [v for v in line["values"] if v[2] != "TIME"]  # a time span loses its value
    path.write_text(json.dumps(line) + "\n", "utf-8")
    outcome = import_gold("doccano", path, texts, tmp_path / "out")
    assert outcome.written == [] and not (tmp_path / "out").exists()
    (v,) = outcome.violations
    assert v.field.endswith(".value") and "TIMEX3" in v.problem
    assert str(v).startswith(f"{path}:1 ({EMOJI_ID})")
    # The same file is fine for a draft: drafts may lack values.
    outcome = import_gold("doccano", path, texts, tmp_path / "out", status="draft")
    assert outcome.violations == [] and len(outcome.written) == 1


def test_drafts_without_values_export(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    gold = GoldDocument.model_validate_json((gold_dir / f"{EMOJI_ID}.json").read_text())
    spans = [s.model_copy(update={"value": None}) for s in gold.spans]
    draft = gold.model_copy(update={"status": "draft", "spans": spans})
    (drafts / f"{EMOJI_ID}.json").write_text(dump_gold(draft))
    export_gold("labelstudio", drafts, texts, tmp_path / "x")
    (rec,) = read_records("labelstudio", tmp_path / "x", texts)
    assert rec.gold == draft
    annotated = tmp_path / "annotated"
    annotated.mkdir()
    (annotated / f"{EMOJI_ID}.json").write_text(
        dump_gold(draft.model_copy(update={"status": None}))
    )
    with pytest.raises(BenchError, match="TIMEX3"):
        export_gold("labelstudio", annotated, texts, tmp_path / "y")


def test_unknown_format_is_one_line() -> None:
    with pytest.raises(BenchError, match="unknown format 'excel'"):
        get_format("excel")


def test_real_gold_exports_without_the_emoji_document(tmp_path: Path) -> None:
    records = load_records(ROOT / "gold", ROOT / "seeds")
    assert [r.gold.doc_id for r in records] == sorted(
        p.stem for p in (ROOT / "gold").glob("*.json")
    )
    assert all(r.title for r in records)


def test_cli_export_import_round_trip(corpus, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bench.cli import app

    texts, gold_dir = corpus
    runner = CliRunner()
    common = ["--texts", str(texts)]
    res = runner.invoke(
        app, ["gold", "export", "brat", str(tmp_path / "b"), "--gold", str(gold_dir), *common]
    )
    assert res.exit_code == 0, res.output
    assert f"{EMOJI_ID}.ann" in res.output
    res = runner.invoke(
        app, ["gold", "import", "brat", str(tmp_path / "b"), "--out", str(tmp_path / "g"), *common]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["gold", "diff", "--exit-code", str(gold_dir), str(tmp_path / "g")])
    assert res.exit_code == 0 and res.output == "no differences\n"
    res = runner.invoke(app, ["gold", "formats"])
    assert res.exit_code == 0 and all(name in res.output for name in FORMATS)


def test_cli_errors_are_one_line(corpus, tmp_path: Path) -> None:
    import subprocess
    import sys

    texts, _ = corpus
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"\n', "utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "gold",
            "import",
            "doccano",
            str(bad),
            "--texts",
            str(texts),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {bad}:1: json: ") and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ALL)
def test_export_is_byte_for_byte_deterministic(fmt: str, corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    first = export_gold(fmt, gold_dir, texts, tmp_path / "one")
    second = export_gold(fmt, gold_dir, texts, tmp_path / "two")
    assert [p.relative_to(tmp_path / "one") for p in first] == [
        p.relative_to(tmp_path / "two") for p in second
    ]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
