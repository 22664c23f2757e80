"""Speed of ``bench.scoring.engine`` against nervaluate on the same random inputs (issue 5, item 9).

    python benchmarks/bench_scoring.py memory   # spans in memory -> full report
    python benchmarks/bench_scoring.py files    # files on disk -> report, process start included
    python benchmarks/bench_scoring.py single   # one document, 100,000 gold + 100,000 predicted
    python benchmarks/bench_scoring.py stages   # where the time of `bench score` goes
    python benchmarks/bench_scoring.py all

Inputs come from ``bench.corpus.synthetic`` in the one-to-one regime (every prediction overlaps at
most one gold span and vice versa), where both tools must give identical counts; each run
checks that they do. Times are the best of ``--repeat`` runs (wall clock; nervaluate, much
slower, runs ``--repeat // 3`` times, at least once).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench import scoring
from bench.corpus.gold import dump_gold, write_atomic
from bench.corpus.predictions import write_predictions
from bench.corpus.synthetic import random_corpus, random_document
from bench.schema import ALL_LABELS
from bench.scoring.engine import score

HERE = Path(__file__).resolve().parent
NERVALUATE_MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious")


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Best wall-clock and best CPU seconds (this process and its children) of ``repeat`` runs.

    CPU time is the steadier figure on a machine shared with other work.
    """
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        cpus.append(time.process_time() - c0 + child)
    return min(walls), min(cpus), out


def report(name: str, n: int, wall: float, cpu: float, base: tuple[float, float] | None) -> None:
    ratio = f"  x{base[0] / wall:5.1f} wall  x{base[1] / cpu:5.1f} cpu" if base else ""
    print(f"  {name:<20}{wall:8.3f} s wall {cpu:8.3f} s cpu {n / cpu:12,.0f} spans/cpu-s{ratio}")


