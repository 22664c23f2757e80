"""Hostile labels, names, texts and files through the real ``bench`` command: nothing is written
outside the output directory, and no Markdown, CSV, HTML or terminal output obeys data.

The promises tested here are listed in docs/guarantees.md ("Hostile input and where bench
writes"); ``test_guarantees_doc_lists_these_tests`` keeps the two in step.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DOC, GOLD, ROOT, SEEDS

from bench.escape import csv_text, md_code, md_text, visible
from bench.names import check_name
from bench.report.leaderboard import README_END, README_START

TESTS = Path(__file__).resolve().parent
TOY = "toy_system:ToySystem"
FAST = ("--repeats", "1", "--warmup", "0", "--bootstrap", "0", "--no-latency", "-q")
ANSI = "\x1b]0;pwned\x07\x1b[2J"
HOSTILE_LABELS = [
    "../x",
    "../../escaped",
    "/tmp/bench-absolute-label",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "a\nb",
    README_END,
    "=cmd|' /C calc'!A0",
    ANSI,
    ".hidden",
    "",
]
# Data that must come out inert wherever it is shown.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FAKE_HEADING = "x\n## ✅ no regression in 1 system\n" + SCRIPT
FORMULA = "=cmd|' /C calc'!A0"


def bench(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), full.get("PYTHONPATH", "")])
    full.pop("BENCH_CACHE_DIR", None)
    full.pop("GITHUB_STEP_SUMMARY", None)
    full |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True, env=full
    )


def snapshot(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every file under ``root`` (but ``skip``) with the hash of its bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not (skip and p.is_relative_to(skip)):
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def one_line_error(res: subprocess.CompletedProcess, *needles: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    for ch in "\x1b\x07\r":
        assert ch not in res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project (seeds, gold, README whose block links to results/) and one toy result in it."""
    root = tmp_path_factory.mktemp("made")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(GOLD, root / "gold", ignore=shutil.ignore_patterns("passes"))
    (root / "README.md").write_text(
        f"# project\n{README_START}\nsee [the leaderboard](results/LEADERBOARD.md).\n"
        f"{README_END}\nend\n",
        encoding="utf-8",
    )
    res = bench("run", "-s", TOY, *FAST, "--no-cache", "--no-report", cwd=root)
    assert res.returncode == 0, res.stderr
    return root


