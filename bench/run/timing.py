"""Running a system over documents and timing it honestly: warm-up, repeats, latency, memory.

The method (documented in docs/run.md): the system is loaded and timed apart; ``warmup``
passes over the corpus are run and discarded; ``repeats`` timed passes follow, each the wall
time (``time.perf_counter``) of feeding every document through ``System.extract`` in batches
of ``batch_size`` through the in-process executor (:class:`bench.run.executor.InProcess`, the
one a streamed run uses with one worker; it calls :func:`bench.run.extract.extract_documents`,
which retries a failing batch one document at a time and records the documents that still
fail), including the harness's own per-batch work, so the figure is what a user of
``bench run`` gets.
Per-document latency comes from single-document calls (see :func:`measure`).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.corpus.texts import word_count
from bench.protocol import DocInput, System
from bench.run.extract import Failure, check_batch_size
from bench.run.result import Latency, Spread, Throughput
from bench.schema import PredictionRecord

if TYPE_CHECKING:
    from rich.progress import TaskID

    from bench.run.executor import InProcess

LATENCY_ALONE = "each document alone, in one extra pass not counted in the throughput"
LATENCY_FROM_REPEATS = "batch_size 1: median over the timed repeats of each document's call"


@dataclass(frozen=True)
class RunSettings:
    """How to time a system: warm-up passes, timed repeats, batch size, latency pass."""

    repeats: int = 3
    warmup: int = 1
    batch_size: int = 64
    latency: bool = True

    def __post_init__(self) -> None:
        from bench.limits import MAX_REPEATS, MAX_WARMUP, check_range

        check_range("repeats", self.repeats, 1, MAX_REPEATS)
        check_range("warmup", self.warmup, 0, MAX_WARMUP)
        check_batch_size(self.batch_size)


@dataclass
class PassOutcome:
    """One pass over the corpus: predictions per document, failures, wall time, per-doc times."""

    records: list[PredictionRecord]
    failures: list[Failure]
    seconds: float
    cpu_seconds: float
    doc_seconds: dict[str, float] = field(default_factory=dict)  # only for batch_size 1
    normalize_seconds: float = 0.0  # of ``seconds``, spent inside bench.normalize


@dataclass
class Measurement:
    """Everything :func:`measure` observed: predictions of the first timed pass and timings."""

    records: list[PredictionRecord]
    failures: list[Failure]
    pass_seconds: list[float]
    pass_cpu_seconds: list[float]
    latencies: list[float] | None  # seconds per document, corpus order
    latency_method: str | None
    repeats_agree: bool
    docs: int
    words: int
    chars: int
    # Of each pass's wall time, the part spent inside bench.normalize (None: not measured).
    pass_normalize_seconds: list[float] | None = None


class Progress:
    """Progress bars on stderr, one per pass, each named for what it counts ("timed pass 2/3:
    documents"); redrawn only between batches, never from a thread.

    rich's default auto-refresh thread would compete with the system under test for the GIL;
    redrawing at most every 0.1 s from the loop keeps its cost small and inside the timing.
    A total of None (a stream whose length is unknown) draws an open bar: a count, no end.
    """

    def __init__(self, enabled: bool) -> None:
        self._bar = None
        self._task: TaskID | None = None
        self._total: int | None = None
        self._last = 0.0
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),  # "12/25", or "12" when the total is unknown
            TimeElapsedColumn(),
            console=Console(stderr=True),
            auto_refresh=False,
            transient=False,
        )
        self._bar.start()

    def start(self, description: str, total: int | None) -> None:
        """A new bar for the next pass: ``description`` says what is counted, ``total`` how
        many there will be (None: unknown)."""
        if self._bar is None:
            return
        self._total = total
        self._task = self._bar.add_task(description, total=total, count=self._count(0))
        self._bar.refresh()

    def _count(self, done: float) -> str:
        return f"{int(done)}/{self._total}" if self._total is not None else f"{int(done)}"

    def advance(self, n: int) -> None:
        """Count ``n`` more documents done in the current bar."""
        if self._bar is None or self._task is None:
            return
        task = self._bar.tasks[-1]
        self._bar.update(self._task, advance=n, count=self._count(task.completed + n))
        now = time.perf_counter()
        if now - self._last >= 0.1:
            self._last = now
            self._bar.refresh()

    def close(self) -> None:
        """Draw the final state and release the terminal."""
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()


def run_pass(
    ex: InProcess,
    docs: Sequence[DocInput],
    batch_size: int,
    advance: Callable[[int], None],
) -> PassOutcome:
    """One timed pass over ``docs`` in batches; the time includes the harness's own work.

    The shared normalizer's parse cache is emptied first, so every pass pays what one run
    over the corpus pays, and its time inside the pass is read from its own clock (only if a
    system imported it: this module does not import it).
    """
    norm = sys.modules.get("bench.normalize")
    if norm is not None:
        norm.cache_clear()
    norm_start = norm.seconds_spent() if norm is not None else 0.0
    records: list[PredictionRecord] = []
    doc_seconds: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(0, len(docs), batch_size):
        out = ex.extract(docs[i : i + batch_size])
        records.extend(out.records)
        if len(out.records) == 1 and out.records[0].error is None:
            doc_seconds[out.records[0].doc_id] = out.seconds
        advance(len(out.records))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    norm = sys.modules.get("bench.normalize")
    norm_seconds = norm.seconds_spent() - norm_start if norm is not None else 0.0
    failures = [Failure(r.doc_id, r.error) for r in records if r.error is not None]
    return PassOutcome(records, failures, seconds, cpu, doc_seconds, norm_seconds)


def measure(
    system: System,
    docs: Sequence[DocInput],
    settings: RunSettings,
    progress: bool = False,
    executor: InProcess | None = None,
) -> Measurement:
    """Warm up, time ``settings.repeats`` passes, then measure per-document latency, with a
    loaded ``system`` (or through ``executor``, an in-process executor of it, loaded first).

    Per-document latency: with ``batch_size`` 1 every timed call already is one document, so
    each document's latency is the median of its calls over the repeats. With larger batches
    a batch's time cannot be split between its documents honestly, so one extra pass calls
    ``extract`` on each document alone; that pass is not part of the throughput figures.
    """
    from bench.run.executor import InProcess

    ex = executor or InProcess(system, loaded=True)
    docs = list(docs)
    n = len(docs)
    latency_pass = settings.latency and settings.batch_size > 1
    bar = Progress(enabled=progress)
    try:
        for w in range(settings.warmup):
            bar.start(f"warm-up pass {w + 1}/{settings.warmup}: documents", n)
            run_pass(ex, docs, settings.batch_size, bar.advance)
        passes: list[PassOutcome] = []
        for r in range(settings.repeats):
            bar.start(f"timed pass {r + 1}/{settings.repeats}: documents", n)
            passes.append(run_pass(ex, docs, settings.batch_size, bar.advance))
        latencies: list[float] | None = None
        method: str | None = None
        if settings.latency and settings.batch_size == 1:
            # A document that failed has no timing of its own; it is left out.
            latencies = [
                median(times)
                for d in docs
                if (times := [p.doc_seconds[d.doc_id] for p in passes if d.doc_id in p.doc_seconds])
            ]
            method = LATENCY_FROM_REPEATS
        elif latency_pass:
            bar.start("latency pass (one document per call): documents", n)
            latencies = []
            for doc in docs:
                t0 = time.perf_counter()
                ex.extract([doc])
                latencies.append(time.perf_counter() - t0)
                bar.advance(1)
            method = LATENCY_ALONE
    finally:
        bar.close()
    first = passes[0]
    agree = all(p.records == first.records and p.failures == first.failures for p in passes[1:])
    return Measurement(
        records=first.records,
        failures=first.failures,
        pass_seconds=[p.seconds for p in passes],
        pass_cpu_seconds=[p.cpu_seconds for p in passes],
        latencies=latencies,
        latency_method=method,
        repeats_agree=agree,
        docs=n,
        words=sum(word_count(d.text) for d in docs),
        chars=sum(len(d.text) for d in docs),
        pass_normalize_seconds=[p.normalize_seconds for p in passes],
    )


def median(values: Sequence[float]) -> float:
    """The median (mean of the middle two for an even count)."""
    s = sorted(values)
    k = len(s) // 2
    return s[k] if len(s) % 2 else (s[k - 1] + s[k]) / 2


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``p``% of values at or below it.

    Nearest rank, not interpolation: with a handful of documents every figure reported is
    the latency of an actual document.
    """
    s = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(s)))
    return s[rank - 1]


