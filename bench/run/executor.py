"""Where batches of documents are extracted: this process, worker processes, or a Dask cluster.

Each executor takes a batch (a list of :class:`~bench.protocol.DocInput`) and returns a handle
whose ``result()`` is the batch's :class:`BatchOutcome`; the caller keeps the handles in
submission order, so output order never depends on which worker finished first. Workers
(processes or Dask workers) build and load the system once, on their first batch, from its
:class:`SystemSpec` (a name or ``module:Class`` and options: small and picklable), and keep
it for the batches that follow. Failure isolation is :func:`bench.run.extract.extract_documents`
inside the worker: a failing document is a record with an error, not a lost batch. Workers
on this machine get a batch described (:class:`SliceJob`) and read it themselves.
Choices and measurements: docs/scale.md, "Parallel and distributed runs".
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench.corpus.document import Document
from bench.corpus.stream import Corpus, Slice
from bench.errors import BenchError, ParameterError, one_line
from bench.limits import MAX_WORKERS, check_range, local_workers
from bench.protocol import DocInput, System
from bench.registry import create_system
from bench.run.batch import BatchTotals, Scoring, batch_totals
from bench.run.cache import BatchEntry, PredictionCache, cache_key, records_digest
from bench.run.extract import extract_documents, load_system
from bench.schema import PredictionRecord

EXECUTORS: tuple[str, ...] = ("local", "dask")


@dataclass(frozen=True)
class SystemSpec:
    """How to build a system anywhere: its name (or ``module:Class``) and options."""

    spec: str
    options: tuple[tuple[str, str], ...] = ()

    def create(self) -> System:
        """A new, unloaded system."""
        return create_system(self.spec, dict(self.options))


@dataclass
class BatchOutcome:
    """One batch extracted: a record per document (in batch order) and how long it took."""

    records: list[PredictionRecord]
    seconds: float  # wall time of the extract calls of this batch, in the worker
    load_seconds: float | None = None  # set on the batch whose worker loaded the system
    versions: dict[str, str] = field(default_factory=dict)  # what the system reports
    totals: BatchTotals | None = None  # what the batch adds to a streamed run
    # A batch read in the worker (SliceJob): each document's (doc_id, where), in order, for
    # the corpus-wide checks; the one-line error of its first broken record (nothing else
    # done then); whether its records came from the cache; cache entries the worker rejected.
    ids: list[tuple[str, str]] | None = None
    error: str | None = None
    cached: bool = False
    rejected: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when some document of the batch failed."""
        if self.totals is not None:
            return bool(self.totals.failures)
        return any(r.error is not None for r in self.records)


@dataclass(frozen=True)
class BatchJob:
    """A batch of a streamed run as sent to an executor: its documents (with their gold:
    the batch is scored where it is extracted), the scoring options, the index of its first
    document in the corpus, and whether its records must come back (for the cache)."""

    docs: list[Document]
    scoring: Scoring
    first: int
    keep_records: bool = True


# What a batch's cache key is made of besides its documents: the system's name, version and
# options, its code digest and the batch size (bench.run.cache.cache_key).
KeyParts = tuple[str, str, dict[str, str], str | None, int]


@dataclass(frozen=True)
class SliceJob:
    """A batch of a streamed run that the worker reads itself: the batch described
    (:class:`~bench.corpus.stream.Slice`: gold file names, a byte range of a JSON Lines
    file, or a row range of a table), the scoring options, what its cache key is made of,
    and the cache. The worker reads, parses and validates the batch, looks it up in the
    cache (or extracts it and stores it), scores it, and sends back only the totals and the
    ids (docs/scale.md, "Parallel and distributed runs")."""

    slice: Slice
    scoring: Scoring
    key: KeyParts
    cache: PredictionCache | None = None


