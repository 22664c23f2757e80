"""Executors: worker processes and a Dask cluster give the files a single process gives."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from conftest import NEEDS_RULES

from bench.corpus.stream import open_corpus, synthetic_documents, write_jsonl
from bench.errors import BenchError
from bench.registry import create_system
from bench.run.driver import CorpusRunOutput, run_corpus
from bench.run.executor import SystemSpec, make_executor

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # spawned workers inherit sys.path: toy_system imports
VOLATILE = ("throughput", "environment", "created_at")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "c.jsonl"
    write_jsonl(synthetic_documents(120, seed=5), path)
    return path


def go(corpus: Path, out: Path, spec: str, options: dict[str, str], **kw) -> CorpusRunOutput:
    system = create_system(spec, options)
    return run_corpus(
        system,
        SystemSpec(spec, tuple(sorted(options.items()))),
        open_corpus(corpus),
        out,
        batch_size=16,
        bootstrap=50,
        **kw,
    )


def stable(out: CorpusRunOutput) -> tuple[bytes, dict]:
    data = json.loads(out.result_path.read_text(encoding="utf-8"))
    return out.predictions_path.read_bytes(), {k: v for k, v in data.items() if k not in VOLATILE}


# A failing document must not stop a worker: the toy system raises on a word of doc 3.
FAIL_ON = next(synthetic_documents(1, seed=5, start=3)).text.split()[5]
TOY = ("toy_system:ToySystem", {"fail_on": FAIL_ON})
RULES = ("rules", {"values": "false"})


@pytest.mark.parametrize(
    "system", [TOY, pytest.param(RULES, marks=NEEDS_RULES)], ids=["toy", "rules"]
)
def test_two_processes_give_what_one_gives(corpus: Path, tmp_path: Path, system) -> None:
    one = go(corpus, tmp_path / "one", *system)
    two = go(corpus, tmp_path / "two", *system, workers=2)
    assert two.executor == "2 processes" and one.executor == "in process"
    assert stable(one) == stable(two)
    if system is TOY:
        assert [f.doc_id for f in two.result.failures][:1] == ["news0000003"]
    assert two.result.throughput.load_seconds > 0


def test_dask_local_cluster_gives_what_one_process_gives(corpus: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    one = go(corpus, tmp_path / "one", *TOY)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = go(
            corpus, tmp_path / "dask", *TOY, executor="dask", address=cluster.scheduler_address
        )
        with distributed.Client(cluster) as client:
            # Both workers took part: the work really went to the cluster.
            ran = client.run(
                lambda: len(importlib.import_module("bench.run.executor")._WORKER_SYSTEMS)
            )
    assert remote.executor == "dask, 2 workers"
    assert stable(one) == stable(remote)
    assert remote.result.failures[0].doc_id == "news0000003"
    assert sorted(ran.values()) == [1, 1]


@NEEDS_RULES
def test_bad_executor_options() -> None:
    system = create_system("rules", {})
    spec = SystemSpec("rules")
    with pytest.raises(BenchError, match=r"^workers: "):
        make_executor("local", system, spec, 0, None)
    with pytest.raises(BenchError, match=r"^executor: "):
        make_executor("ray", system, spec, 1, None)
    with pytest.raises(BenchError, match=r"^address: "):
        make_executor("local", system, spec, 1, "tcp://127.0.0.1:1")


def test_worker_batches_from_the_cache_give_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    """Batches scored in workers, then the same batches from the cache scored in the main
    process: the same predictions file and result as one process without a cache."""
    from bench.run.cache import PredictionCache

    toy = ("toy_system:ToySystem", {})
    one = go(corpus, tmp_path / "one", *toy)
    cache = PredictionCache(tmp_path / "cache")
    two = go(corpus, tmp_path / "two", *toy, workers=2, cache=cache)
    again = go(corpus, tmp_path / "again", *toy, workers=2, cache=cache)
    assert (two.reused, again.reused) == (0, again.batches)
    assert stable(one) == stable(two) == stable(again)


@pytest.mark.parametrize("tokens", [False, True], ids=["spans", "tokens"])
def test_tallies_merged_in_order_give_what_add_gives(corpus: Path, tokens: bool) -> None:
    """A batch's tally depends only on the batch and its first index: computed in any order
    (as workers finish), merged in corpus order, the report is add()'s, byte for byte (in
    token mode too, whose digest is a chain over the batches)."""
    import re

    from bench.corpus.document import Document
    from bench.scoring.streaming import StreamingScorer

    system = create_system("toy_system:ToySystem", {})
    system.load()
    docs = list(open_corpus(corpus).documents())
    if tokens:
        docs = [
            Document(
                d.gold.model_copy(
                    update={"tokens": [m.span() for m in re.finditer(r"\w+|[^\w\s]", d.text)]}
                ),
                d.text,
            )
            for d in docs
        ]
    batches = [docs[i : i + 16] for i in range(0, len(docs), 16)]
    preds = []
    for batch in batches:
        recs = system.extract([d.input() for d in batch])
        preds.append({d.doc_id: r for d, r in zip(batch, recs, strict=True)})

    def scorer() -> StreamingScorer:
        return StreamingScorer(bootstrap=30, seed=3, tokens=tokens)

    added = scorer()
    for batch, p in zip(batches, preds, strict=True):
        added.add(batch, p)
    worker, merged = scorer(), scorer()
    tallies = {k: worker.tally(batches[k], preds[k], 16 * k) for k in reversed(range(len(batches)))}
    for k in range(len(batches)):
        merged.merge(tallies[k])
    assert merged.report().to_json() == added.report().to_json()
    assert added.report().ci is not None
    assert ("|tokens:" in added.report().signature) == tokens
