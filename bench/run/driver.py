"""A run: one system over one corpus, giving a result file and a predictions file.

Every run goes through :func:`run_source`: the seeds (``bench run --system X``, and each
system of ``--all-available``) as a small corpus in memory
(:class:`~bench.corpus.stream.MemoryCorpus`, via :func:`run_system`), a streamed corpus
(``bench run --corpus``, :class:`~bench.corpus.stream.Corpus`, via :func:`run_corpus`) alike.
One path does what every run does: check the label, layers and batch size; take the
documents in batches, each extracted through an executor (:mod:`bench.run.executor`) or taken
from the cache (:mod:`bench.run.cache`); map each batch's records by the label map and turn
them into prediction lines, failures, gold-hash pieces and counts (:mod:`bench.run.batch`),
consumed in corpus order; hash the predictions; assemble the
:class:`~bench.run.result.Result`; write ``<out>/<label>.json`` and
``<out>/predictions/<label>.jsonl`` as one unit (:mod:`bench.run.pair`).

What honestly differs between a corpus in memory and a stream is a method, chosen by the
entry point for its source (docs/scale.md, "Streamed runs"):

- :class:`Measured` (in memory): the load timed apart, warm-up passes, timed repeats and a
  latency pass (:func:`bench.run.timing.measure`, through the in-process executor); one cache
  entry for the whole run; scored at the end with :func:`~bench.scoring.engine.score` (the
  sentence bootstrap, per-document rows), as the committed seeds results are.
- :class:`OnePass` (a stream): one timed pass in memory bounded by a few batches, through any
  executor; a cache entry per batch, so an interrupted run resumes; each batch tallied where
  it is extracted by a :class:`~bench.scoring.engine.StreamingScorer` (the document
  bootstrap).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench.corpus.digest import GoldDigest
from bench.corpus.document import Document
from bench.corpus.stream import Corpus, IdSet, MemoryCorpus
from bench.errors import BenchError, ParameterError
from bench.files import locked, open_temporary, write_temporary
from bench.protocol import DocInput, System, describe
from bench.run.batch import BatchTotals, Scoring, WholeScorer, batch_totals
from bench.run.cache import (
    BatchEntry,
    CacheEntry,
    PredictionCache,
    cache_key,
    code_digest,
    documents_of,
    records_digest,
)
from bench.run.environment import Environment, capture
from bench.run.executor import (
    BatchJob,
    BatchOutcome,
    Executor,
    Handle,
    InProcess,
    KeyParts,
    Ready,
    SliceJob,
    SystemSpec,
    make_executor,
)
from bench.run.extract import check_batch_size
from bench.run.layout import check_label, predictions_path, result_path
from bench.run.pair import commit_pair
from bench.run.result import FailureRecord, GoldRecord, Result, RunOutput, SystemRecord, Throughput
from bench.run.timing import (
    Progress,
    RunSettings,
    make_throughput,
    measure,
    peak_rss_mb,
    throughput_of,
)
from bench.schema import LAYERS, LabelMapSpec, LabelSet, Usage
from bench.scoring.options import check_layers

IN_FLIGHT_PER_WORKER = 2  # batches of a stream queued per worker: enough to keep it busy

# What a streamed run returns (the result and where it was written): a RunOutput.
CorpusRunOutput = RunOutput


def now() -> dt.datetime:
    """The current UTC time to the second (what ``created_at`` records)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def system_record(
    system: System, label: str, versions: Mapping[str, str] | None = None
) -> SystemRecord:
    """Name, version, options, layers, label map and library versions of a system.

    ``versions`` replaces what the system reports (known only after ``load()``) when the
    predictions come from the cache and the system was never loaded.
    """
    d = describe(system)
    if versions is not None:
        d["versions"] = dict(sorted(versions.items()))
    return SystemRecord(label=label, layers=list(system.info.layers), **d)  # type: ignore[arg-type]


