"""Start-up stays light: what ``python -X importtime`` shows each light command importing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

# Each of these costs from 0.2 s (pyarrow) to several seconds (torch) before a command starts.
HEAVY = (
    "spacy",
    "thinc",
    "torch",
    "transformers",
    "datasets",
    "pyarrow",
    "pandas",
    "ray",
    "dask",
    "distributed",
    "sklearn",
    "matplotlib",
    "scipy",
)


def imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Top-level packages a real ``bench ARGS`` process imported, from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    assert names, proc.stderr[-500:]
    return names, proc


def test_help_imports_neither_heavy_libraries_nor_rich_nor_pydantic() -> None:
    names, proc = imported("--help")
    assert proc.returncode == 0 and "Usage:" in proc.stdout
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    # The two trims of docs/scale.md: plain help (no rich renderer), models imported on use.
    assert "rich" not in names and "pydantic" not in names, sorted(names & {"rich", "pydantic"})


@pytest.mark.parametrize(
    "args",
    [
        ["gold", "validate"],
        ["gold", "--help"],
        ["score", "--help"],
        ["systems", "--help"],
    ],
)
def test_light_commands_import_no_heavy_library(args: list[str]) -> None:
    names, proc = imported(*args)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_a_command_line_builds_only_the_command_it_invokes() -> None:
    """typer builds every registered command's parameters on each call: ``bench score ...``
    registers ``score`` alone, ``bench`` and ``bench --help`` (and an unknown name) all."""
    import typer

    from bench.cli import COMMANDS, app_for

    def built(args: list[str]) -> set[str]:
        return set(typer.main.get_command(app_for(args)).commands)  # type: ignore[attr-defined]

    assert built(["score", "-p", "x.jsonl"]) == {"score"}
    assert built(["gold", "validate"]) == {"gold"}
    assert built([]) == built(["--help"]) == built(["nosuch"]) == set(COMMANDS)
    res = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0
    listed = {line.split()[0] for line in res.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == set(COMMANDS)