def run_slice(extract: Any, job: SliceJob) -> BatchOutcome:
    """Read ``job``'s batch here, then do everything a batch needs with ``extract`` (inputs
    -> outcome): the cache, the extraction, the scores and lines."""
    sl, cache = job.slice, job.cache
    read = Corpus(Path(sl.path), sl.kind).read_slice(sl, job.scoring.label_set)
    if read.error is not None:
        return BatchOutcome([], 0.0, ids=read.ids, error=read.error)
    inputs = [d.input() for d in read.docs]
    name = job.key[0]
    key = cache_key(*job.key, inputs)
    before = len(cache.rejected) if cache is not None else 0
    entry = cache.get_batch(name, key, inputs) if cache is not None else None
    if entry is not None:
        out = BatchOutcome(entry.records, entry.seconds, versions=entry.versions, cached=True)
    else:
        out = extract(inputs)
        if cache is not None and not out.failed:
            cache.put_batch(
                BatchEntry(
                    key=key,
                    system=name,
                    records=out.records,
                    records_sha256=records_digest(out.records),
                    seconds=round(out.seconds, 6),
                    versions=out.versions,
                )
            )
    out.totals = batch_totals(read.docs, out.records, job.scoring, sl.first)
    out.records = []
    out.ids = read.ids
    out.rejected = cache.rejected[before:] if cache is not None else []
    return out


def run_job(extract: Any, job: BatchJob) -> BatchOutcome:
    """Extract a job's batch with ``extract`` (inputs -> outcome), then score it and write
    its lines here, in the process that extracted it."""
    out: BatchOutcome = extract([d.input() for d in job.docs])
    out.totals = batch_totals(job.docs, out.records, job.scoring, job.first)
    if not job.keep_records:
        out.records = []
    return out


def extract_batch(system: System, docs: Sequence[DocInput]) -> BatchOutcome:
    """Extract one batch with a loaded system, as a single ``extract`` call (retried per
    document when it raises), and time it."""
    t0 = time.perf_counter()
    ex = extract_documents(system, docs, max(1, len(docs)))
    seconds = time.perf_counter() - t0
    return BatchOutcome(ex.records(docs), seconds)


# --- in a worker process ----------------------------------------------------------------------

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """Make this worker process end when ``parent`` (the ``bench run`` process) does.

    A ``kill -9`` of the parent gives it no chance to stop its workers. On Linux the kernel
    sends this process SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere,
    a daemon thread checks once a second that the parent is still ours and exits when not.
    """
    import os

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog below still works
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="bench-parent-watchdog", daemon=True).start()


_WORKER_SYSTEMS: dict[SystemSpec, tuple[System, threading.Lock]] = {}
_WORKER_LOCK = threading.Lock()


def _close_worker_systems() -> None:
    for system, _ in _WORKER_SYSTEMS.values():
        try:
            system.close()
        except Exception:  # closing at exit: nothing left to report to
            pass


def worker_extract(spec: SystemSpec, docs: Sequence[DocInput]) -> BatchOutcome:
    """Extract a batch in a worker, building and loading the system on its first batch."""
    load_seconds = None
    versions: dict[str, str] = {}
    with _WORKER_LOCK:
        held = _WORKER_SYSTEMS.get(spec)
        if held is None:
            system = spec.create()
            load_seconds = load_system(system, system.info.name)
            versions = dict(getattr(system, "versions", None) or {})
            if not _WORKER_SYSTEMS:
                atexit.register(_close_worker_systems)
            held = _WORKER_SYSTEMS[spec] = (system, threading.Lock())
    system, lock = held
    with lock:  # a Dask worker may run tasks on several threads; systems need not be safe
        out = extract_batch(system, docs)
    out.load_seconds = load_seconds
    out.versions = versions or dict(getattr(system, "versions", None) or {})
    return out


def worker_job(spec: SystemSpec, job: BatchJob | SliceJob) -> BatchOutcome:
    """A job in a worker: (for a :class:`SliceJob`, reading the batch and the cache,)
    extraction (:func:`worker_extract`), scoring and lines."""
    if isinstance(job, SliceJob):
        return run_slice(lambda docs: worker_extract(spec, docs), job)
    return run_job(lambda docs: worker_extract(spec, docs), job)


# --- executors --------------------------------------------------------------------------------


class Handle(Protocol):
    """What ``submit`` returns: a future-like object."""

    def result(self) -> BatchOutcome: ...


@dataclass
class Ready:
    """A handle whose outcome is already known (extracted in process, or from the cache)."""

    outcome: BatchOutcome

    def result(self) -> BatchOutcome:
        """The outcome."""
        return self.outcome


