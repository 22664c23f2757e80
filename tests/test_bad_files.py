"""Broken files beyond gold and predictions, through the real commands: corpora that are empty,
truncated or corrupt (`bench run --corpus`), result files `bench compare` cannot parse, a DocBin
directory without its file, a negative seed. Each is one ``error:`` line, exit 2, nothing
written."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import NEEDS_SPACY, ROOT, skip_unless

from bench.cli import main


def bench(args: list[str], cwd: Path, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["bench", *args])
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def one_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> Path:
    skip_unless("data", "pyarrow", "datasets")
    """A small Parquet corpus and a save_to_disk dataset of the seed gold, then broken copies."""
    from bench.corpus.formats.exchange import export_gold
    from bench.corpus.stream import synthetic_documents, write_corpus

    root = tmp_path_factory.mktemp("corpora")
    write_corpus(synthetic_documents(30), root / "ok.parquet")
    raw = (root / "ok.parquet").read_bytes()
    (root / "empty.parquet").write_bytes(b"")
    (root / "truncated.parquet").write_bytes(raw[: len(raw) // 2])
    # Flip the bytes of the data pages, keep the footer: the file opens, reading it fails.
    body = bytearray(raw)
    for i in range(8, len(raw) // 2):
        body[i] ^= 0x5A
    (root / "corrupt.parquet").write_bytes(bytes(body))
    export_gold("hf-disk", ROOT / "gold", ROOT / "seeds", root / "hf")
    shutil.copytree(root / "hf", root / "hf-truncated")
    arrow = next((root / "hf-truncated").glob("*.arrow"))
    arrow.write_bytes(arrow.read_bytes()[: arrow.stat().st_size // 2])
    (root / "deep.jsonl").write_text('{"doc_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    (root / "long-int.jsonl").write_text('{"doc_id": "a", "x": ' + "1" * 5000 + "}\n")
    return root


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.parquet", ["empty.parquet: not a Parquet file:"]),
        ("truncated.parquet", ["truncated.parquet: not a Parquet file:"]),
        ("corrupt.parquet", ["corrupt.parquet"]),
        ("hf-truncated", ["hf-truncated: cannot read the dataset:"]),
        ("deep.jsonl", ["deep.jsonl:1: json:", "nested too deeply"]),
        ("long-int.jsonl", ["long-int.jsonl:1: json:", "over 4300 digits"]),
    ],
)
def test_run_corpus_refuses_broken_corpus(
    name: str, words: list[str], corpora: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    out = tmp_path / "r"
    args = ["run", "--system", "rules", "--corpus", str(corpora / name), "--out", str(out), "-q"]
    code, _, err = bench(args, tmp_path, capsys, monkeypatch)
    one_error(code, err, *words)
    assert not (out / "rules.json").exists()
    assert not list(out.glob("predictions/*")) if out.exists() else True
    # `bench corpus validate` reports the same file, one line, never a traceback.
    code, out_text, err = bench(
        ["corpus", "validate", str(corpora / name)], tmp_path, capsys, monkeypatch
    )
    assert code in (1, 2) and "Traceback" not in out_text + err, err


def test_run_corpus_reads_the_unbroken_copies(corpora: Path, tmp_path: Path, capsys, monkeypatch):
    for name in ("ok.parquet", "hf"):
        out = tmp_path / name
        args = ["run", "--system", "rules", "--corpus", str(corpora / name), "--out", str(out)]
        code, _, err = bench([*args, "-q", "--no-report"], tmp_path, capsys, monkeypatch)
        assert code == 0, err
        assert (out / "rules.json").exists()


# --- bench compare reads result files through the strict reader ---------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"system": ' + "[" * 100_000 + "]" * 100_000 + "}", ["json:", "nested too deeply"]),
        ('{"x": ' + "7" * 5000 + "}", ["json:", "over 4300 digits"]),
        ('{"x": NaN}', ["json:", "NaN is not JSON"]),
    ],
)
def test_compare_refuses_unparseable_result(
    body: str, words: list[str], tmp_path: Path, capsys, monkeypatch
) -> None:
    good = next(p for p in sorted((ROOT / "results").glob("*.json")))
    shutil.copy(good, tmp_path / "base.json")
    (tmp_path / "cand.json").write_text(body, "utf-8")
    code, _, err = bench(["compare", "base.json", "cand.json"], tmp_path, capsys, monkeypatch)
    one_error(code, err, "cand.json", *words)


# --- bench gold import docbin DIR without gold.spacy --------------------------------------------


@NEEDS_SPACY
def test_docbin_directory_without_its_file(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "export").mkdir()
    code, _, err = bench(
        ["gold", "import", "docbin", "export", "--out", "new", "--texts", str(ROOT / "seeds")],
        tmp_path,
        capsys,
        monkeypatch,
    )
    one_error(code, err, "export/gold.spacy: file not found")
    (tmp_path / "export" / "gold.spacy").write_bytes(b"\x00\x01not a docbin")
    code, _, err = bench(
        ["gold", "import", "docbin", "export", "--out", "new", "--texts", str(ROOT / "seeds")],
        tmp_path,
        capsys,
        monkeypatch,
    )
    one_error(code, err, "export/gold.spacy: not a spaCy DocBin")
    assert not (tmp_path / "new").exists()


# --- --seed -1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--system", "rules", "--out", "r", "--seed", "-1"],
        ["score", "-p", str(ROOT / "results/predictions/rules.jsonl"), "--seed", "-1"],
        ["corpus", "generate", "c.jsonl", "--docs", "3", "--seed", "-1"],
    ],
)
def test_negative_seed_is_refused(args: list[str], tmp_path: Path, capsys, monkeypatch) -> None:
    for d in ("seeds", "gold"):
        shutil.copytree(ROOT / d, tmp_path / d, ignore=shutil.ignore_patterns("passes", "*.md"))
    code, _, err = bench(args, tmp_path, capsys, monkeypatch)
    one_error(code, err, "--seed: -1 is negative")
    assert not (tmp_path / "r").exists() and not (tmp_path / "c.jsonl").exists()


def test_results_are_strict_json() -> None:
    """Every committed result parses with the strict reader (no NaN slipped in)."""
    from bench import strictjson

    for path in sorted((ROOT / "results").glob("*.json")):
        strictjson.load_text(path.read_text("utf-8"), str(path))


def test_guarantees_name_tests_that_exist() -> None:
    """docs/guarantees.md, section "Bad input files": every test file and test it cites exists."""
    import re

    text = (ROOT / "docs" / "guarantees.md").read_text("utf-8")
    section = text.split("## Bad input files", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"tests/(test_\w+\.py)", section)
    assert files
    for name in files:
        assert (ROOT / "tests" / name).is_file(), name
    sources = "".join((ROOT / "tests" / n).read_text("utf-8") for n in files)
    for test in re.findall(r"`(test_\w+)`", section):
        assert f"def {test}(" in sources, test
