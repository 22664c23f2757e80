"""The harness's own overhead: words/s reported by ``bench run --system spacy`` vs raw ``nlp.pipe``.

In one process, alternating rounds (ABAB then BABA, so drift in machine load hits both):

* harness: ``bench run --system spacy --no-cache --no-report`` through the real CLI
  (typer, in-process), reading words/s (median of the timed repeats) from the result file;
* raw: ``spacy.load`` with the same model and excluded components, one warm-up pass, then
  the same number of timed passes of ``list(nlp.pipe(texts, batch_size=...))`` over the same
  texts; words/s = words (``str.split``, as bench counts) / median pass time.

``--option values=false`` gives the spaCy system exactly the work of raw ``nlp.pipe`` (NER,
no value normalisation); that is the like-for-like comparison. ``--option values=true`` (the
default) adds the system's value normalisation, which is the system's work, not the
harness's; it is reported too. Run from the repository root:

    python benchmarks/run_overhead.py --rounds 5 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def raw_words_per_second(
    texts: list[str], words: int, model: str, exclude: list[str], batch: int, repeats: int
) -> float:
    """Median words/s of ``nlp.pipe`` over ``texts`` after one warm-up pass."""
    import spacy

    nlp = spacy.load(model, exclude=exclude)
    list(nlp.pipe(texts, batch_size=batch))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        list(nlp.pipe(texts, batch_size=batch))
        times.append(time.perf_counter() - t0)
    return words / statistics.median(times)


def harness_words_per_second(options: list[str], repeats: int, gold: str, texts: str) -> float:
    """Words/s that ``bench run --system spacy`` writes into its result file."""
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
        data = json.loads((Path(out) / "spacy.json").read_text(encoding="utf-8"))
    return float(data["throughput"]["words_per_second"]["median"])


def main() -> None:
    """Measure both sides for each setting and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--gold", default="gold")
    p.add_argument("--texts", default="seeds")
    p.add_argument("--values", choices=["false", "true", "both"], default="both")
    p.add_argument(
        "--check", type=float, default=None, help="exit 1 if values=false is off by more"
    )
    args = p.parse_args()

    from bench.corpus import load_gold_dir, word_count
    from bench.systems import create_system

    gold = load_gold_dir(Path(args.gold), Path(args.texts))
    texts = [text for _, (_, text) in sorted(gold.items())]
    words = sum(word_count(t) for t in texts)
    settings = ["false", "true"] if args.values == "both" else [args.values]
    worst = 0.0
    for values in settings:
        options = [f"values={values}"]
        sys_ = create_system("spacy", {"values": values})
        params = sys_.params  # type: ignore[attr-defined]
        exclude = [c.strip() for c in params["exclude"].split(",") if c.strip()]
        harness, raw = [], []
        for r in range(args.rounds):
            order = ("h", "r") if r % 2 == 0 else ("r", "h")
            for side in order:
                if side == "h":
                    harness.append(
                        harness_words_per_second(options, args.repeats, args.gold, args.texts)
                    )
                else:
                    raw.append(
                        raw_words_per_second(
                            texts, words, params["model"], exclude, params["batch_size"],
                            args.repeats,
                        )
                    )  # fmt: skip
        h, w = statistics.median(harness), statistics.median(raw)
        ratio = h / w
        print(
            f"values={values}: {len(texts)} docs, {words} words, {args.rounds} rounds x "
            f"{args.repeats} repeats, batch_size={params['batch_size']}, model={params['model']}"
        )
        print(f"  bench run words/s per round: {', '.join(f'{x:,.0f}' for x in harness)}")
        print(f"  raw nlp.pipe words/s per round: {', '.join(f'{x:,.0f}' for x in raw)}")
        print(
            f"  median bench run {h:,.0f} words/s, raw nlp.pipe {w:,.0f} words/s, "
            f"ratio {ratio:.3f} ({100 * (ratio - 1):+.1f}%)"
        )
        if values == "false":
            worst = abs(ratio - 1)
    if args.check is not None and worst > args.check:
        raise SystemExit(f"harness differs from raw nlp.pipe by {100 * worst:.1f}%")


if __name__ == "__main__":
    main()
