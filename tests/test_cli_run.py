"""``bench run`` and ``bench report`` through the real console entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_SPACY, ROOT, SEEDS

from bench.report.leaderboard import README_END, README_START

TESTS = Path(__file__).resolve().parent
TOY = "toy_system:ToySystem"
FAST = ("--repeats", "1", "--warmup", "0", "--bootstrap", "100")


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("BENCH_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A working directory with the seed corpus, its gold and a README with markers."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(GOLD, tmp_path / "gold", ignore=shutil.ignore_patterns("passes"))
    (tmp_path / "README.md").write_text(
        f"# project\n{README_START}\n{README_END}\n", encoding="utf-8"
    )
    return tmp_path


def stable(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in ("throughput", "environment", "created_at")}


def test_run_writes_result_predictions_and_leaderboard(project: Path) -> None:
    res = bench("run", "--system", TOY, *FAST, cwd=project)
    assert res.returncode == 0, res.stderr
    # The table: a row per layer with P, R, F1 and intervals, value accuracy, support.
    lines = res.stdout.splitlines()
    assert lines[0].startswith("toy: 5 documents")
    head = next(line for line in lines if line.lstrip().startswith("layer"))
    assert head.split() == ["layer", "P", "R", "F1", "value", "acc.", "support", "predicted"]
    rows = {line.split()[0]: line.split() for line in lines if line.split()[:1] in (
        ["entity"], ["time"], ["number"], ["overall"])}  # fmt: skip
    assert set(rows) == {"entity", "time", "number", "overall"}
    assert rows["time"][2].startswith("[") and rows["time"][-2] == "77"  # gold time spans
    assert "PERSON" not in res.stdout  # per-label rows only with --per-label
    assert "throughput: " in res.stdout and "words/s (median of 1 timed pass" in res.stdout
    assert "cached" not in res.stdout
    # Progress bars on stderr name what they count, with the real total.
    assert "timed pass 1/1: documents" in res.stderr and "5/5" in res.stderr
    assert "warm-up" not in res.stderr  # --warmup 0
    out = project / "results"
    for name in ("toy.json", "predictions/toy.jsonl", "LEADERBOARD.md", "leaderboard.csv"):
        assert (out / name).is_file(), name
    assert (out / "errors" / "toy.html").is_file()
    # Without --readme the README is not touched (docs/guarantees.md).
    assert "| toy |" not in (project / "README.md").read_text(encoding="utf-8")
    data = json.loads((out / "toy.json").read_text(encoding="utf-8"))
    assert data["throughput"]["repeats"] == 1 and data["throughput"]["cached"] is False

    # Again: predictions from the cache, and the result says so.
    again = bench("run", "--system", TOY, *FAST, cwd=project)
    assert again.returncode == 0, again.stderr
    assert "cached: timings measured" in again.stdout
    cached = json.loads((out / "toy.json").read_text(encoding="utf-8"))
    assert cached["throughput"]["cached"] is True
    assert cached["throughput"]["measured_at"] == data["throughput"]["measured_at"]
    assert stable(out / "toy.json") == {k: data[k] for k in stable(out / "toy.json")}

    # --no-cache measures afresh; everything but the timings is byte-identical.
    before = (out / "toy.json").read_text(encoding="utf-8")
    fresh = bench("run", "--system", TOY, *FAST, "--no-cache", cwd=project)
    assert fresh.returncode == 0 and "cached" not in fresh.stdout
    after = (out / "toy.json").read_text(encoding="utf-8")
    assert before[: before.index('"throughput"')] == after[: after.index('"throughput"')]


def test_options_label_and_report(project: Path) -> None:
    res = bench(
        "run", "-s", TOY, "-o", "names=Putin", "--label", "toy-putin", *FAST, "--quiet",
        "--no-report", cwd=project,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # --quiet: no progress bar
    assert res.stdout.startswith("toy-putin: entity F1 ")  # and one line, no table
    assert "words/s (median of 1)" in res.stdout and "layer" not in res.stdout
    assert (project / "results" / "toy-putin.json").is_file()
    assert not (project / "results" / "LEADERBOARD.md").exists()
    rep = bench("report", "--readme", "README.md", cwd=project)
    assert rep.returncode == 0, rep.stderr
    assert "wrote results/LEADERBOARD.md" in rep.stdout
    assert "| toy-putin |" in (project / "README.md").read_text(encoding="utf-8")
    # Again, with nothing new: no file is rewritten, and the command does not say "wrote".
    files = sorted(p for p in project.rglob("*") if p.is_file())
    stamps = [p.stat().st_mtime_ns for p in files]
    again = bench("report", "--readme", "README.md", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "wrote" not in again.stdout and "unchanged: " in again.stdout
    assert [p.stat().st_mtime_ns for p in files] == stamps


def test_failed_documents_exit_1_unless_allowed(project: Path) -> None:
    res = bench("run", "-s", TOY, "-o", "fail_on=Hmeimim", *FAST, cwd=project)
    assert res.returncode == 1
    assert "failed: " in res.stderr and "RuntimeError: cannot handle 'Hmeimim'" in res.stderr
    assert "pass --allow-failures" in res.stderr and "Traceback" not in res.stderr
    data = json.loads((project / "results" / "toy.json").read_text(encoding="utf-8"))
    assert data["failures"]  # recorded all the same
    ok = bench("run", "-s", TOY, "-o", "fail_on=Hmeimim", *FAST, "--allow-failures", cwd=project)
    assert ok.returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--system", "no-such-system"), "unknown system 'no-such-system'"),
        (("--system", TOY, "--repeats", "0"), "--repeats: must be between 1 and 100, got 0"),
        (("--system", TOY, "--option", "names"), "expected key=value"),
        (("--system", TOY, "--option", "colour=red"), "unknown option 'colour'"),
        (("--system", TOY, "--label", "../x"), "--label: '../x' is not a safe label"),
        (("--system", TOY, "--gold", "nowhere"), "nowhere: not a directory of gold files"),
        (("--system", TOY, "-o", "fail_load=true"), "load failed: OSError: model files missing"),
        (("--all-available", "--system", TOY), "cannot be combined"),
        ((), "--system: give a system name"),
    ],
)
def test_user_errors_are_one_line(project: Path, args: tuple[str, ...], message: str) -> None:
    res = bench("run", *args, cwd=project)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert not (project / "results" / "toy.json").exists()


def test_report_errors(project: Path) -> None:
    res = bench("report", "--results", "nothing", cwd=project)
    assert res.returncode == 2 and "nothing: not a directory of results" in res.stderr
    (project / "results").mkdir()
    (project / "results" / "x.json").write_text("{}", encoding="utf-8")
    bad = bench("report", cwd=project)
    assert bad.returncode == 2 and bad.stderr.startswith("error: results/x.json: ")


@pytest.mark.slow
@NEEDS_SPACY
def test_all_available_runs_every_runnable_system(project: Path) -> None:
    res = bench(
        # No --repeats/--warmup: the defaults must reach each child process as numbers.
        "run", "--all-available", "--no-latency", "--bootstrap", "0", "-q", "--readme",
        "README.md", cwd=project,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    from bench.cli.run import available_systems

    for name in available_systems():
        assert (project / "results" / f"{name}.json").is_file(), name
    board = (project / "README.md").read_text(encoding="utf-8")
    assert "| spacy |" in board and "| rules |" in board


@NEEDS_SPACY
def test_all_available_lists_runnable_systems() -> None:
    from bench.cli.run import available_systems

    names = available_systems()
    assert "rules" in names and "spacy" in names
    assert "predictions" not in names  # needs --option path=...


def test_spacy_default_run(project: Path) -> None:
    """The main job: a default spaCy run on the seeds, in seconds."""
    pytest.importorskip("spacy")
    res = bench("run", "--system", "spacy", "--repeats", "1", "--warmup", "0", cwd=project)
    assert res.returncode == 0, res.stderr
    data = json.loads((project / "results" / "spacy.json").read_text(encoding="utf-8"))
    assert data["system"]["versions"]["spacy"].startswith("3.")
    assert data["metrics"]["by_layer"]["entity"]["strict"]["f1"] > 0.5
    t = data["throughput"]
    assert t["words"] == sum(len((SEEDS / f"{d}.txt").read_text("utf-8").split())
                             for d in data["metrics"]["by_doc"])  # fmt: skip
    assert t["words_per_second"]["median"] > 0 and t["load_seconds"] > 0
    assert t["latency"]["docs"] == 5 and t["peak_rss_mb"] > 50
    assert data["environment"]["packages"]["spacy"].startswith("3.")


def test_per_label_rows_and_limit(project: Path) -> None:
    res = bench("run", "-s", TOY, *FAST, "--per-label", "--limit", "2", "--no-report", cwd=project)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("toy: 2 documents")
    labels = [
        ln.split()[0] for ln in res.stdout.splitlines() if ln.startswith("   ") and ln.strip()
    ]
    assert {"PERSON", "DATE", "CARDINAL"} <= set(labels)
    assert "subset: first:2/5 (2 documents); not comparable with full runs" in res.stdout
    assert "timed pass 1/1: documents" in res.stderr and "2/2" in res.stderr
    data = json.loads((project / "results" / "toy.json").read_text(encoding="utf-8"))
    assert data["gold"]["documents"] == 2
    assert data["metrics"]["signature"].endswith("|subset:first:2/5")
    # A full run and a sample land on boards of their own, never beside the subset run.
    full = bench("run", "-s", TOY, *FAST, "--label", "toy-full", "-q", "--no-report", cwd=project)
    assert full.returncode == 0, full.stderr
    sample = bench(
        "run", "-s", TOY, *FAST, "--label", "toy-s", "--sample", "3", "--seed", "7", "-q",
        cwd=project,
    )  # fmt: skip
    assert sample.returncode == 0, sample.stderr
    board = (project / "results" / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "**3 incomparable groups of results**" in board
    s = json.loads((project / "results" / "toy-s.json").read_text(encoding="utf-8"))
    assert s["metrics"]["signature"].endswith("|subset:sample:3/5;seed:7")
    # --limit at least the corpus size is no subset at all.
    whole = bench("run", "-s", TOY, *FAST, "--limit", "9", "-q", "--no-report", cwd=project)
    assert whole.returncode == 0, whole.stderr
    data = json.loads((project / "results" / "toy.json").read_text(encoding="utf-8"))
    assert "subset" not in data["metrics"]["signature"]
    bad = bench("run", "-s", TOY, *FAST, "--limit", "2", "--sample", "2", cwd=project)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --limit, --sample: give one of")
    assert bad.stderr.count("\n") == 1


def test_replayed_predictions_show_no_speed(project: Path) -> None:
    first = bench("run", "-s", TOY, *FAST, "-q", "--no-report", cwd=project)
    assert first.returncode == 0, first.stderr
    preds = project / "results" / "predictions" / "toy.jsonl"
    res = bench(
        "run", "-s", "predictions", "-o", f"path={preds}", "--label", "replay", *FAST, cwd=project
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("throughput:"))
    assert line == "throughput: — (replayed predictions: no system was timed)"
    board = (project / "results" / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "| replay | — |" in board and "replayed predictions: no speed" in board


def test_pair_pages_are_refreshed_and_removed_with_their_results(project: Path) -> None:
    for label, names in (("toy-a", "Putin"), ("toy-b", "Assad")):
        res = bench(
            "run", "-s", TOY, "-o", f"names={names}", "--label", label, *FAST, "--quiet",
            "--no-report", cwd=project,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
    pairs = project / "results" / "errors" / "pairs"
    res = bench("report", "--pair", "toy-a", "toy-b", cwd=project)
    assert res.returncode == 0, res.stderr
    page = pairs / "toy-a--toy-b.html"
    assert page.is_file()
    listed = json.loads((pairs / ".written.json").read_text(encoding="utf-8"))
    assert listed == {"written_by": "bench report --pair", "pairs": [["toy-a", "toy-b"]]}
    mine = pairs / "notes.html"  # a file bench did not write stays whatever happens
    mine.write_text("mine", encoding="utf-8")
    # A full report rewrites the page from the results as they are now ...
    page.write_text("stale", encoding="utf-8")
    assert bench("report", cwd=project).returncode == 0
    assert "toy-a" in page.read_text(encoding="utf-8")
    # ... and removes it with either result.
    (project / "results" / "toy-b.json").unlink()
    (project / "results" / "predictions" / "toy-b.jsonl").unlink()
    res = bench("report", cwd=project)
    assert res.returncode == 0, res.stderr
    assert not page.exists() and mine.read_text(encoding="utf-8") == "mine"
    listed = json.loads((pairs / ".written.json").read_text(encoding="utf-8"))
    assert listed["pairs"] == []