def run_layers(
    system: System, label_set: LabelSet, layers: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The layers a run scores: ``layers`` when given (each one the system produces and the
    corpus's label set has), else the system's layers that the label set has."""
    info = system.info
    if layers:
        chosen = check_layers(layers, label_set)
        missing = [layer for layer in chosen if layer not in info.layers]
        if missing:
            raise ParameterError(
                "layers",
                f"system {info.name!r} produces no {missing[0]!r} spans "
                f"(its layers: {', '.join(info.layers)})",
            )
        return chosen
    chosen = tuple(x for x in LAYERS if x in info.layers and x in label_set.layers)
    if not chosen:
        raise BenchError(
            f"system {info.name!r} produces none of the layers of the corpus's label set "
            f"{label_set.name!r} ({', '.join(label_set.layers)})"
        )
    return chosen


def usage_of(
    system: System, docs: list[DocInput], throughput: Throughput
) -> tuple[Usage, Throughput]:
    """Tokens and cost of a run: from the system's optional ``usage(doc_ids)`` (and
    ``tokens_per_second(doc_ids)``); zero for a system that reports none."""
    ids = [d.doc_id for d in docs]
    report = getattr(system, "usage", None)
    if not callable(report):
        return Usage.none(len(docs)), throughput
    usage = report(ids)
    if not isinstance(usage, Usage):
        raise BenchError(f"system {system.info.name!r}: usage() returned {type(usage).__name__}")
    rate = getattr(system, "tokens_per_second", None)
    tps = rate(ids) if callable(rate) else None
    return usage, throughput.model_copy(update={"tokens_per_second": tps})


# --- what every run shares ---------------------------------------------------------------------


# What a run reads: a corpus in memory or a stream (both in bench.corpus.stream).
Source = MemoryCorpus | Corpus


@dataclass
class Pending:
    """A batch on its way: its documents, the handle of its outcome, whether it came from the
    cache, the index of its first document, and its cache key when it is to be stored."""

    batch: list[Document]  # empty for a batch read by a worker (its size is ``count``)
    handle: Handle
    cached: bool
    first: int
    store_key: str | None = None
    count: int | None = None

    @property
    def n(self) -> int:
        """How many documents the batch has."""
        return len(self.batch) if self.count is None else self.count


@dataclass
class Totals:
    """Running figures of a run other than the scores, added batch by batch in corpus order."""

    gold_sha: GoldDigest = field(default_factory=GoldDigest)
    documents: int = 0
    spans: int = 0
    words: int = 0
    chars: int = 0
    failures: list[FailureRecord] = field(default_factory=list)
    load_seconds: float | None = None
    versions: dict[str, str] = field(default_factory=dict)
    batches: int = 0
    reused: int = 0

    def add(self, t: BatchTotals) -> None:
        """Add a batch's totals (corpus order: sorted id order for a directory)."""
        self.gold_sha.update(t.gold_hash)
        self.spans += t.spans
        self.words += t.words
        self.chars += t.chars
        self.failures.extend(FailureRecord(doc_id=d, error=e) for d, e in t.failures)


@dataclass
class Context:
    """What a method sees of the run: the system, the corpus, the batch size, the cache and
    how batches are scored."""

    system: System
    corpus: Source
    batch_size: int
    cache: PredictionCache | None
    scoring: Scoring
    progress: bool
    code: str | None = None

    def key_parts(self) -> KeyParts:
        """What a cache key is made of besides the documents."""
        info = self.system.info
        return (info.name, info.version, dict(self.system.options), self.code, self.batch_size)

    def key(self, inputs: Sequence[DocInput]) -> str:
        """The cache key of these documents' predictions (:func:`bench.run.cache.cache_key`)."""
        return cache_key(*self.key_parts(), inputs)


@dataclass
class Finish:
    """What a method adds to the result once every batch is consumed."""

    throughput: Throughput
    environment: Environment
    versions: dict[str, str] | None
    usage: Usage | None


# --- the methods -------------------------------------------------------------------------------


@dataclass
class Measured:
    """A corpus in memory: load timed apart, warm-up, timed repeats and latency
    (:func:`bench.run.timing.measure`, in process); a cache entry for the whole run."""

    settings: RunSettings
    whole: bool = True
    executor: str = "in process"
    _finish: Finish | None = None

    @property
    def batch_size(self) -> int:
        """The batch size of the timed passes."""
        return self.settings.batch_size

    def pending(self, run: Context) -> Generator[Pending, None, None]:
        """Measure the system over the whole corpus (or take its entry from the cache), then
        hand over the first timed pass's records batch by batch."""
        system, cache, settings = run.system, run.cache, self.settings
        info = system.info
        inputs = [d.input() for d in run.corpus.documents()]
        key = run.key(inputs)
        entry = cache.get(info.name, key, inputs) if cache is not None else None
        if entry is not None:
            records = entry.records
            self._finish = Finish(
                entry.throughput.model_copy(update={"cached": True}),
                entry.environment,
                entry.versions,
                entry.usage,
            )
        else:
            measured_at = now()
            ex = InProcess(system)
            try:
                load_seconds = ex.load()
                m = measure(system, inputs, settings, progress=run.progress, executor=ex)
            finally:
                system.close()
            throughput = throughput_of(m, settings, load_seconds, measured_at, peak_rss_mb())
            usage, throughput = usage_of(system, inputs, throughput)
            environment = capture(info.requires)
            records = m.records
            self._finish = Finish(throughput, environment, None, usage)
            if cache is not None and not m.failures:
                cache.put(
                    CacheEntry(
                        key=key,
                        system=info.name,
                        version=info.version,
                        options=dict(sorted(system.options.items())),
                        code_sha256=run.code,
                        batch_size=settings.batch_size,
                        documents=documents_of(inputs),
                        records=records,
                        records_sha256=records_digest(records),
                        throughput=throughput,
                        environment=environment,
                        versions=dict(getattr(system, "versions", None) or {}),
                        usage=usage,
                    )
                )
        first = 0
        for batch in run.corpus.batches(self.batch_size):
            outcome = BatchOutcome(records[first : first + len(batch)], 0.0)
            yield Pending(batch, Ready(outcome), entry is not None, first)
            first += len(batch)

    def finish(self, run: Context, totals: Totals) -> Finish:
        """The timings measured (or cached) before the batches were handed over."""
        assert self._finish is not None
        return self._finish


@dataclass
class OnePass:
    """A stream: one timed pass through an executor (``local``: in process or ``workers``
    processes; ``dask``), in memory bounded by a few batches in flight; a cache entry per
    batch, so an interrupted run resumes."""

    batch_size: int
    spec: SystemSpec
    kind: str = "local"
    workers: int = 1
    address: str | None = None
    whole: bool = False
    executor: str = ""
    _measured_at: dt.datetime | None = None
    _seconds: float = 0.0
    _cpu_seconds: float = 0.0

    def pending(self, run: Context) -> Generator[Pending, None, None]:
        """Submit batches (or take them from the cache), yielding them in corpus order."""
        system = run.system
        bar = Progress(enabled=run.progress)
        bar.start("streamed pass: documents", run.corpus.count())  # None: an open bar
        ex = make_executor(self.kind, system, self.spec, self.workers, self.address)
        self.executor = ex.describe()
        in_flight = IN_FLIGHT_PER_WORKER * ex.workers
        self._measured_at = now()
        t0 = time.perf_counter()
        c0 = _cpu_seconds()
        corpus = run.corpus
        # Batches read where they are processed: a worker reads, validates, looks up the
        # cache, extracts and scores; here only the corpus-wide checks and the merge.
        sliced = isinstance(corpus, Corpus) and corpus.sliceable and ex.reads_slices
        seen = IdSet()
        try:
            queue: deque[Pending] = deque()
            submitted = self._slices(run, ex) if sliced else self._batches(run, ex)
            for pending in submitted:
                queue.append(pending)
                while len(queue) > in_flight:
                    p = queue.popleft()
                    yield self._admitted(run, p, seen) if sliced else p
                    bar.advance(p.n)
            while queue:
                p = queue.popleft()
                yield self._admitted(run, p, seen) if sliced else p
                bar.advance(p.n)
            self._seconds = time.perf_counter() - t0
            self._cpu_seconds = _cpu_seconds() - c0
        finally:
            bar.close()
            ex.close()

    def _batches(self, run: Context, ex: Executor) -> Iterator[Pending]:
        """Batches read here, each taken from the cache or submitted with its documents."""
        system, cache = run.system, run.cache
        first = 0
        for batch in run.corpus.batches(self.batch_size):
            inputs = [d.input() for d in batch]
            key = run.key(inputs)
            entry = cache.get_batch(system.info.name, key, inputs) if cache is not None else None
            if entry is not None:
                outcome = BatchOutcome(entry.records, entry.seconds, versions=entry.versions)
                yield Pending(batch, Ready(outcome), True, first)
            else:
                job = BatchJob(batch, run.scoring, first, keep_records=cache is not None)
                store = key if cache is not None else None
                yield Pending(batch, ex.submit(job), False, first, store)
            first += len(batch)

    def _slices(self, run: Context, ex: Executor) -> Iterator[Pending]:
        """Batches described (:meth:`~bench.corpus.stream.Corpus.slices`) and submitted: the
        worker reads them and uses the cache."""
        assert isinstance(run.corpus, Corpus)
        parts = run.key_parts()
        for sl in run.corpus.slices(self.batch_size):
            job = SliceJob(sl, run.scoring, parts, run.cache)
            yield Pending([], ex.submit(job), False, sl.first, count=sl.count)

    @staticmethod
    def _admitted(run: Context, p: Pending, seen: IdSet) -> Pending:
        """A batch a worker read, once its ids pass the corpus-wide checks (in corpus order)
        and it has no broken record; else the one-line error of the first problem."""
        assert isinstance(run.corpus, Corpus)
        out = p.handle.result()
        if run.cache is not None:
            run.cache.rejected.extend(out.rejected)
        run.corpus.admit(seen, out.ids or [], out.error, p.first)
        return Pending([], Ready(out), out.cached, p.first, count=p.count)

    def finish(self, run: Context, totals: Totals) -> Finish:
        """One pass over the stream: no warm-up, no repeats, no latency pass (docs/scale.md)."""
        assert self._measured_at is not None
        throughput = make_throughput(
            pass_seconds=[self._seconds],
            pass_cpu_seconds=[self._cpu_seconds],
            docs=totals.documents,
            words=totals.words,
            chars=totals.chars,
            repeats=1,
            warmup=0,
            batch_size=self.batch_size,
            load_seconds=totals.load_seconds or 0.0,
            measured_at=self._measured_at,
            peak_rss=peak_rss_mb(),
        )
        if totals.reused:
            throughput = throughput.model_copy(update={"cached": True})
        versions = totals.versions or dict(getattr(run.system, "versions", None) or {})
        return Finish(throughput, capture(run.system.info.requires), versions, None)


# How a run is timed and scored, and at which grain it is cached (see the module docstring);
# a method object serves one run.
Method = Measured | OnePass


def _cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (workers count once they exit)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# --- the driver --------------------------------------------------------------------------------


def run_source(
    system: System,
    corpus: Source,
    method: Method,
    *,
    out_dir: Path | None = None,
    label: str | None = None,
    cache: PredictionCache | None = None,
    progress: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
    tokens: bool = False,
    layers: Sequence[str] | None = None,
    label_map: LabelMapSpec | None = None,
    subset: str = "",
) -> RunOutput:
    """Run ``system`` over ``corpus`` as ``method`` says, score it with the corpus's label set
    on ``layers`` (:func:`run_layers`), the predictions mapped by ``label_map`` first, and
    describe it; with ``out_dir`` write ``<out>/<label>.json`` and
    ``<out>/predictions/<label>.jsonl`` (mapped labels) atomically. The output keeps the
    records (mapped) and the predictions file's text for a corpus in memory; a stream keeps
    neither (bounded memory). ``tokens`` scores in token mode (every document
    must record tokens); ``subset`` says how the documents were chosen from a larger corpus
    (:mod:`bench.corpus.subset`)."""
    label = check_label(label or system.info.name)
    check_batch_size(method.batch_size)
    info = system.info
    label_set = corpus.label_set()
    scored = run_layers(system, label_set, layers)
    scoring = Scoring(
        scored,
        bootstrap,
        seed,
        tokens=tokens,
        label_set=label_set,
        label_map=label_map,
        whole=method.whole,
        subset=subset,
    )
    scorer = scoring.scorer()
    run = Context(system, corpus, method.batch_size, cache, scoring, progress, code_digest(system))
    totals = Totals()
    preds_sha = hashlib.sha256()
    lines: list[bytes] = []  # the predictions file's text, kept for a corpus in memory
    preds_path = predictions_path(out_dir, label) if out_dir is not None else None

    def consume(p: Pending, fh: IO[bytes] | None) -> None:
        out = p.handle.result()
        if out.load_seconds is not None:
            totals.load_seconds = max(totals.load_seconds or 0.0, out.load_seconds)
        if out.versions and not totals.versions:
            totals.versions = out.versions
        if cache is not None and p.store_key is not None and not out.failed:
            cache.put_batch(
                BatchEntry(
                    key=p.store_key,
                    system=info.name,
                    records=out.records,
                    records_sha256=records_digest(out.records),
                    seconds=round(out.seconds, 6),
                    versions=out.versions or totals.versions,
                )
            )
        # Totalled where it was extracted (a worker of a stream), else here.
        t = out.totals or batch_totals(p.batch, out.records, scoring, p.first, scorer)
        preds_sha.update(t.lines)
        if fh is not None:
            fh.write(t.lines)
        if fh is None or method.whole:
            lines.append(t.lines)
        totals.add(t)
        scorer.merge(t.tally)  # type: ignore[arg-type]
        totals.documents += p.n
        totals.batches += 1
        totals.reused += p.cached

    def consume_all(fh: IO[bytes] | None) -> None:
        with closing(method.pending(run)) as batches:
            for p in batches:
                consume(p, fh)

    preds_tmp: Path | None = None
    if preds_path is None:
        consume_all(None)
    else:
        try:
            with open_temporary(preds_path) as (fh, preds_tmp):
                consume_all(fh)
        except KeyboardInterrupt:
            if method.whole:
                raise
            raise BenchError(
                f"interrupted after {totals.batches} batches; {preds_path} and the result were "
                "left as they were; the finished batches are cached: rerun the same command to "
                "resume",
                exit_code=130,
            ) from None
    try:
        report = scorer.report()
        done = method.finish(run, totals)
        result = Result(
            system=system_record(system, label, done.versions),
            gold=GoldRecord(
                signature=report.signature,
                sha256=totals.gold_sha.hexdigest(),
                documents=totals.documents,
                spans=totals.spans,
            ),
            metrics=report,
            failures=totals.failures,
            usage=done.usage,
            predictions_sha256=preds_sha.hexdigest(),
            throughput=done.throughput,
            environment=done.environment,
            created_at=now(),
        )
        records = scorer.records if isinstance(scorer, WholeScorer) else []
        text = b"".join(lines).decode("utf-8")
        if out_dir is None or preds_path is None or preds_tmp is None:
            return RunOutput(result, records, text, batches=totals.batches, reused=totals.reused)
        res_path = result_path(out_dir, label)
        res_tmp = write_temporary(res_path, result.to_json())
    except BaseException:
        if preds_tmp is not None:
            preds_tmp.unlink(missing_ok=True)
        raise
    with locked(out_dir):
        commit_pair(res_path, res_tmp, preds_path, preds_tmp)
    return RunOutput(
        result, records, text, res_path, preds_path, totals.batches, totals.reused, method.executor
    )


# --- the entry points: a source and its method -------------------------------------------------


def run_system(
    system: System,
    gold: Mapping[str, Document] | Iterable[Document],
    settings: RunSettings,
    *,
    out_dir: Path | None = None,
    label: str | None = None,
    cache: PredictionCache | None = None,
    progress: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
    layers: Sequence[str] | None = None,
    label_map: LabelMapSpec | None = None,
    subset: str = "",
) -> RunOutput:
    """Run (or take from the cache), score and describe one system on ``gold`` (the seeds, or
    any small corpus in memory: documents by doc_id, or in a list), timed as
    ``settings`` says (:class:`Measured`); ``subset`` says how ``gold`` was chosen from the
    corpus (:mod:`bench.corpus.subset`). The rest as for :func:`run_source`."""
    docs = list(gold.values()) if isinstance(gold, Mapping) else list(gold)
    return run_source(
        system,
        MemoryCorpus(docs),
        Measured(settings),
        out_dir=out_dir,
        label=label,
        cache=cache,
        progress=progress,
        bootstrap=bootstrap,
        seed=seed,
        layers=layers,
        label_map=label_map,
        subset=subset,
    )


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
) -> RunOutput:
    """Stream ``corpus`` through ``system`` (built from ``spec`` wherever it runs) in one pass
    (:class:`OnePass`) and write its result and predictions under ``out_dir``. The rest as
    for :func:`run_source`."""
    return run_source(
        system,
        corpus,
        OnePass(batch_size, spec, executor, workers, address),
        out_dir=out_dir,
        label=label,
        cache=cache,
        progress=progress,
        bootstrap=bootstrap,
        seed=seed,
        tokens=tokens,
        layers=layers,
        label_map=label_map,
    )
