"""The public Python API: ``import bench`` stays light, every export resolves, and the
README's Python blocks run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

import bench


def readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_blocks() -> None:
    assert len(readme_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(readme_python_blocks())))
def test_readme_python_block_runs(index: int) -> None:
    block = readme_python_blocks()[index]
    assert len([ln for ln in block.splitlines() if ln.strip()]) <= 3  # three lines, as promised
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip()


def test_every_export_resolves() -> None:
    for name in bench.__all__:
        assert getattr(bench, name) is not None, name


def test_import_bench_loads_nothing_else() -> None:
    code = "import sys, bench; print(sorted(m for m in sys.modules if m.startswith('bench')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['bench']"


def test_in_memory_scoring_counts() -> None:
    text = "Putin met Assad on Monday."
    gold = [
        bench.GoldSpan(start=0, end=5, text="Putin", layer="entity", label="PERSON"),
        bench.GoldSpan(start=10, end=15, text="Assad", layer="entity", label="PERSON"),
    ]
    doc = bench.Document.from_text(text, gold, doc_id="d1")
    assert doc.gold.text_sha256 == bench.Document.from_text(text).gold.text_sha256
    pred = {"d1": [bench.PredictedSpan(start=0, end=5, label="PERSON")]}
    report = bench.score([doc], pred, bootstrap=0)
    strict = report.overall.strict
    assert (strict.correct, strict.missed, strict.spurious) == (1, 1, 0)
    assert strict.precision == 1.0 and strict.recall == 0.5
    # The same documents as a mapping give the same report.
    assert bench.score({"d1": doc}, pred, bootstrap=0) == report


def test_paths_may_be_strings() -> None:
    gold = bench.load_gold("gold", "seeds")
    assert len(gold) == 5 and gold == bench.load_gold(ROOT / "gold", ROOT / "seeds")


def test_all_lists_every_export() -> None:
    assert sorted(bench.__all__) == sorted(["__version__", *bench._EXPORTS])


def test_run_a_subset_records_it() -> None:
    from bench.api import run
    from bench.run.timing import RunSettings

    sys.path.insert(0, str(ROOT / "tests"))
    fast = RunSettings(repeats=1, warmup=0, latency=False)
    out = run("toy_system:ToySystem", settings=fast, bootstrap=0, sample=3, seed=1)
    assert out.result.gold.documents == 3
    assert out.result.metrics.signature.endswith("|subset:sample:3/5;seed:1")
    again = run("toy_system:ToySystem", settings=fast, bootstrap=0, sample=3, seed=1)
    assert again.result.metrics == out.result.metrics  # the same seed, the same documents
