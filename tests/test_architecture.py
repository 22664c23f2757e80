"""The package's shape (docs/architecture.md): no import cycles, arrows pointing down the stages.

Every ``import`` in ``bench/`` counts, at module level or inside a function, so a cycle cannot
hide behind a deferred import.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import DOC, ROOT

PACKAGE = ROOT / "bench"

# Stages, lowest first: a module may import its own stage or a lower one, never a higher one.
STAGES: tuple[tuple[str, ...], ...] = (
    ("bench.errors", "bench.timex", "bench.strictjson", "bench.escape", "bench.names"),
    ("bench.files", "bench.limits"),
    ("bench.schema", "bench.normalize", "bench.offsets"),
    ("bench.protocol", "bench.corpus"),
    ("bench.scoring", "bench.registry"),
    ("bench.run",),
    ("bench.report", "bench.annotate", "bench.schemafiles"),
    ("bench.cli", "bench.__main__", "bench.api"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every bench module ``path`` imports, anywhere in it (``from a import b`` counts ``a.b``
    when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    # ``bench`` itself is the lazy public API on top: importing its version string is fine.
    return {name: imports(path, known) - {"bench", name} for name, path in mods.items()}


def stage(name: str) -> int:
    for i, prefixes in enumerate(STAGES):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{name} belongs to no stage in STAGES")


def test_no_import_cycle() -> None:
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node)


def test_imports_point_down_the_stages() -> None:
    wrong = [
        f"{a} imports {b}"
        for a, targets in sorted(graph().items())
        if a != "bench"
        for b in sorted(targets)
        if stage(b) > stage(a)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_walker_sees_function_level_imports(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from bench.scoring import engine\n    import bench.errors\n")
    assert imports(src, {"bench.scoring", "bench.scoring.engine", "bench.errors"}) == {
        "bench.scoring",
        "bench.scoring.engine",
        "bench.errors",
    }


def test_library_errors_name_parameters_not_flags() -> None:
    """Outside ``bench/cli`` no error message names a ``--flag`` (a parameter is named by
    ``ParameterError``, whose name the CLI turns into the flag); a whole command to run, in
    backticks (`` `bench run --label LABEL` ``), is advice, not a parameter."""
    import re

    flag = re.compile(r"(?<![\w-])--[a-z]")
    command = re.compile(r"`bench [^`]*`")
    errors = {"BenchError", "ParameterError", "MissingExtraError"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            name = name or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if name not in errors:
                continue
            for arg in node.args:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        if flag.search(command.sub("", sub.value)):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_score_error_names_the_parameter_and_the_cli_adds_the_dashes(tmp_path: Path) -> None:
    import subprocess
    import sys

    import pytest

    from bench.errors import BenchError
    from bench.scoring.engine import score

    with pytest.raises(BenchError, match=r"^bootstrap: must be between 0 and 100,000, got -1$"):
        score({}, {}, bootstrap=-1)
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"doc_id": DOC, "spans": []}) + "\n", encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "bench", "score", "-p", str(preds), "--bootstrap", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert res.stderr.strip() == "error: --bootstrap: must be between 0 and 100,000, got -1"


def test_a_missing_extra_is_one_line_naming_it() -> None:
    import pytest

    from bench.errors import MissingExtraError, need

    with pytest.raises(MissingExtraError) as err:
        need("no_such_module_xyz", "data", "bench gold agree")
    assert str(err.value) == "bench gold agree needs no_such_module_xyz: pip install 'bench[data]'"
    need("json", "data", "anything")  # installed: no error
