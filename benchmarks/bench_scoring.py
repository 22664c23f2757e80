"""Speed of ``bench.scoring`` against nervaluate on the same random inputs (issue 5, item 9).

    python benchmarks/bench_scoring.py memory   # spans in memory -> full report
    python benchmarks/bench_scoring.py files    # files on disk -> report, process start included
    python benchmarks/bench_scoring.py single   # one document, 100,000 gold + 100,000 predicted
    python benchmarks/bench_scoring.py all

Inputs come from ``bench.synthetic`` in the one-to-one regime (every prediction overlaps at
most one gold span and vice versa), where both tools must give identical counts; each run
checks that they do. Times are the best of ``--repeat`` runs (wall clock).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.corpus import dump_gold, write_atomic
from bench.predictions import write_predictions
from bench.schema import ALL_LABELS
from bench.scoring import score
from bench.synthetic import random_corpus, random_document

HERE = Path(__file__).resolve().parent
NERVALUATE_MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious")


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def nervaluate_input(spans_by_doc: list[list]) -> list[list[dict]]:
    return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in doc] for doc in spans_by_doc]


def check_same(ours: dict, theirs: dict) -> None:
    for mode, name in NERVALUATE_MODES.items():
        for f in FIELDS:
            a, b = ours[mode][f], theirs[name][f]
            if a != b:
                raise SystemExit(f"counts differ: {mode}.{f}: bench {a} != nervaluate {b}")


def memory(docs: int, slots: int, repeat: int, seed: int = 0) -> None:
    from nervaluate import Evaluator

    corpus = random_corpus(docs, slots, seed=seed)
    ids = sorted(corpus.gold)
    true = nervaluate_input([corpus.gold[d][0].spans for d in ids])
    pred = nervaluate_input([corpus.predictions[d] for d in ids])
    n = corpus.n_spans

    def theirs() -> dict:
        return Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate()["overall"]

    t_nv, res_nv = best_of(theirs, max(1, repeat // 3))
    t_0, rep0 = best_of(lambda: score(corpus.gold, corpus.predictions, bootstrap=0), repeat)
    t_b, _ = best_of(lambda: score(corpus.gold, corpus.predictions, bootstrap=1000), repeat)
    ours = rep0.model_dump()["overall"]  # type: ignore[attr-defined]
    check_same(ours, {k: vars(v) for k, v in res_nv.items()})  # type: ignore[union-attr]
    print(
        f"memory  docs={docs} slots/doc={slots} spans={n} "
        f"(gold/doc={sum(len(g.spans) for g, _ in corpus.gold.values()) / docs:.0f})"
    )
    print(f"  nervaluate          {t_nv:8.3f} s  {n / t_nv:12,.0f} spans/s")
    print(f"  bench (no CIs)      {t_0:8.3f} s  {n / t_0:12,.0f} spans/s  x{t_nv / t_0:.1f}")
    print(f"  bench (1000 boot)   {t_b:8.3f} s  {n / t_b:12,.0f} spans/s  x{t_nv / t_b:.1f}")
    print("  counts identical: yes")


def files(docs: int, slots: int, repeat: int, seed: int = 0) -> None:
    corpus = random_corpus(docs, slots, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "gold").mkdir()
        (root / "texts").mkdir()
        for doc_id, (g, text) in corpus.gold.items():
            write_atomic(root / "gold" / f"{doc_id}.json", dump_gold(g))
            write_atomic(root / "texts" / f"{doc_id}.txt", text)
        write_predictions(root / "pred.jsonl", corpus.predictions)
        ours_cmd = [
            sys.executable, "-m", "bench", "score", "--gold", str(root / "gold"),
            "--texts", str(root / "texts"), "--predictions", str(root / "pred.jsonl"), "--json",
        ]  # fmt: skip
        theirs_cmd = [
            sys.executable, str(HERE / "nervaluate_score.py"), str(root / "gold"),
            str(root / "pred.jsonl"),
        ]  # fmt: skip

        def run(cmd: list[str]) -> str:
            return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

        t_nv, out_nv = best_of(lambda: run(theirs_cmd), max(1, repeat // 3))
        t_0, out_0 = best_of(lambda: run([*ours_cmd, "--bootstrap", "0"]), repeat)
        t_b, _ = best_of(lambda: run(ours_cmd), repeat)
        check_same(json.loads(out_0)["overall"], json.loads(out_nv))  # type: ignore[arg-type]
        n = corpus.n_spans
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"files   docs={docs} slots/doc={slots} spans={n} on disk={size / 1e6:.1f} MB")
        print(f"  nervaluate script   {t_nv:8.3f} s  {n / t_nv:12,.0f} spans/s")
        print(f"  bench score         {t_0:8.3f} s  {n / t_0:12,.0f} spans/s  x{t_nv / t_0:.1f}")
        print(f"  bench score (CIs)   {t_b:8.3f} s  {n / t_b:12,.0f} spans/s  x{t_nv / t_b:.1f}")
        print("  counts identical: yes")


def single(n_gold: int, repeat: int, nervaluate_max: int) -> None:
    from nervaluate import Evaluator

    # 3 slots in 4 hold a gold span (and 3 in 4 a prediction).
    for target in sorted({n_gold // 4, n_gold // 2, n_gold}):
        rng = np.random.default_rng(0)
        (g, text), p = random_document(rng, "big", target * 4 // 3)
        gold, preds = {"big": (g, text)}, {"big": p}
        t_0, rep = best_of(lambda: score(gold, preds, bootstrap=0), repeat)  # noqa: B023
        t_b, _ = best_of(lambda: score(gold, preds, bootstrap=1000), repeat)  # noqa: B023
        line = f"single  gold={len(g.spans)} pred={len(p)}  bench {t_0:.3f} s (1000 boot {t_b:.3f} s)"
        print(line)
        del rep
    size = 1000
    while size <= nervaluate_max:
        rng = np.random.default_rng(0)
        (g, _), p = random_document(rng, "big", size * 4 // 3)
        true, pred = nervaluate_input([g.spans]), nervaluate_input([p])
        t_nv, _ = best_of(
            lambda: Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate(),  # noqa: B023
            1,
        )
        print(f"single  gold={len(g.spans)} pred={len(p)}  nervaluate {t_nv:.3f} s")
        size *= 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=["memory", "files", "single", "all"])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--slots", type=int, default=175, help="slots per document (~3/4 gold)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gold", type=int, default=100_000, help="gold spans in the single document")
    ap.add_argument("--nervaluate-max", type=int, default=8000)
    a = ap.parse_args()
    if a.what in ("memory", "all"):
        memory(a.docs, a.slots, a.repeat)
    if a.what in ("files", "all"):
        files(a.docs, a.slots, a.repeat)
    if a.what in ("single", "all"):
        single(a.gold, a.repeat, a.nervaluate_max)


if __name__ == "__main__":
    main()
