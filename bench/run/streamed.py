"""A run over a streamed corpus (``bench run --corpus PATH``), in memory bounded by a few batches.

The corpus (:mod:`bench.corpus.stream`) is read a batch at a time; each batch is taken from the
batch cache or sent to an executor (:mod:`bench.run.executor`: in process, worker processes or a
Dask cluster); outcomes are consumed in submission order, so the output is the same whatever
ran them: each batch's predictions are appended to the predictions file (written under a
temporary name, renamed with the result at the end as one unit: :mod:`bench.runfiles`),
counted by a :class:`~bench.scoring.engine.StreamingScorer`,
and, when no document failed, stored in the cache. An interrupted run leaves the previous
files as they were and the finished batches in the cache, where a rerun picks them up.
What differs from a seeds run is in docs/scale.md, "Streamed runs".
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.corpus.digest import GoldDigest
from bench.corpus.document import Document
from bench.corpus.stream import Corpus
from bench.errors import BenchError
from bench.files import locked, open_temporary, write_temporary
from bench.protocol import System
from bench.run.batch import BatchTotals, Scoring, batch_totals
from bench.run.cache import BatchEntry, PredictionCache, cache_key, code_digest, records_digest
from bench.run.environment import capture
from bench.run.executor import BatchJob, BatchOutcome, Handle, Ready, SystemSpec, make_executor
from bench.run.extract import check_batch_size
from bench.run.layout import check_label, predictions_path, result_path
from bench.run.pipeline import now, run_layers, system_record
from bench.run.result import FailureRecord, GoldRecord, Result
from bench.run.timing import Progress, make_throughput, peak_rss_mb
from bench.runfiles import commit_pair
from bench.schema import LabelMapSpec

IN_FLIGHT_PER_WORKER = 2  # batches queued per worker: enough to keep it busy, no more


@dataclass
class CorpusRunOutput:
    """What a streamed run produced: the result, where it was written, what was reused."""

    result: Result
    result_path: Path
    predictions_path: Path
    batches: int
    reused: int  # batches taken from the cache
    executor: str


@dataclass
class _Pending:
    batch: list[Document]
    key: str
    handle: Handle
    cached: bool
    first: int  # index in the corpus of the batch's first document


class _Totals:
    """Running figures of the run other than the scores."""

    def __init__(self) -> None:
        self.gold_sha = GoldDigest()
        self.spans = 0
        self.words = 0
        self.chars = 0
        self.failures: list[FailureRecord] = []
        self.load_seconds: float | None = None
        self.versions: dict[str, str] = {}
        self.batches = 0
        self.reused = 0

    def add(self, t: BatchTotals) -> None:
        # In corpus order (sorted id order for a directory), as gold_sha256 does in memory.
        self.gold_sha.update(t.gold_hash)
        self.spans += t.spans
        self.words += t.words
        self.chars += t.chars
        self.failures.extend(FailureRecord(doc_id=d, error=e) for d, e in t.failures)


def run_corpus(
    system: System,
    spec: SystemSpec,
    corpus: Corpus,
    out_dir: Path,
    *,
    label: str | None = None,
    batch_size: int = 64,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    cache: PredictionCache | None = None,
    progress: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
    tokens: bool = False,
    layers: Sequence[str] | None = None,
    label_map: LabelMapSpec | None = None,
) -> CorpusRunOutput:
    """Stream ``corpus`` through ``system`` (built from ``spec`` wherever it runs), score it
    with the corpus's label set on ``layers`` (:func:`~bench.run.pipeline.run_layers`), the
    predictions mapped by ``label_map`` first, and write ``<out>/<label>.json`` and
    ``<out>/predictions/<label>.jsonl`` (mapped labels) atomically. ``tokens`` scores in token
    mode (every document of the corpus must record tokens)."""
    label = check_label(label or system.info.name)
    check_batch_size(batch_size)
    info = system.info
    code = code_digest(system)
    label_set = corpus.label_set()
    scored = run_layers(system, label_set, layers)
    scoring = Scoring(
        tuple(scored), bootstrap, seed, tokens=tokens, label_set=label_set, label_map=label_map
    )
    scorer = scoring.scorer()
    totals = _Totals()
    preds_sha = hashlib.sha256()
    preds_path = predictions_path(out_dir, label)
    measured_at = now()
    bar = Progress(enabled=progress)
    bar.start("streamed pass: documents", corpus.count())  # None: an open bar
    ex = make_executor(executor, system, spec, workers, address)
    in_flight = IN_FLIGHT_PER_WORKER * ex.workers
    t0 = time.perf_counter()
    c0 = _cpu_seconds()
    try:
        with open_temporary(preds_path) as (fh, preds_tmp):

            def finish(p: _Pending) -> None:
                out = p.handle.result()
                if out.load_seconds is not None:
                    totals.load_seconds = max(totals.load_seconds or 0.0, out.load_seconds)
                if out.versions and not totals.versions:
                    totals.versions = out.versions
                if cache is not None and not p.cached and not out.failed:
                    cache.put_batch(
                        BatchEntry(
                            key=p.key,
                            system=info.name,
                            records=out.records,
                            records_sha256=records_digest(out.records),
                            seconds=round(out.seconds, 6),
                            versions=out.versions or totals.versions,
                        )
                    )
                # Scored (labels mapped first) where it was extracted; a batch from the cache
                # is scored here.
                t = out.totals or batch_totals(p.batch, out.records, scoring, p.first, scorer)
                preds_sha.update(t.lines)
                fh.write(t.lines)
                totals.add(t)
                scorer.merge(t.tally)
                totals.batches += 1
                totals.reused += p.cached
                bar.advance(len(p.batch))

            pending: deque[_Pending] = deque()
            first = 0
            for batch in corpus.batches(batch_size):
                inputs = [d.input() for d in batch]
                key = cache_key(info.name, info.version, system.options, code, batch_size, inputs)
                entry = cache.get_batch(info.name, key, inputs) if cache is not None else None
                if entry is not None:
                    outcome = BatchOutcome(entry.records, entry.seconds, versions=entry.versions)
                    pending.append(_Pending(batch, key, Ready(outcome), True, first))
                else:
                    job = BatchJob(batch, scoring, first, keep_records=cache is not None)
                    pending.append(_Pending(batch, key, ex.submit(job), False, first))
                first += len(batch)
                while len(pending) > in_flight:
                    finish(pending.popleft())
            while pending:
                finish(pending.popleft())
            seconds = time.perf_counter() - t0
            cpu_seconds = _cpu_seconds() - c0
    except KeyboardInterrupt:
        raise BenchError(
            f"interrupted after {totals.batches} batches; {preds_path} and the result were "
            "left as they were; the finished batches are cached: rerun the same command to "
            "resume",
            exit_code=130,
        ) from None
    finally:
        bar.close()
        ex.close()
    try:
        report = scorer.report()
        # One pass over the stream: no warm-up, no repeats, no latency pass (docs/scale.md).
        throughput = make_throughput(
            pass_seconds=[seconds],
            pass_cpu_seconds=[cpu_seconds],
            docs=scorer.documents,
            words=totals.words,
            chars=totals.chars,
            repeats=1,
            warmup=0,
            batch_size=batch_size,
            load_seconds=totals.load_seconds or 0.0,
            measured_at=measured_at,
            peak_rss=peak_rss_mb(),
        )
        if totals.reused:
            throughput = throughput.model_copy(update={"cached": True})
        versions = totals.versions or dict(getattr(system, "versions", None) or {})
        result = Result(
            system=system_record(system, label, versions),
            gold=GoldRecord(
                signature=report.signature,
                sha256=totals.gold_sha.hexdigest(),
                documents=scorer.documents,
                spans=totals.spans,
            ),
            metrics=report,
            failures=totals.failures,
            predictions_sha256=preds_sha.hexdigest(),
            throughput=throughput,
            environment=capture(info.requires),
            created_at=now(),
        )
        res_path = result_path(out_dir, label)
        res_tmp = write_temporary(res_path, result.to_json())
    except BaseException:
        preds_tmp.unlink(missing_ok=True)
        raise
    with locked(out_dir):
        commit_pair(res_path, res_tmp, preds_path, preds_tmp)
    return CorpusRunOutput(
        result, res_path, preds_path, totals.batches, totals.reused, ex.describe()
    )


def _cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (workers count once they exit)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