def nervaluate_input(spans_by_doc: list[list]) -> list[list[dict]]:
    """nervaluate's dict format; its ends are inclusive."""
    return [
        [{"label": s.label, "start": s.start, "end": s.end - 1} for s in doc]
        for doc in spans_by_doc
    ]


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
    # Neither tool should pay for the collector walking the inputs built above.
    gc.collect()
    gc.freeze()

    def theirs() -> dict:
        return Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate()["overall"]

    w_nv, c_nv, res_nv = best_of(theirs, max(1, repeat // 3))
    w_0, c_0, rep0 = best_of(lambda: score(corpus.gold, corpus.predictions, bootstrap=0), repeat)
    w_b, c_b, _ = best_of(lambda: score(corpus.gold, corpus.predictions, bootstrap=1000), repeat)
    ours = rep0.model_dump()["overall"]  # type: ignore[attr-defined]
    check_same(ours, {k: vars(v) for k, v in res_nv.items()})  # type: ignore[union-attr]

    # The stages of score() without CIs (private functions: this is their benchmark), with
    # the collector paused as score() pauses it.
    def paused(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            with scoring.paused_gc():
                return fn()

        return run

    layers, unit = scoring.LAYERS, scoring.choose_unit(docs)
    _, c_cols, (table, cols, present) = best_of(  # type: ignore[misc]
        paused(lambda: scoring._model_tables(corpus.gold, corpus.predictions)), repeat
    )
    _, c_align, tallies = best_of(
        paused(lambda: scoring._collect(table, cols, present, layers, unit, True)), repeat
    )
    sig = scoring.Signature(tallies.digest, docs, layers, True, unit, 0, 0)  # type: ignore[attr-defined]
    _, c_rep, _ = best_of(paused(lambda: scoring._report(tallies, sig, 0, 0)), repeat)  # type: ignore[arg-type]
    gold_per_doc = sum(len(g.spans) for g, _ in corpus.gold.values()) / docs
    print(f"memory  docs={docs} slots/doc={slots} gold/doc={gold_per_doc:.0f} spans={n}")
    report("nervaluate", n, w_nv, c_nv, None)
    report("bench (no CIs)", n, w_0, c_0, (w_nv, c_nv))
    report("bench (1000 boot)", n, w_b, c_b, (w_nv, c_nv))
    print(
        f"  bench stages (cpu): objects to columns {c_cols:.3f} s, alignment and counts "
        f"{c_align:.3f} s, report {c_rep:.3f} s"
    )
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

        w_nv, c_nv, out_nv = best_of(lambda: run(theirs_cmd), max(1, repeat // 3))
        w_0, c_0, out_0 = best_of(lambda: run([*ours_cmd, "--bootstrap", "0"]), repeat)
        w_b, c_b, _ = best_of(lambda: run(ours_cmd), repeat)
        check_same(json.loads(out_0)["overall"], json.loads(out_nv))  # type: ignore[arg-type]
        n = corpus.n_spans
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        gold_per_doc = sum(len(g.spans) for g, _ in corpus.gold.values()) / docs
        print(
            f"files   docs={docs} slots/doc={slots} gold/doc={gold_per_doc:.0f} spans={n} "
            f"on disk={size / 1e6:.1f} MB"
        )
        report("nervaluate script", n, w_nv, c_nv, None)
        report("bench score", n, w_0, c_0, (w_nv, c_nv))
        report("bench score (CIs)", n, w_b, c_b, (w_nv, c_nv))
        print("  counts identical: yes")


STAGES = """
import sys, time
start = time.process_time()  # the interpreter's start
from pathlib import Path
import bench.cli
from bench import scoring
from bench.corpus.gold import load_gold_dir, load_gold_table
from bench.corpus.predictions import read_prediction_columns, read_predictions
imports = time.process_time()
gold, texts, pred = (Path(x) for x in sys.argv[1:4])
t = [time.process_time()]
table = load_gold_table(gold, texts)
t.append(time.process_time())
cols, present = read_prediction_columns(pred, table.doc_ids, table.texts)
t.append(time.process_time())
report = scoring._score(
    table, cols, present, scoring.LAYERS, "document", bootstrap=0, seed=0, ignore=True
)
t.append(time.process_time())
report.to_json()
t.append(time.process_time())
with scoring.paused_gc(freeze=True):  # as the command did before it read columns
    models = load_gold_dir(gold, texts)
    t.append(time.process_time())
    preds = read_predictions(pred, {d: text for d, (_, text) in models.items()})
    t.append(time.process_time())
    scoring.score(models, preds, bootstrap=0)
    t.append(time.process_time())
d = [b - a for a, b in zip(t, t[1:])]
print(f"  interpreter start {start:.3f} s cpu, imports of bench {imports - start:.3f}")
print(f"  columns: gold {d[0]:.3f}, predictions {d[1]:.3f}, scoring {d[2]:.3f}, JSON {d[3]:.3f}")
print(f"  objects: load_gold_dir {d[4]:.3f}, read_predictions {d[5]:.3f}, score() {d[6]:.3f}")
"""


def stages(docs: int, slots: int, repeat: int, seed: int = 0) -> None:
    """CPU seconds of each stage of ``bench score`` from files (best of ``repeat`` runs
    of each stage, each run in a fresh process), with columns and, for comparison, with
    a pydantic object per span as ``load_gold_dir`` and ``read_predictions`` give them."""
    corpus = random_corpus(docs, slots, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for doc_id, (g, text) in corpus.gold.items():
            write_atomic(root / "gold" / f"{doc_id}.json", dump_gold(g))
            write_atomic(root / "texts" / f"{doc_id}.txt", text)
        write_predictions(root / "pred.jsonl", corpus.predictions)
        args = [str(root / "gold"), str(root / "texts"), str(root / "pred.jsonl")]
        runs = []
        for _ in range(repeat):
            out = subprocess.run(
                [sys.executable, "-c", STAGES, *args], check=True, capture_output=True, text=True
            ).stdout
            runs.append(out.splitlines())
        gold_per_doc = sum(len(g.spans) for g, _ in corpus.gold.values()) / docs
        print(f"stages  docs={docs} slots/doc={slots} gold/doc={gold_per_doc:.0f}")
        # Best of the runs, figure by figure.
        for k, line in enumerate(runs[0]):
            nums = [[float(x) for x in re.findall(r"\d+\.\d+", r[k])] for r in runs]
            best = [min(col) for col in zip(*nums, strict=True)]
            it = iter(best)
            print(re.sub(r"\d+\.\d+", lambda _: f"{next(it):.3f}", line))  # noqa: B023


def single(n_gold: int, repeat: int, nervaluate_max: int) -> None:
    from nervaluate import Evaluator

    # 3 slots in 4 hold a gold span (and 3 in 4 a prediction).
    for target in sorted({n_gold // 4, n_gold // 2, n_gold}):
        rng = np.random.default_rng(0)
        (g, text), p = random_document(rng, "big", target * 4 // 3)
        gold, preds = {"big": (g, text)}, {"big": p}
        w_0, c_0, _ = best_of(lambda: score(gold, preds, bootstrap=0), repeat)  # noqa: B023
        w_b, c_b, _ = best_of(lambda: score(gold, preds, bootstrap=1000), repeat)  # noqa: B023
        print(
            f"single  gold={len(g.spans)} pred={len(p)}  bench {w_0:.3f} s wall {c_0:.3f} s cpu"
            f" (1000 boot: {w_b:.3f} s wall {c_b:.3f} s cpu)"
        )
    size = 1000
    while size <= nervaluate_max:
        rng = np.random.default_rng(0)
        (g, _), p = random_document(rng, "big", size * 4 // 3)
        true, pred = nervaluate_input([g.spans]), nervaluate_input([p])
        w_nv, c_nv, _ = best_of(
            lambda: Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate(),  # noqa: B023
            1,
        )
        print(
            f"single  gold={len(g.spans)} pred={len(p)}  nervaluate {w_nv:.3f} s wall"
            f" {c_nv:.3f} s cpu"
        )
        size *= 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=["memory", "files", "single", "stages", "all"])
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
    if a.what in ("stages", "all"):
        stages(a.docs, a.slots, a.repeat)


if __name__ == "__main__":
    main()