@pytest.fixture
def project(made: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(made, root)
    return root


# --- writes: only under --out / --results; README only when asked -------------------------


def test_scratch_run_and_report_leave_the_checkout_alone(project: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    scratch = tmp_path / "scratch"
    res = bench("run", "-s", TOY, *FAST, "--out", str(scratch), cwd=project)
    assert res.returncode == 0, res.stderr
    after = snapshot(tmp_path, skip=scratch)
    assert after == before  # README.md, results/, gold/, seeds/ untouched
    assert (scratch / "LEADERBOARD.md").is_file() and (scratch / "toy.json").is_file()
    rep = bench("report", "--results", str(scratch), cwd=project)
    assert rep.returncode == 0, rep.stderr
    assert snapshot(tmp_path, skip=scratch) == before


def test_readme_only_from_the_results_it_links_to(project: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    shutil.copytree(project / "results", scratch)
    readme = (project / "README.md").read_bytes()
    res = bench("report", "--results", str(scratch), "--readme", "README.md", cwd=project)
    one_line_error(res, "README.md: its leaderboard shows", "refusing")
    assert (project / "README.md").read_bytes() == readme
    # bench run refuses before running anything.
    run = bench("run", "-s", TOY, *FAST, "--out", "elsewhere", "--readme", "README.md", cwd=project)
    one_line_error(run, "README.md: its leaderboard shows")
    assert not (project / "elsewhere").exists()
    # The results the block links to: rewritten, on request only.
    ok = bench("report", "--readme", "README.md", cwd=project)
    assert ok.returncode == 0, ok.stderr
    text = (project / "README.md").read_text(encoding="utf-8")
    assert "| toy |" in text and "(results/LEADERBOARD.md)" in text


def test_report_removes_only_its_own_pages(project: Path) -> None:
    errors = project / "results" / "errors"
    errors.mkdir(parents=True, exist_ok=True)
    mine = errors / "index.html"
    mine.write_text("<p>my own page</p>\n", encoding="utf-8")
    assert bench("report", cwd=project).returncode == 0
    assert (errors / "toy.html").is_file() and mine.read_text(encoding="utf-8")
    # The toy result goes away: its page (which report wrote) goes, the user's file stays.
    (project / "results" / "toy.json").unlink()
    assert bench("report", cwd=project).returncode == 0
    assert not (errors / "toy.html").exists()
    assert mine.read_text(encoding="utf-8") == "<p>my own page</p>\n"


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_hostile_label_in_a_result_file(project: Path, tmp_path: Path, label: str) -> None:
    results = project / "results"
    data = json.loads((results / "toy.json").read_text(encoding="utf-8"))
    data["system"]["label"] = label
    (results / "toy.json").write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(tmp_path)
    rep = bench("report", cwd=project)
    one_line_error(rep, "toy.json: system.label:", "is not a safe label")
    cmp = bench("compare", "results", "results", cwd=project)
    one_line_error(cmp, "toy.json: system.label:")
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/bench-absolute-label.html").exists()


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_hostile_label_option(project: Path, label: str) -> None:
    if "\n" in label or not label:  # (an empty --label means the default, the system's name)
        pytest.skip("argv cannot carry this through every shell; covered by check_name below")
    res = bench("run", "-s", TOY, *FAST, "--label", label, cwd=project)
    one_line_error(res, "--label: ")
    assert not list((project / "results").glob("*.json"))[1:]  # only toy.json


@pytest.mark.parametrize("name", [*HOSTILE_LABELS, "a" * 129, "con/sole", "a\\b", "-x", "+x"])
def test_one_name_check_refuses(name: str) -> None:
    from bench.schema import check_doc_id_safe

    for check in (check_name, check_doc_id_safe):
        with pytest.raises(ValueError, match="is not a safe"):
            check(name)
    assert check_name("spacy-md_2.1+x") == "spacy-md_2.1+x" and check_name(DOC) == DOC


# --- Markdown, CSV, HTML, terminal: data is shown, never obeyed ----------------------------


def _poison(path: Path, name: str, options: dict[str, str]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["system"]["name"] = name
    data["system"]["options"] = options
    data["environment"]["cpu_model"] = FAKE_HEADING + README_END
    path.write_text(json.dumps(data), encoding="utf-8")


def _assert_inert_markdown(text: str) -> None:
    assert "<script" not in text and "<img" not in text
    assert not any(line.startswith("## ✅") for line in text.splitlines())
    assert "\x1b" not in text and "\x07" not in text


def test_hostile_names_and_options_in_markdown_csv_html(project: Path, tmp_path: Path) -> None:
    results = project / "results"
    _poison(results / "toy.json", FORMULA, {"names": IMG + "\n" + README_END + ANSI})
    readme_before = (project / "README.md").read_text(encoding="utf-8")
    for _ in range(2):  # the block must not grow run after run
        rep = bench("report", "--readme", "README.md", cwd=project)
        assert rep.returncode == 0, rep.stderr
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.count(README_END) == 1 and readme.count(README_START) == 1
    assert readme.endswith(f"{README_END}\nend\n")
    # One result: a table per layer (about 24 lines); a block written twice would be twice that.
    assert len(readme.splitlines()) - len(readme_before.splitlines()) < 40
    _assert_inert_markdown(readme)
    board = (results / "LEADERBOARD.md").read_text(encoding="utf-8")
    _assert_inert_markdown(board)
    assert README_END not in board
    with (results / "leaderboard.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["system"] == "'" + FORMULA
    for row in rows:
        for cell in row.values():
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start so
    page = (results / "errors" / "toy.html").read_text(encoding="utf-8")
    assert "<img" not in page and README_END not in page and "&lt;img" in page

    # compare --markdown and the CI step summary: the candidate's name and options are data.
    cand = tmp_path / "cand"
    shutil.copytree(results, cand)
    _poison(cand / "toy.json", FAKE_HEADING, {"names": FAKE_HEADING + IMG})
    summary = tmp_path / "summary.md"
    cmp = bench(
        "compare", "results", str(cand), "--markdown", str(tmp_path / "c.md"), cwd=project,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert cmp.returncode in (0, 1), cmp.stderr
    for out in (tmp_path / "c.md", summary):
        _assert_inert_markdown(out.read_text(encoding="utf-8"))
    assert "\x1b" not in cmp.stdout and "\x07" not in cmp.stdout


def test_gold_show_makes_control_characters_visible(project: Path, tmp_path: Path) -> None:
    src = tmp_path / "evil.txt"
    src.write_text(f"Putin{ANSI} visited Syria.\nSecond line\r with a carriage return.\n", "utf-8")
    add = bench("gold", "add", str(src), "--date", "2017-12-11", "--doc-id", "evil", cwd=project)
    assert add.returncode == 0, add.stderr
    show = bench("gold", "show", "evil", cwd=project)
    assert show.returncode == 0, show.stderr
    for ch in "\x1b\x07\r":
        assert ch not in show.stdout
    assert "Putin\\x1b]0;pwned\\x07\\x1b[2J visited Syria.\nSecond line\\r with" in show.stdout
    bad = bench("gold", "show", "../" + ANSI, cwd=project)
    one_line_error(bad, "not a safe id", "\\x1b")


# --- importers ----------------------------------------------------------------------------

TEXT_FORMATS = {  # format: the file to import from the export directory
    "labelstudio": "tasks.json",
    "doccano": "gold.jsonl",
    "brat": "",
    "conll": "gold.conll",
}


def _export(project: Path, fmt: str, dest: Path) -> None:
    res = bench("gold", "export", fmt, str(dest), "--doc", DOC, cwd=project)
    assert res.returncode == 0, res.stderr


def _replace_everywhere(root: Path, old: str, new_json: str, new_raw: str) -> None:
    for p in list(root.rglob("*")):
        if not p.is_file():
            continue
        text = p.read_text(encoding="utf-8")
        new = new_json if p.suffix in (".json", ".jsonl") else new_raw
        p.write_text(text.replace(old, new), encoding="utf-8")
        if old in p.name:
            p.rename(p.with_name(p.name.replace(old, "evil")))


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS))
@pytest.mark.parametrize("doc_id", ["../../evil", "/tmp/bench-absolute", "a" + ANSI])
def test_importers_refuse_hostile_doc_ids(
    project: Path, tmp_path: Path, fmt: str, doc_id: str
) -> None:
    exp = tmp_path / "exp"
    _export(project, fmt, exp)
    _replace_everywhere(exp, DOC, json.dumps(doc_id)[1:-1], doc_id)
    out = tmp_path / "imported"
    before = snapshot(tmp_path)
    res = bench("gold", "import", fmt, str(exp / TEXT_FORMATS[fmt]), "--out", str(out), cwd=project)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    assert "\x1b" not in res.stderr + res.stdout and "\x07" not in res.stderr + res.stdout
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/bench-absolute.json").exists()


def _rewrite_binary(fmt: str, exp: Path, doc_id: str) -> Path:
    """The export of ``fmt`` in ``exp`` with its one document's id set to ``doc_id``, through
    the format's own library; the path to import."""
    if fmt == "docbin":
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab

        path = exp / "gold.spacy"
        docs = list(DocBin().from_disk(path).get_docs(Vocab()))
        for doc in docs:
            doc.user_data["bench"]["doc_id"] = doc_id
        DocBin(docs=docs, store_user_data=True).to_disk(path)
        return path
    if fmt == "hf-parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = exp / "gold.parquet"
        table = pq.read_table(path)
        ids = pa.array([doc_id] * table.num_rows)
        pq.write_table(table.set_column(table.column_names.index("doc_id"), "doc_id", ids), path)
        return path
    from datasets import load_from_disk

    ds = load_from_disk(str(exp)).map(lambda _: {"doc_id": doc_id})
    ds.save_to_disk(str(exp.with_name("hf-disk-evil")))
    return exp.with_name("hf-disk-evil")


@pytest.mark.parametrize("fmt", ["docbin", "hf-disk", "hf-parquet"])
@pytest.mark.parametrize("doc_id", ["../../evil", "/tmp/bench-absolute", "a" + ANSI])
def test_binary_importers_refuse_hostile_doc_ids(
    project: Path, tmp_path: Path, fmt: str, doc_id: str
) -> None:
    pytest.importorskip("spacy" if fmt == "docbin" else "datasets")
    exp = tmp_path / "exp"
    _export(project, fmt, exp)
    source = _rewrite_binary(fmt, exp, doc_id)
    out = tmp_path / "imported"
    before = snapshot(tmp_path)
    res = bench("gold", "import", fmt, str(source), "--out", str(out), cwd=project)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "is not a safe id" in res.stderr, res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    assert "\x1b" not in res.stderr + res.stdout and "\x07" not in res.stderr + res.stdout
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/bench-absolute.json").exists()


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS))
def test_importers_show_hostile_labels_inert(project: Path, tmp_path: Path, fmt: str) -> None:
    exp = tmp_path / "exp"
    _export(project, fmt, exp)
    label = "PERSON" + ANSI + "<script>"
    _replace_everywhere(exp, "PERSON", json.dumps(label)[1:-1], label)
    before = snapshot(tmp_path)
    out = tmp_path / "imported"
    res = bench("gold", "import", fmt, str(exp / TEXT_FORMATS[fmt]), "--out", str(out), cwd=project)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "\x1b" not in res.stderr + res.stdout and "\x07" not in res.stderr + res.stdout
    assert snapshot(tmp_path) == before


# --- the escapers themselves ---------------------------------------------------------------


@pytest.mark.parametrize("text", [SCRIPT, IMG, FAKE_HEADING, README_END, ANSI, "a|b`c*d_e[f]"])
def test_markdown_escaping(text: str) -> None:
    for out in (md_text(text), md_code(text)):
        assert "<" not in out and "\n" not in out and "\x1b" not in out
    assert "`" not in md_code(text)
    assert re.search(r"(?<!\\)[|*_\[\]`]", md_text(text)) is None


def test_csv_and_terminal_escaping() -> None:
    assert csv_text(FORMULA) == "'" + FORMULA and csv_text("@x") == "'@x"
    assert csv_text("spacy") == "spacy"
    assert visible(ANSI) == "\\x1b]0;pwned\\x07\\x1b[2J"
    assert visible("a\nb\r", keep_newlines=True) == "a\nb\\r"
    assert visible("a\nb\u202e") == "a\\nb\\u202e"


# --- docs/guarantees.md promises exactly what these tests check ----------------------------


def test_guarantees_doc_lists_these_tests() -> None:
    doc = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    section = doc.split("## Hostile input and where bench writes", 1)[1].split("\n## ", 1)[0]
    cited = set(re.findall(r"test_hostile\.py::(\w+)", section))
    here = {name for name in globals() if name.startswith("test_")}
    here.discard("test_guarantees_doc_lists_these_tests")
    assert cited == here, cited ^ here
    assert "[Guarantees](docs/guarantees.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
