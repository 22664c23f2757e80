"""Options and helpers of the benchmark suites (not collected by the default ``pytest`` run:
``testpaths`` is ``tests``).

``--bench-grid full`` runs the whole scoring grid (30 to 300 gold spans per document, 1,000 to
10,000 documents; nervaluate alone takes minutes at the large end); the default ``quick``
runs one small size. Every benchmark records, besides pytest-benchmark's wall-clock
statistics, the CPU seconds of each round in ``extra_info["cpu_seconds"]`` (this process,
or the child process for end-to-end commands): on a shared machine CPU time is the steadier
figure. Nothing asserts anything about time.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold"
SEEDS = ROOT / "seeds"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "bench's benchmark suites")
    group.addoption(
        "--bench-grid",
        choices=("quick", "full"),
        default="quick",
        help="scoring sizes: one quick size (default) or the full grid",
    )


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    """The load on the machine and the CPUs this process may use, next to pytest-benchmark's
    CPU description: ratios in one run are what counts on a shared machine."""
    machine_info["loadavg_start"] = config.stash.get(_LOAD_KEY, None)
    machine_info["loadavg_end"] = list(os.getloadavg())
    machine_info["usable_cpus"] = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    )


_LOAD_KEY = pytest.StashKey[list]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_LOAD_KEY] = list(os.getloadavg())


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(
    benchmark: Any,
    fn: Callable[[], object],
    *,
    rounds: int,
    children: bool = False,
    warmup_rounds: int = 0,
    **info: object,
) -> object:
    """Run ``fn`` ``rounds`` times under pytest-benchmark (one call per round) and record the
    CPU seconds of each round (of this process, or of its waited-for children) and ``info``."""
    cpu: list[float] = []

    def run() -> object:
        c0 = _children_cpu() if children else time.process_time()
        out = fn()
        cpu.append((_children_cpu() if children else time.process_time()) - c0)
        return out

    result = benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=warmup_rounds)
    benchmark.extra_info.update(info)
    benchmark.extra_info["cpu_seconds"] = cpu[warmup_rounds:]
    return result
