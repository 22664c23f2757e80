"""The machine and software a run happened on: recorded beside every throughput figure."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict

import bench

# Always recorded: the harness and the libraries every run goes through.
CORE_PACKAGES = ("bench", "pydantic", "numpy", "scipy")


class Environment(BaseModel):
    """CPU, cores, load, Python, package versions and the code's git commit at run time."""

    model_config = ConfigDict(extra="forbid")

    cpu_model: str | None
    logical_cpus: int | None
    usable_cpus: int | None
    load_average_1m: float | None  # other work on the machine skews timings; say how much
    python: str
    implementation: str
    platform: str
    bench_version: str
    git_commit: str | None
    git_dirty: bool | None
    packages: dict[str, str | None]


def cpu_model() -> str | None:
    """The CPU model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def usable_cpus() -> int | None:
    """CPUs this process may run on (affinity), which can be fewer than the machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def requirement_name(requirement: str) -> str:
    """The distribution name of a pip requirement string (``spacy>=3.8`` -> ``spacy``)."""
    return re.split(r"[\s<>=!~;\[(@]", requirement.strip(), maxsplit=1)[0]


def package_versions(names: Iterable[str]) -> dict[str, str | None]:
    """Installed version of each distribution, None when it is not installed; sorted by name."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return dict(sorted(out.items()))


def git_state(where: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout containing ``where``; (None, None) outside one."""

    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", "-C", str(where), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout if proc.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit.strip(), (bool(status.strip()) if status is not None else None)


def capture(extra_packages: Iterable[str] = ()) -> Environment:
    """Describe this machine and process now; ``extra_packages`` are the system's requirements."""
    try:
        load = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        load = None
    commit, dirty = git_state(Path(bench.__file__).resolve().parent)
    names = {*CORE_PACKAGES, *(requirement_name(r) for r in extra_packages)}
    return Environment(
        cpu_model=cpu_model(),
        logical_cpus=os.cpu_count(),
        usable_cpus=usable_cpus(),
        load_average_1m=load,
        python=platform.python_version(),
        implementation=sys.implementation.name,
        platform=platform.platform(),
        bench_version=bench.__version__,
        git_commit=commit,
        git_dirty=dirty,
        packages=package_versions(sorted(n for n in names if n)),
    )
