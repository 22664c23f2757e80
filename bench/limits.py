"""Bounds on the resource knobs of the command line, stated once and enforced where they are used.

A value past a bound is refused with one line (it would only exhaust memory or time: the
bootstrap keeps a row per resample, 10^8 resamples took 19.5 GB), except ``--workers`` for
local processes, which is clamped to the machine's CPUs (more processes than cores run
slower than one per core) with a note. The bounds are documented in docs/guarantees.md,
"Results, caches and concurrency", and tests/test_guarantees.py checks the two agree.
"""

from __future__ import annotations

import os
import sys

from bench.errors import ParameterError

MAX_BOOTSTRAP = 100_000  # resamples (--bootstrap)
MAX_WORKERS = 64  # worker processes or Dask workers (--workers)
MAX_REPEATS = 100  # timed passes (--repeats)
MAX_WARMUP = 100  # untimed passes (--warmup)
MAX_BATCH_SIZE = 10_000  # documents per extract call (--batch-size)


def check_range(param: str, value: int, low: int, high: int) -> int:
    """``value`` if ``low <= value <= high``; else a :class:`ParameterError` naming ``param``
    (the command line shows it as its ``--flag``) and the range."""
    if value < low or value > high:
        raise ParameterError(param, f"must be between {low:,} and {high:,}, got {value:,}")
    return value


def check_bootstrap(resamples: int) -> int:
    """``--bootstrap``: 0 (no intervals) to :data:`MAX_BOOTSTRAP`."""
    return check_range("bootstrap", resamples, 0, MAX_BOOTSTRAP)


def local_workers(workers: int) -> int:
    """``workers`` for processes on this machine: 1 to :data:`MAX_WORKERS`, then clamped to
    the CPUs this process may use, saying so on stderr (naming the parameter, as library
    errors do: docs/architecture.md, "Library errors name parameters")."""
    check_range("workers", workers, 1, MAX_WORKERS)
    cpus = available_cpus()
    if workers > cpus:
        print(
            f"note: workers: {workers} asked for, but this machine has {cpus} CPU(s) for this "
            f"process; using {cpus} workers",
            file=sys.stderr,
            flush=True,
        )
        return cpus
    return workers


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS reports one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
