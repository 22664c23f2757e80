"""Streamed runs (``bench run --corpus``): same scores as a seeds run, batch-independent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.corpus.gold import load_gold_dir
from bench.corpus.stream import open_corpus, synthetic_documents, write_jsonl
from bench.registry import create_system
from bench.run.cache import PredictionCache
from bench.run.driver import run_corpus, run_system
from bench.run.executor import SystemSpec
from bench.run.layout import write_run
from bench.run.timing import RunSettings
from bench.scoring.streaming import StreamingScorer

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
TOY = "toy_system:ToySystem"


def toy(**options: str):
    return create_system(TOY, options), SystemSpec(TOY, tuple(sorted(options.items())))


def stream(corpus: Path, out: Path, **kw):
    system, spec = toy()
    return run_corpus(system, spec, open_corpus(corpus), out, **kw)


def test_streamed_run_of_the_seeds_scores_like_a_seeds_run(tmp_path: Path) -> None:
    gold = load_gold_dir(GOLD, SEEDS)
    seeds = run_system(toy()[0], gold, RunSettings(repeats=1, warmup=0), bootstrap=0)
    write_run(seeds, tmp_path / "seeds")
    out = stream(ROOT, tmp_path / "stream", bootstrap=0, batch_size=2)
    a, b = seeds.result.metrics, out.result.metrics
    for field in ("overall", "by_layer", "by_label", "values", "documents", "ignored_predictions"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.macro.by_label == b.macro.by_label
    # The macro average over documents: the same numbers, summed in another order.
    for mode in ("strict", "exact", "partial", "type"):
        x, y = getattr(a.macro.by_doc, mode), getattr(b.macro.by_doc, mode)
        assert x.classes == y.classes
        assert x.f1 == pytest.approx(y.f1, rel=1e-12)
    assert b.by_doc == {}
    # Directory corpora stream in id order: the same predictions file, byte for byte, and
    # the same gold hash.
    name = "predictions/toy.jsonl"
    assert (tmp_path / "stream" / name).read_bytes() == (tmp_path / "seeds" / name).read_bytes()
    assert out.result.gold.sha256 == seeds.result.gold.sha256
    assert out.result.gold.spans == seeds.result.gold.spans


def test_batching_does_not_change_the_report(tmp_path: Path) -> None:
    docs = list(synthetic_documents(40, seed=3))
    reports = []
    for size in (1, 7, 40):
        scorer = StreamingScorer(bootstrap=50, seed=1)
        for i in range(0, len(docs), size):
            part = docs[i : i + size]
            preds = {d.doc_id: [s for s in d.gold.spans if s.label != "DATE"] for d in part}
            scorer.add(part, preds)
        reports.append(scorer.report().to_json())
    assert reports[0] == reports[1] == reports[2]
    data = json.loads(reports[0])
    assert data["ci"]["method"] == "percentile Poisson bootstrap"
    assert data["overall"]["strict"]["recall"] < 1.0
    low, high = data["ci"]["overall"]["strict"]["recall"].values()
    assert low < data["overall"]["strict"]["recall"] < high


def test_streamed_run_from_jsonl_with_cache_and_failures(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    write_jsonl(synthetic_documents(30, seed=0), corpus)
    cache = PredictionCache(tmp_path / "cache")
    system, spec = toy(fail_on="news0000007")  # ids are not in texts: fail on no document
    first = run_corpus(
        system, spec, open_corpus(corpus), tmp_path / "out", cache=cache, batch_size=8, bootstrap=20
    )
    assert (first.batches, first.reused) == (4, 0)
    assert not first.result.throughput.cached
    again = run_corpus(
        *toy(fail_on="news0000007"),
        open_corpus(corpus),
        tmp_path / "again",
        cache=cache,
        batch_size=8,
        bootstrap=20,
    )
    assert again.reused == 4 and again.result.throughput.cached
    assert again.result.metrics == first.result.metrics
    # A document that fails is recorded, predicts nothing, and keeps its batch out of the cache.
    text = next(synthetic_documents(1, seed=0)).text
    word = text.split()[3]
    system, spec = toy(fail_on=word)
    failing = run_corpus(
        system, spec, open_corpus(corpus), tmp_path / "f", cache=cache, batch_size=8, bootstrap=0
    )
    assert failing.result.failures and failing.result.failures[0].doc_id == "news0000000"
    assert failing.result.metrics.missing_predictions[0] == "news0000000"
    lines = (tmp_path / "f" / "predictions" / "toy.jsonl").read_text().splitlines()
    assert len(lines) == 30 and '"error"' in lines[0]


def test_ctrl_c_keeps_earlier_files_and_a_rerun_resumes(tmp_path: Path) -> None:
    """A real ``bench run`` interrupted with SIGINT midway, then run again."""
    import os
    import signal
    import subprocess
    import time

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("BENCH_CACHE_DIR", None)
    small, big, out = tmp_path / "small.jsonl", tmp_path / "big.jsonl", tmp_path / "out"
    write_jsonl(synthetic_documents(20, seed=1), small)
    write_jsonl(synthetic_documents(300, seed=2), big)
    args = [sys.executable, "-m", "bench", "run", "-s", TOY, "-o", "delay=0.01", "--out",
            str(out), "--batch-size", "10", "--bootstrap", "20", "--no-report", "-q"]  # fmt: skip
    done = subprocess.run([*args, "--corpus", str(small)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    before = {p: p.read_bytes() for p in (out / "toy.json", out / "predictions" / "toy.jsonl")}

    proc = subprocess.Popen(
        [*args, "--corpus", str(big)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    batches = out / ".cache" / "toy" / "batches"
    deadline = time.monotonic() + 60
    while len(list(batches.glob("*.json"))) < 24 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    cached = len(list(batches.glob("*.json"))) - 2  # the small corpus's 2 batches
    assert proc.returncode == 130, err
    assert err.decode().count("\n") == 1 and "interrupted after" in err.decode()
    assert 20 <= cached < 30  # midway: some batches done, not all
    # Earlier results as they were, no temporary file anywhere.
    assert {p: p.read_bytes() for p in before} == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]

    again = subprocess.run([*args, "--corpus", str(big)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"30 batches (in process), {cached} from the cache" in again.stdout
    lines = (out / "predictions" / "toy.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300
    assert json.loads((out / "toy.json").read_text())["throughput"]["cached"] is True


def test_streamed_progress_bar_has_the_real_total(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "c.jsonl"
    write_jsonl(synthetic_documents(30, seed=0), corpus)
    with corpus.open("a", encoding="utf-8") as fh:
        fh.write("\n  \n")  # blank lines are no documents
    assert open_corpus(corpus).count() == 30
    stream(corpus, tmp_path / "out", batch_size=8, bootstrap=0, progress=True)
    err = capfd.readouterr().err
    assert "streamed pass: documents" in err and "30/30" in err and "/0" not in err


def test_open_bar_when_the_total_is_unknown(capfd: pytest.CaptureFixture[str]) -> None:
    from bench.run.timing import Progress

    bar = Progress(enabled=True)
    bar.start("streamed pass: documents", None)
    bar.advance(300)
    bar.close()
    err = capfd.readouterr().err
    assert "streamed pass: documents" in err and "300" in err and "300/" not in err
