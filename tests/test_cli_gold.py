"""The gold commands' output and exit codes, through the real console entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import DOC, GOLD, ROOT, SEEDS


def bench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True
    )


def test_validate_committed_gold_exits_0() -> None:
    res = bench("gold", "validate")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stderr.startswith("ok: 5 gold file(s)")


def test_validate_bad_gold_exits_1_one_line_per_violation(gold_dict, write_gold) -> None:
    gold_dict["spans"][0]["text"] = "Putin "
    gold_dict["spans"][1]["label"] = "DATE"
    path = write_gold(gold_dict)
    res = bench("gold", "validate", str(path), "--texts", str(SEEDS))
    assert res.returncode == 1
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "spans[0].text: 'Putin ' != text[" in lines[0]
    assert "spans[1].label" in lines[1]
    assert "Traceback" not in res.stderr


def test_validate_missing_file_is_one_line(tmp_path: Path) -> None:
    res = bench("gold", "validate", str(tmp_path / "nope.json"))
    assert res.returncode == 1
    assert res.stdout.strip().count("\n") == 0
    assert "file not found" in res.stdout


def test_show_marks_spans_and_unknown_doc_exits_2() -> None:
    res = bench("gold", "show", DOC)
    assert res.returncode == 0
    assert "[some 465,000]{CARDINAL=465000}" in res.stdout
    bad = bench("gold", "show", "no_such_doc")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1


def test_stats_counts_every_gold_span() -> None:
    import json

    res = bench("gold", "stats")
    assert res.returncode == 0
    total = sum(len(json.loads(p.read_text("utf-8"))["spans"]) for p in GOLD.glob("*.json"))
    assert "| **all** | | " in res.stdout
    assert res.stdout.strip().splitlines()[-2].endswith(f"| **{total}** |")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys, runpy; sys.argv=['bench','--help']\n"
        "try:\n    runpy.run_module('bench', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy=[m for m in ('spacy','datasets','matplotlib','ray','torch','sklearn','dask')"
        " if m in sys.modules]\nprint('HEAVY', heavy)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert "HEAVY []" in res.stdout, res.stdout + res.stderr