class InProcess:
    """Extraction in this process, one batch at a time, loading the system on first use (or
    before, with :meth:`load`, so that the load is timed apart from the passes)."""

    workers = 1
    reads_slices = False  # the batches are read here anyway

    def __init__(self, system: System, loaded: bool = False) -> None:
        self.system = system
        self.load_seconds: float | None = 0.0 if loaded else None
        self._reported = loaded  # load time and versions go with the first batch, once

    def load(self) -> float:
        """Load the system now (if it is not yet) and return the seconds it took."""
        if self.load_seconds is None:
            self.load_seconds = load_system(self.system, self.system.info.name)
        return self.load_seconds

    def submit(self, job: BatchJob | SliceJob) -> Handle:
        """Run ``job`` now."""
        if isinstance(job, SliceJob):
            return Ready(run_slice(self.extract, job))
        return Ready(run_job(self.extract, job))

    def extract(self, docs: Sequence[DocInput]) -> BatchOutcome:
        """Extract one batch now (:func:`extract_batch`)."""
        self.load()
        out = extract_batch(self.system, docs)
        if not self._reported:
            self._reported = True
            out.load_seconds = self.load_seconds
            out.versions = dict(getattr(self.system, "versions", None) or {})
        return out

    def close(self) -> None:
        """Close the system if it was loaded."""
        if self.load_seconds is not None:
            self.system.close()

    def describe(self) -> str:
        """How the work is done, for the result."""
        return "in process"


class Processes:
    """``workers`` processes (``concurrent.futures.ProcessPoolExecutor``, spawned), each
    loading the system once."""

    def __init__(self, spec: SystemSpec, workers: int) -> None:
        import multiprocessing
        import os
        from concurrent.futures import ProcessPoolExecutor

        self.spec = spec
        self.workers = workers
        self.reads_slices = True  # workers on this machine read their batches themselves
        # spawn, not fork: a forked child inherits locks held by the parent's threads.
        # Each worker ends with this process, even when it is killed (die_with_parent).
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def submit(self, job: BatchJob | SliceJob) -> Handle:
        """Queue ``job`` on the pool."""
        return _Future(self._pool.submit(worker_job, self.spec, job))

    def close(self) -> None:
        """Stop the workers (queued batches are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        """How the work is done, for the result."""
        return f"{self.workers} processes"


class DaskCluster:
    """Tasks over batches on a Dask distributed cluster: the one at ``address``, or a local
    cluster of ``workers`` single-threaded processes started (and stopped) here."""

    def __init__(self, spec: SystemSpec, workers: int, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BenchError(
                "executor 'dask' needs dask.distributed: pip install 'bench[dask]'"
            ) from None
        self.spec = spec
        # A local cluster's workers see this machine's files and read their batches; a
        # remote one's may not, so it gets the documents.
        self.reads_slices = not address
        self._cluster: Any = None
        try:
            if address:
                self._client = Client(address, timeout="10s")
            else:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,  # logging.ERROR
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise ParameterError("address", f"{address}: cannot connect: {one_line(exc)}") from None
        self.workers = len(self._client.scheduler_info().get("workers", {})) or workers

    def submit(self, job: BatchJob | SliceJob) -> Handle:
        """Send ``job`` to the cluster as one task."""
        fut = self._client.submit(worker_job, self.spec, job, pure=False)
        return _Future(fut)

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started it."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> str:
        """How the work is done, for the result."""
        return f"dask, {self.workers} workers"


@dataclass
class _Future:
    future: Any

    def result(self) -> BatchOutcome:
        try:
            return self.future.result()  # type: ignore[no-any-return]
        except BenchError:
            raise
        except Exception as exc:  # a worker died, or the cluster went away
            raise BenchError(f"worker failed: {one_line(exc)}") from None


Executor = InProcess | Processes | DaskCluster


def make_executor(
    kind: str, system: System, spec: SystemSpec, workers: int, address: str | None
) -> Executor:
    """The executor ``--executor KIND --workers N [--address A]`` asks for."""
    check_range("workers", workers, 1, MAX_WORKERS)
    if kind not in EXECUTORS:
        raise ParameterError("executor", f"unknown executor {kind!r} ({', '.join(EXECUTORS)})")
    if address and kind != "dask":
        raise ParameterError("address", "only with the dask executor")
    if kind == "dask":
        # A local cluster's workers are processes on this machine: clamped like ours.
        return DaskCluster(spec, workers if address else local_workers(workers), address)
    workers = local_workers(workers)
    if workers == 1:
        return InProcess(system)
    return Processes(spec, workers)
