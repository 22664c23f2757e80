"""``bench score`` against nervaluate 1.2.1 on the same random inputs, in memory and end to end.

Inputs come from ``bench.corpus.synthetic`` in the one-to-one regime (every prediction overlaps at
most one gold span and vice versa), where both tools must give the same counts; each size
checks that they do. About 3 slots in 4 hold a gold span, so ``slots = gold * 4 / 3``.

- memory: ``bench.scoring.engine.score(gold, predictions, bootstrap=0)`` on pydantic objects (the
  full report) against nervaluate's ``Evaluator(...).evaluate()`` on its list-of-dicts input
  (conversion not timed);
- end to end: ``python -m bench score --json --bootstrap 0`` on gold files, texts and a
  predictions JSONL against ``python benchmarks/nervaluate_score.py`` on the same files
  (which reads them with ``json`` and checks nothing), each a fresh process; CPU time is
  the child process's. A third process, ``benchmarks/score_floor.py``, only starts Python,
  imports numpy and reads the same files: the floor under any numpy-based scorer.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import ROOT, timed

pytest.importorskip("nervaluate")

QUICK = [(30, 1000)]
FULL = [(g, d) for g in (30, 100, 300) for d in (1000, 3000, 10000)]
NERVALUATE_MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious")
_CORPORA: dict[tuple[int, int], Any] = {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "size" in metafunc.fixturenames:
        grid = FULL if metafunc.config.getoption("--bench-grid") == "full" else QUICK
        metafunc.parametrize("size", grid, ids=[f"{g}x{d}" for g, d in grid])


def corpus(size: tuple[int, int]) -> Any:
    from bench.corpus.synthetic import random_corpus

    if size not in _CORPORA:
        _CORPORA.clear()  # one size at a time in memory
        gold, docs = size
        _CORPORA[size] = random_corpus(docs, gold * 4 // 3, seed=0)
    return _CORPORA[size]


def rounds_for(size: tuple[int, int], slow: bool) -> int:
    return 1 if slow and size[0] * size[1] > 100_000 else 3


def nervaluate_input(spans_by_doc: list[list]) -> list[list[dict]]:
    """nervaluate's dict format; its ends are inclusive."""
    return [
        [{"label": s.label, "start": s.start, "end": s.end - 1} for s in d] for d in spans_by_doc
    ]


def check_same(ours: dict, theirs: dict) -> None:
    for mode, name in NERVALUATE_MODES.items():
        for f in FIELDS:
            assert ours[mode][f] == theirs[name][f], f"{mode}.{f}"


def info(size: tuple[int, int], c: Any) -> dict:
    gold = sum(len(doc.gold.spans) for doc in c.gold.values())
    return {"gold_per_doc": size[0], "docs": size[1], "gold_spans": gold, "spans": c.n_spans}


@pytest.mark.parametrize("impl", ["bench", "nervaluate"])
def test_score_memory(benchmark: Any, size: tuple[int, int], impl: str) -> None:
    from nervaluate import Evaluator

    from bench.schema import ALL_LABELS
    from bench.scoring.engine import score

    c = corpus(size)
    benchmark.group = f"score-memory {size[0]}x{size[1]}"
    gc.collect()
    if impl == "bench":
        report = timed(
            benchmark,
            lambda: score(c.gold, c.predictions, bootstrap=0),
            rounds=rounds_for(size, False),
            **info(size, c),
        )
        ours = report.model_dump()["overall"]  # type: ignore[attr-defined]
        ids = sorted(c.gold)
        true = nervaluate_input([c.gold[d].gold.spans for d in ids])
        pred = nervaluate_input([c.predictions[d] for d in ids])
        res = Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate()["overall"]
        check_same(ours, {k: vars(v) for k, v in res.items()})
    else:
        ids = sorted(c.gold)
        true = nervaluate_input([c.gold[d].gold.spans for d in ids])
        pred = nervaluate_input([c.predictions[d] for d in ids])
        timed(
            benchmark,
            lambda: Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate(),
            rounds=rounds_for(size, True),
            **info(size, c),
        )


_FILES: dict[tuple[int, int], Path] = {}


@pytest.fixture
def files(size: tuple[int, int], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gold files, texts and predictions of the size on disk (written once per size)."""
    from bench.corpus.gold import dump_gold
    from bench.corpus.predictions import write_predictions
    from bench.files import write_atomic

    if size not in _FILES:
        root = tmp_path_factory.mktemp(f"score-{size[0]}x{size[1]}")
        c = corpus(size)
        for doc_id, doc in c.gold.items():
            write_atomic(root / "gold" / f"{doc_id}.json", dump_gold(doc.gold))
            write_atomic(root / "texts" / f"{doc_id}.txt", doc.text)
        write_predictions(root / "pred.jsonl", c.predictions)
        _FILES[size] = root
    return _FILES[size]


@pytest.mark.parametrize("impl", ["bench", "nervaluate", "floor"])
def test_score_end_to_end(benchmark: Any, size: tuple[int, int], impl: str, files: Path) -> None:
    g, t, p = files / "gold", files / "texts", files / "pred.jsonl"
    if impl == "bench":
        cmd = [sys.executable, "-m", "bench", "score", "--gold", str(g), "--texts", str(t)]
        cmd += ["--predictions", str(p), "--json", "--bootstrap", "0"]
    elif impl == "nervaluate":
        cmd = [sys.executable, str(ROOT / "benchmarks" / "nervaluate_score.py"), str(g), str(p)]
    else:  # what starting Python, importing numpy and reading the files cost alone
        cmd = [sys.executable, str(ROOT / "benchmarks" / "score_floor.py"), str(g), str(t), str(p)]

    def run() -> str:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout

    benchmark.group = f"score-files {size[0]}x{size[1]}"
    out = timed(
        benchmark,
        run,
        rounds=rounds_for(size, impl == "nervaluate"),
        children=True,
        **info(size, corpus(size)),
    )
    counts = json.loads(str(out))
    if impl == "floor":
        assert counts["documents"] == size[1]
        return
    key = f"counts {size}"
    # both commands give the same counts (the second of the pair compares with the first)
    seen = _COUNTS.setdefault(key, {})
    seen[impl] = counts["overall"] if impl == "bench" else counts
    if len(seen) == 2:
        check_same(seen["bench"], seen["nervaluate"])


_COUNTS: dict[str, dict] = {}
