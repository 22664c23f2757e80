"""``build_report``: every derived file from the result files, idempotent, stale pages removed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_REPORT, SEEDS
from toy_system import ToySystem

from bench.corpus.gold import load_gold_dir
from bench.errors import BenchError
from bench.report.leaderboard import README_END, README_START
from bench.report.rebuild import build_report
from bench.run.driver import run_system
from bench.run.layout import write_run
from bench.run.timing import RunSettings

FAST = RunSettings(repeats=1, warmup=0, latency=False)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("source")
    gold = load_gold_dir(GOLD, SEEDS)
    write_run(run_system(ToySystem(), gold, FAST, bootstrap=100), out)
    write_run(run_system(ToySystem({"names": "Putin"}), gold, FAST, label="b", bootstrap=100), out)
    subset = dict(sorted(gold.items())[:3])
    write_run(run_system(ToySystem(), subset, FAST, label="sub", bootstrap=100), out)
    return out


@pytest.fixture
def results(source: Path, tmp_path: Path) -> Path:
    out = tmp_path / "results"
    shutil.copytree(source, out)
    return out


def readme(tmp_path: Path) -> Path:
    path = tmp_path / "README.md"
    path.write_text(f"# x\n\n{README_START}\nold\n{README_END}\n\nend\n", encoding="utf-8")
    return path


@NEEDS_REPORT
def test_writes_everything(results: Path, tmp_path: Path) -> None:
    rd = readme(tmp_path)
    out = build_report(results, readme=rd, gold_dir=GOLD, texts_dir=SEEDS)
    names = {p.relative_to(tmp_path).as_posix() for p in out.written}
    assert names >= {
        "results/LEADERBOARD.md",
        "results/leaderboard.csv",
        "results/f1_vs_speed.png",
        "results/errors/toy.html",
        "results/errors/b.html",
        "README.md",
    }
    # The result on other gold gets no error page, and the notes say why.
    assert not (results / "errors" / "sub.html").exists()
    assert any("sub.json was scored on other gold" in n for n in out.notes)
    text = rd.read_text(encoding="utf-8")
    assert "\nold\n" not in text and "| toy |" in text and text.endswith(f"{README_END}\n\nend\n")
    assert "(results/LEADERBOARD.md)" in text  # link relative to the README


def test_idempotent(results: Path, tmp_path: Path) -> None:
    rd = readme(tmp_path)
    build_report(results, readme=rd, gold_dir=GOLD, texts_dir=SEEDS)
    files = sorted(p for p in results.rglob("*") if p.is_file())
    first = {p: p.read_bytes() for p in files}
    first[rd] = rd.read_bytes()
    build_report(results, readme=rd, gold_dir=GOLD, texts_dir=SEEDS)
    assert {p: p.read_bytes() for p in [*files, rd]} == first


def test_stale_pages_removed_and_missing_predictions_noted(results: Path) -> None:
    build_report(results, gold_dir=GOLD, texts_dir=SEEDS)
    assert (results / "errors" / "b.html").exists()
    (results / "b.json").unlink()
    (results / "predictions" / "toy.jsonl").unlink()
    out = build_report(results, gold_dir=GOLD, texts_dir=SEEDS)
    assert not (results / "errors" / "b.html").exists()
    assert any("toy.jsonl is missing" in n for n in out.notes)
    assert "| b |" not in (results / "LEADERBOARD.md").read_text(encoding="utf-8")


def test_readme_without_markers(results: Path, tmp_path: Path) -> None:
    rd = tmp_path / "README.md"
    rd.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(BenchError, match="no <!-- leaderboard:start -->"):
        build_report(results, readme=rd, gold_dir=GOLD, texts_dir=SEEDS)
    assert rd.read_text(encoding="utf-8") == "# nothing here\n"


def test_without_gold_no_pages(results: Path, tmp_path: Path) -> None:
    out = build_report(results, gold_dir=tmp_path / "nogold", texts_dir=SEEDS, plot=False)
    assert not (results / "errors").exists()
    assert any("no gold directory" in n for n in out.notes)
    assert not (results / "f1_vs_speed.png").exists()


def test_committed_readme_block_is_what_report_writes() -> None:
    """The README's leaderboard is the command's output for the committed results, untouched."""
    from conftest import ROOT

    from bench.corpus.digest import gold_digest
    from bench.report.leaderboard import boards, readme_table
    from bench.run.layout import read_results_dir

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(README_START) + len(README_START) + 1 : text.index(README_END)]
    results = ROOT / "results"
    entries = read_results_dir(results) if results.is_dir() else []
    current = gold_digest(load_gold_dir(GOLD, SEEDS))
    assert block == readme_table(boards(entries, current), "results/LEADERBOARD.md")