def peak_rss_mb() -> tuple[float | None, float | None]:
    """Peak resident set size in MiB of this process and of its largest waited-for child.

    ``getrusage`` high-water marks: the process figure covers its whole life (interpreter,
    harness, loaded models); the children figure is the largest single child that has
    terminated and been waited for (Linux semantics), e.g. a server a system started and
    stopped in ``close()``. Linux reports KiB, macOS bytes.
    """
    try:
        import resource
    except ImportError:  # Windows has no getrusage
        return None, None
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return round(me, 1), (round(kids, 1) if kids else None)


def _rate(amount: int, seconds: Sequence[float]) -> Spread:
    # The fastest pass gives the highest rate; a zero time (empty corpus) gives rate 0.
    rates = [amount / s if s > 0 else 0.0 for s in seconds]
    return Spread(
        median=round(median(rates), 3), min=round(min(rates), 3), max=round(max(rates), 3)
    )


def make_throughput(
    *,
    pass_seconds: Sequence[float],
    pass_cpu_seconds: Sequence[float],
    docs: int,
    words: int,
    chars: int,
    repeats: int,
    warmup: int,
    batch_size: int,
    load_seconds: float,
    measured_at: dt.datetime,
    peak_rss: tuple[float | None, float | None],
    latencies: Sequence[float] | None = None,
    latency_method: str | None = None,
    repeats_agree: bool = True,
    pass_normalize_seconds: Sequence[float] | None = None,
) -> Throughput:
    """The throughput block of a fresh run from the timed passes over the corpus."""
    secs = list(pass_seconds)
    latency = None
    if latencies:
        ms = [s * 1000 for s in latencies]
        latency = Latency(
            method=latency_method or "",
            docs=len(ms),
            p50_ms=round(percentile(ms, 50), 3),
            p95_ms=round(percentile(ms, 95), 3),
            max_ms=round(max(ms), 3),
        )
    return Throughput(
        cached=False,
        measured_at=measured_at,
        repeats=repeats,
        warmup=warmup,
        batch_size=batch_size,
        docs=docs,
        words=words,
        chars=chars,
        load_seconds=round(load_seconds, 6),
        pass_seconds=[round(s, 6) for s in secs],
        pass_cpu_seconds=[round(s, 6) for s in pass_cpu_seconds],
        seconds=Spread(
            median=round(median(secs), 6), min=round(min(secs), 6), max=round(max(secs), 6)
        ),
        docs_per_second=_rate(docs, secs),
        words_per_second=_rate(words, secs),
        chars_per_second=_rate(chars, secs),
        pass_normalize_seconds=None
        if pass_normalize_seconds is None
        else [round(s, 6) for s in pass_normalize_seconds],
        extraction_words_per_second=None
        if pass_normalize_seconds is None
        else _rate(words, [s - n for s, n in zip(secs, pass_normalize_seconds, strict=True)]),
        latency=latency,
        peak_rss_mb=peak_rss[0],
        peak_rss_children_mb=peak_rss[1],
        repeats_agree=repeats_agree,
    )


def throughput_of(
    m: Measurement,
    settings: RunSettings,
    load_seconds: float,
    measured_at: dt.datetime,
    peak_rss: tuple[float | None, float | None],
) -> Throughput:
    """The throughput block of what :func:`measure` observed with ``settings``."""
    return make_throughput(
        pass_seconds=m.pass_seconds,
        pass_cpu_seconds=m.pass_cpu_seconds,
        docs=m.docs,
        words=m.words,
        chars=m.chars,
        repeats=settings.repeats,
        warmup=settings.warmup,
        batch_size=settings.batch_size,
        load_seconds=load_seconds,
        measured_at=measured_at,
        peak_rss=peak_rss,
        latencies=m.latencies,
        latency_method=m.latency_method,
        repeats_agree=m.repeats_agree,
        pass_normalize_seconds=m.pass_normalize_seconds,
    )
