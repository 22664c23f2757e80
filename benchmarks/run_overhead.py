"""The harness's own overhead: words/s reported by ``bench run --system spacy`` vs raw ``nlp.pipe``.

In one process, in alternating rounds (harness first in even rounds, raw first in odd ones):

* harness: ``bench run --system spacy --no-cache --no-report`` through the real CLI
  (typer, in-process), reading from the result file the words/s it reports (median over the
  timed repeats) and the median CPU time of its passes;
* raw: ``spacy.load`` with the same model and excluded components, one warm-up pass, then
  the same number of timed passes of ``list(nlp.pipe(texts, batch_size=...))`` over the same
  texts; words/s = words (``str.split``, as bench counts) / median pass time, and the same
  from the median CPU time (``time.process_time``).

Each round's harness and raw figures are measured back to back and compared as a ratio; the
median of the per-round ratios is the result. On a machine shared with other work the wall
times swing with the load, the CPU times much less, so both are printed.

``--option values=false`` gives the spaCy system exactly the work of raw ``nlp.pipe`` (NER,
no value normalisation) plus building spans: the like-for-like comparison. The default
``values=true`` adds the system's value normalisation, its own work, not the harness's; it is
reported too. Run from the repository root:

    python benchmarks/run_overhead.py --rounds 8 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def raw_rates(
    texts: list[str], words: int, model: str, exclude: list[str], batch: int, repeats: int
) -> tuple[float, float]:
    """(wall, CPU) words/s of ``nlp.pipe`` over ``texts``: medians after one warm-up pass."""
    import spacy

    nlp = spacy.load(model, exclude=exclude)
    list(nlp.pipe(texts, batch_size=batch))
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        list(nlp.pipe(texts, batch_size=batch))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return words / statistics.median(wall), words / statistics.median(cpu)


def harness_rates(
    options: list[str], repeats: int, gold: str, texts: str, words: int
) -> tuple[float, float]:
    """(wall, CPU) words/s of ``bench run --system spacy``, as its result file gives them."""
    from typer.testing import CliRunner

    from bench.cli import app

    with tempfile.TemporaryDirectory() as out:
        args = ["run", "--system", "spacy", "--no-cache", "--no-report", "--out", out]
        args += ["--gold", gold, "--texts", texts, "--repeats", str(repeats), "--warmup", "1"]
        for opt in options:
            args += ["--option", opt]
        res = CliRunner().invoke(app, args, catch_exceptions=False)
        if res.exit_code != 0:
            raise SystemExit(f"bench run failed ({res.exit_code}): {res.output}")
        t = json.loads((Path(out) / "spacy.json").read_text(encoding="utf-8"))["throughput"]
    return float(t["words_per_second"]["median"]), words / statistics.median(t["pass_cpu_seconds"])


def _fmt(xs: list[float], spec: str) -> str:
    return ", ".join(format(x, spec) for x in xs)


def main() -> None:
    """Measure both sides for each setting and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--gold", default="gold")
    p.add_argument("--texts", default="seeds")
    p.add_argument("--values", choices=["false", "true", "both"], default="both")
    p.add_argument(
        "--check", type=float, default=None, help="exit 1 if values=false differs by more"
    )
    args = p.parse_args()

    from bench.corpus.gold import load_gold_dir, word_count
    from bench.registry import create_system

    gold = load_gold_dir(Path(args.gold), Path(args.texts))
    texts = [text for _, (_, text) in sorted(gold.items())]
    words = sum(word_count(t) for t in texts)
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    worst = 0.0
    for values in ["false", "true"] if args.values == "both" else [args.values]:
        sys_ = create_system("spacy", {"values": values})
        params = sys_.params  # type: ignore[attr-defined]
        exclude = [c.strip() for c in params["exclude"].split(",") if c.strip()]
        harness: list[tuple[float, float]] = []
        raw: list[tuple[float, float]] = []
        for r in range(args.rounds):
            for side in ("h", "r") if r % 2 == 0 else ("r", "h"):
                if side == "h":
                    harness.append(
                        harness_rates(
                            [f"values={values}"], args.repeats, args.gold, args.texts, words
                        )
                    )
                else:
                    raw.append(
                        raw_rates(texts, words, params["model"], exclude, params["batch_size"],
                                  args.repeats)
                    )  # fmt: skip
        print(
            f"values={values}: {len(texts)} docs, {words} words, {args.rounds} rounds x "
            f"{args.repeats} repeats, batch_size={params['batch_size']}, model={params['model']}"
        )
        for k, name in ((0, "wall"), (1, "CPU")):
            hs, ws = [h[k] for h in harness], [w[k] for w in raw]
            ratios = [h / w for h, w in zip(hs, ws, strict=True)]
            ratio = statistics.median(ratios)
            print(f"  {name} words/s, bench run:    {_fmt(hs, ',.0f')}")
            print(f"  {name} words/s, raw nlp.pipe: {_fmt(ws, ',.0f')}")
            print(f"  {name} ratio per round:       {_fmt(ratios, '.3f')}")
            print(
                f"  {name}: median bench run {statistics.median(hs):,.0f}, raw "
                f"{statistics.median(ws):,.0f} words/s; median per-round ratio {ratio:.3f} "
                f"({100 * (ratio - 1):+.1f}%)"
            )
            if values == "false" and k == 0:
                worst = abs(ratio - 1)
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.check is not None and worst > args.check:
        raise SystemExit(f"bench run differs from raw nlp.pipe by {100 * worst:.1f}%")


if __name__ == "__main__":
    main()
