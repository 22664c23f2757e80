"""Peak memory of a streamed run does not grow with the corpus: 1,000 vs 100,000 documents.

For each size, generate the synthetic corpus (``bench corpus generate``, JSON Lines), then run
``bench run --system rules --option values=false --corpus FILE --no-cache`` in a fresh
process and read the peak RSS it recorded (``throughput.peak_rss_mb``, getrusage of the run's
own process: interpreter, system, harness). The check passes when the largest is within
``--ratio`` (default 1.2) of the smallest.

    python benchmarks/corpus_memory.py                    # 1,000 and 100,000 documents
    python benchmarks/corpus_memory.py --docs 1000 --docs 10000 --workers 2

``values=false``: the rules system's value normaliser cost ~27 ms a document here (before
the fast normalizer of issue 17), which
would make 100,000 documents a 45-minute run; the extraction itself is what is streamed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def bench(*args: str) -> None:
    """Run the bench CLI of this interpreter; stop on failure."""
    subprocess.run([sys.executable, "-m", "bench", *args], check=True)


def measure(n_docs: int, workdir: Path, workers: int, bootstrap: int) -> dict[str, float]:
    """Generate ``n_docs`` documents, stream them through the rules system, return figures."""
    corpus = workdir / f"corpus-{n_docs}.jsonl"
    if not corpus.exists():
        bench("corpus", "generate", str(corpus), "--docs", str(n_docs), "--seed", "0")
    out = workdir / f"out-{n_docs}-{workers}"
    t0 = time.perf_counter()
    bench(
        "run", "--system", "rules", "--option", "values=false", "--corpus", str(corpus),
        "--out", str(out), "--no-cache", "--no-report", "--quiet", "--allow-failures",
        "--workers", str(workers), "--bootstrap", str(bootstrap),
    )  # fmt: skip
    wall = time.perf_counter() - t0
    result = json.loads((out / "rules.json").read_text(encoding="utf-8"))
    t = result["throughput"]
    return {
        "docs": n_docs,
        "peak_rss_mb": t["peak_rss_mb"],
        "peak_rss_children_mb": t["peak_rss_children_mb"] or 0.0,
        "seconds": t["seconds"]["median"],
        "docs_per_second": t["docs_per_second"]["median"],
        "command_seconds": round(wall, 1),
    }


def main() -> int:
    """Measure each size, print a table, exit 1 when memory grew beyond the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, action="append", help="corpus sizes (repeatable)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--ratio", type=float, default=1.2)
    ap.add_argument("--workdir", type=Path, default=None, help="keep corpora here")
    args = ap.parse_args()
    sizes = args.docs or [1000, 100_000]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        rows = [measure(n, workdir, args.workers, args.bootstrap) for n in sizes]
    print("| documents | peak RSS (MiB) | largest child (MiB) | seconds | docs/s |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['docs']:,} | {r['peak_rss_mb']:.1f} | {r['peak_rss_children_mb']:.1f} "
            f"| {r['seconds']:.1f} | {r['docs_per_second']:,.0f} |"
        )
    base = rows[0]["peak_rss_mb"] + rows[0]["peak_rss_children_mb"]
    worst = max(r["peak_rss_mb"] + r["peak_rss_children_mb"] for r in rows)
    ratio = worst / base
    print(f"largest / smallest peak RSS: {ratio:.3f} (limit {args.ratio})")
    return 0 if ratio <= args.ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
