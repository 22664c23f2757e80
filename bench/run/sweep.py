"""Every available system in turn, each in a process of its own (``bench run --all-available``).

Peak memory (``peak_rss_mb``) is a high-water mark of the process, and one system's leftovers
must not slow down or crash the next, so each system is created, run, scored and written in a
child process started with the ``spawn`` context (a fresh interpreter that inherits nothing of
the parent's imports or memory). The child does what a single run does
(:func:`run_and_write`: :func:`bench.run.driver.run_system`, which writes the result and its
predictions into the results directory) and sends back a :class:`SystemRun`; printing is left
to the caller.

As with any ``spawn`` child, the parent's ``__main__`` must be importable (a console script,
``python -m``, a file guarded by ``if __name__ == "__main__"``, a notebook), not code read
from stdin.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from bench.errors import BenchError
from bench.run.result import Result
from bench.run.timing import RunSettings
from bench.schema import LabelMapSpec


@dataclass(frozen=True)
class Skipped:
    """A registered system that ``--all-available`` leaves out, and why."""

    name: str
    reason: str  # why it cannot run, or "" when it only lacks required options
    needs: tuple[str, ...] = ()  # the required options without a default


def survey_systems() -> tuple[list[str], list[Skipped]]:
    """The registered systems that are installed and run without a required option (their
    names), and the others with the reason each is left out."""
    from bench.registry import list_systems

    names: list[str] = []
    skipped: list[Skipped] = []
    for listing in list_systems():
        info = listing.info
        name = listing.entry.name
        if info is None or not listing.availability.ok:
            skipped.append(Skipped(name, listing.availability.reason or "not importable"))
            continue
        needs = [o.name for o in info.options if o.required and o.default is None]
        if needs:
            skipped.append(Skipped(name, "", tuple(needs)))
            continue
        names.append(name)
    return names, skipped


def available_systems() -> list[str]:
    """Names of registered systems that are installed and run without a required option."""
    return survey_systems()[0]


@dataclass(frozen=True)
class RunRequest:
    """Everything of a seeds run but the system: where gold, texts and results are, how to
    measure, the cache and the bootstrap. Picklable, so it can be sent to a child process."""

    gold_dir: Path
    texts_dir: Path
    out_dir: Path
    settings: RunSettings
    cache_dir: Path | None = None
    progress: bool = False
    bootstrap: int = 1000
    seed: int = 0
    options: Mapping[str, str] = field(default_factory=dict)
    label: str | None = None
    layers: tuple[str, ...] | None = None  # the layers to score (default: all it can)
    label_map: LabelMapSpec | None = None  # the system's labels onto the corpus's
    limit: int | None = None  # only the first N documents (doc_id order)
    sample: int | None = None  # only N documents drawn with ``seed``


@dataclass(frozen=True)
class SystemRun:
    """The outcome of one system's run: its result and the files written, or the one-line
    error that stopped it (``error``; then ``result`` is None)."""

    name: str
    result: Result | None = None
    result_path: Path | None = None
    predictions_path: Path | None = None
    error: str | None = None


def run_and_write(name: str, request: RunRequest) -> SystemRun:
    """Create system ``name``, run it over the gold corpus, write its result and predictions
    under ``request.out_dir``: a single ``bench run``, without the report."""
    from bench.corpus.gold import load_gold_dir
    from bench.corpus.subset import subset_ids, take
    from bench.registry import create_system
    from bench.run.cache import PredictionCache
    from bench.run.driver import run_system

    gold = load_gold_dir(request.gold_dir, request.texts_dir)
    ids, subset = subset_ids(gold, limit=request.limit, sample=request.sample, seed=request.seed)
    gold = take(gold, ids)
    outcome = run_system(
        create_system(name, request.options),
        gold,
        request.settings,
        label=request.label,
        cache=PredictionCache(request.cache_dir) if request.cache_dir is not None else None,
        progress=request.progress,
        bootstrap=request.bootstrap,
        seed=request.seed,
        layers=request.layers,
        label_map=request.label_map,
        subset=subset,
        out_dir=request.out_dir,
    )
    return SystemRun(name, outcome.result, outcome.result_path, outcome.predictions_path)


def _child(name: str, request: RunRequest, conn: Connection) -> None:
    """The child process: one run, its outcome sent to the parent (a user error as a line)."""
    try:
        outcome = run_and_write(name, request)
    except BenchError as exc:
        outcome = SystemRun(name, error=str(exc))
    conn.send(outcome)
    conn.close()


def run_isolated(name: str, request: RunRequest) -> SystemRun:
    """:func:`run_and_write` in a child process of its own (``spawn``); a child that dies
    without an answer (a crash, a signal) is an error naming its exit code."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(name, request, send), name=f"bench run {name}")
    # Our own lines first, so the child's progress output follows them in order.
    sys.stdout.flush()
    sys.stderr.flush()
    proc.start()
    send.close()
    try:
        outcome: SystemRun | None = receive.recv()
    except EOFError:
        outcome = None
    finally:
        receive.close()
        proc.join()
    if outcome is None:
        return SystemRun(name, error=f"{name}: its process ended with exit code {proc.exitcode}")
    return outcome


def run_each(names: Iterable[str], request: RunRequest) -> Iterator[SystemRun]:
    """:func:`run_isolated` for each system in turn (one process at a time)."""
    for name in names:
        yield run_isolated(name, request)
