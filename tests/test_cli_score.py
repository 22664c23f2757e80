"""``bench score`` end to end in a real subprocess: table, JSON, warnings, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.corpus.predictions import write_predictions
from bench.schema import PredictedSpan


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "score", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def pred_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.corpus.gold import load_gold_dir

    gold = load_gold_dir(GOLD, SEEDS)
    preds = {}
    for doc_id, doc in sorted(gold.items())[:-1]:  # the last document has no line
        preds[doc_id] = [
            PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
            for i, s in enumerate(doc.gold.spans)
            if i % 4
        ]
    path = tmp_path_factory.mktemp("pred") / "pred.jsonl"
    write_predictions(path, preds)
    return path


def test_json_output(pred_file: Path) -> None:
    a = run("--predictions", str(pred_file), "--json", "--bootstrap", "100")
    assert a.returncode == 0, a.stderr
    data = json.loads(a.stdout)
    assert data["overall"]["strict"]["precision"] == 1.0
    assert data["overall"]["strict"]["recall"] < 1.0
    assert len(data["missing_predictions"]) == 1
    assert "warning:" in a.stderr and "no line for 1 gold document" in a.stderr
    b = run("--predictions", str(pred_file), "--json", "--bootstrap", "100")
    assert a.stdout == b.stdout


def test_table_output(pred_file: Path) -> None:
    r = run("--predictions", str(pred_file), "--layer", "time", "--bootstrap", "50")
    assert r.returncode == 0, r.stderr
    assert "Scores" in r.stdout and "strict" in r.stdout and "Values" in r.stdout
    assert "signature: bench:" in r.stdout and "layers:time|" in r.stdout


def test_bad_line_exits_2_with_one_line(tmp_path: Path, pred_file: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = pred_file.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"label": "GPE"', '"label": "COUNTRY"', 1)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("--predictions", str(bad))
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"error: {bad}:2: spans[")
    assert "unknown label 'COUNTRY'" in r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_unknown_layer_exits_2(pred_file: Path) -> None:
    r = run("--predictions", str(pred_file), "--layer", "money")
    assert r.returncode == 2
    assert "unknown layer 'money'" in r.stderr


def test_table_rows_per_layer_and_label(pred_file: Path) -> None:
    r = run("--predictions", str(pred_file), "--bootstrap", "50")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    head = next(line for line in lines if line.lstrip().startswith("layer"))
    assert head.split() == ["layer", "P", "R", "F1", "value", "acc.", "support", "predicted"]
    entity = next(line.split() for line in lines if line.startswith(" entity "))
    assert entity[1] == "100.0" and entity[2].startswith("[")  # P with its interval
    assert any(line.split()[:1] == ["PERSON"] for line in lines)  # per-label rows by default
    quiet = run("--predictions", str(pred_file), "--bootstrap", "0", "--no-per-label")
    assert not any(line.split()[:1] == ["PERSON"] for line in quiet.stdout.splitlines())
    assert "[no CI]" in quiet.stdout  # brackets from bench are not eaten as markup


def test_subset_scores_present_documents_and_says_how_many_left_out(pred_file: Path) -> None:
    full = json.loads(run("--predictions", str(pred_file), "--json", "--bootstrap", "0").stdout)
    assert "subset" not in full["signature"] and len(full["missing_predictions"]) == 1
    r = run("--predictions", str(pred_file), "--json", "--bootstrap", "0", "--subset")
    assert r.returncode == 0, r.stderr
    sub = json.loads(r.stdout)
    assert sub["documents"] == 4 and sub["missing_predictions"] == []
    assert sub["signature"].endswith("|subset:present:4/5")
    assert "left out 1 gold document(s)" in r.stderr and "warning" not in r.stderr
    assert sub["overall"]["strict"]["recall"] > full["overall"]["strict"]["recall"]
    lim = run("--predictions", str(pred_file), "--json", "--bootstrap", "0", "--limit", "2")
    assert json.loads(lim.stdout)["signature"].endswith("|subset:first:2/5")
    samp = run("--predictions", str(pred_file), "--sample", "3", "--seed", "4", "--bootstrap", "0")
    assert samp.returncode == 0, samp.stderr
    assert "subset: sample:3/5;seed:4 (3 documents); not comparable with full runs" in samp.stdout
