"""docs/guarantees.md, "Results, caches and concurrency", states what the code and tests do:
the bounds in its table are the ones bench.limits enforces, and every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

from bench import limits

DOC = ROOT / "docs" / "guarantees.md"
HEADING = "## Results, caches and concurrency"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(HEADING) == 1
    rest = text.split(HEADING, 1)[1]
    return rest.split("\n## ", 1)[0]


def test_bounds_table_is_what_the_code_enforces() -> None:
    rows = dict(re.findall(r"^\| `(--[a-z-]+)`[^|]*\| ([^|]+) \|$", section(), re.M))
    want = {
        "--bootstrap": (0, limits.MAX_BOOTSTRAP),
        "--workers": (1, limits.MAX_WORKERS),
        "--repeats": (1, limits.MAX_REPEATS),
        "--warmup": (0, limits.MAX_WARMUP),
        "--batch-size": (1, limits.MAX_BATCH_SIZE),
    }
    assert set(rows) == set(want)
    for option, (low, high) in want.items():
        assert rows[option].startswith(f"{low:,} to {high:,}"), (option, rows[option])


def test_every_named_test_exists() -> None:
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", section()))
    assert len(named) >= 15
    defined: set[str] = set()
    for f in (ROOT / "tests").glob("test_*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        defined |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert named <= defined, sorted(named - defined)


def test_quoted_messages_are_the_code_s() -> None:
    doc = section()
    sources = "".join(
        (ROOT / "bench" / name).read_text(encoding="utf-8")
        for name in ("run/cache.py", "files.py", "limits.py", "run/pair.py")
    )
    for quoted, in_code in [
        ("note: cache entry PATH: reason; recomputing (a\nmiss)", "; recomputing (a miss)"),
        ("cannot write: File too large", ": cannot write: "),
        ("is a file, not a directory", "is a file, not a directory"),
        ("using 2 workers", "using {cpus} workers"),
        ("predictions_sha256", "predictions_sha256"),
        ("PR_SET_PDEATHSIG", "PR_SET_PDEATHSIG"),
    ]:
        assert quoted in doc, quoted
        assert in_code in sources or in_code in (ROOT / "bench" / "run" / "executor.py").read_text(
            encoding="utf-8"
        ), in_code
    assert Path(limits.__file__).name == "limits.py"
