"""Imports that could lose or shift data without a word: Label Studio offsets that are not
integers or not UTF-16 units, values dropped by a relabel, a DocBin directory without its file.
Each case runs the real ``bench gold import``."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import DOC, GOLD, SEEDS
from goldcases import EMOJI_ID, make_corpus

from bench.cli import main
from bench.corpus.formats.exchange import export_gold


def bench(args: list[str], cwd: Path, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["bench", *args])
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err + cap.out
    return code, cap.out, cap.err


def one_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)


# --- Label Studio: integer offsets, every span's text checked ------------------------------------


@pytest.fixture
def ls(tmp_path: Path) -> Path:
    """A corpus with the emoji document, exported to Label Studio as ``ls/tasks.json``."""
    texts, gold = make_corpus(tmp_path)
    export_gold("labelstudio", gold, texts, tmp_path / "ls", [EMOJI_ID])
    return tmp_path


def _tasks(root: Path) -> list[dict]:
    return json.loads((root / "ls" / "tasks.json").read_text("utf-8"))


def _save(root: Path, tasks: list[dict]) -> None:
    (root / "ls" / "tasks.json").write_text(json.dumps(tasks), "utf-8")


def _region(tasks: list[dict], shown: str) -> dict:
    result = tasks[0]["predictions"][0]["result"]
    return next(r for r in result if r["type"] == "labels" and r["value"]["text"] == shown)


@pytest.mark.parametrize("bad", [8.9, True, "8", None])
def test_labelstudio_offsets_must_be_integers(bad: object, ls: Path, capsys, monkeypatch) -> None:
    tasks = _tasks(ls)
    region = _region(tasks, "Assad")
    region["value"]["start"] = bad
    _save(ls, tasks)
    args = ["gold", "import", "labelstudio", "ls", "--out", "new"]
    code, _, err = bench(args, ls, capsys, monkeypatch)
    rid = region["id"]
    one_error(code, err, f"tasks.json: task 0 ({EMOJI_ID}): region {rid}: start: expected int")
    assert not (ls / "new").exists()


def test_labelstudio_region_without_text_is_still_checked(ls: Path, capsys, monkeypatch) -> None:
    """Code-point offsets after an emoji, no ``text`` in the region: refused, not shifted."""
    tasks = _tasks(ls)
    region = _region(tasks, "Hmeimim air base")
    text = tasks[0]["data"]["text"]
    start = text.index("Hmeimim")  # in code points: 4 less than the UTF-16 offset after 🇷🇺😀𝒳
    region["value"].update(start=start, end=start + len("Hmeimim air base"))
    del region["value"]["text"]
    _save(ls, tasks)
    args = ["gold", "import", "labelstudio", "ls", "--out", "new"]
    code, _, err = bench(args, ls, capsys, monkeypatch)
    one_error(code, err, f"region {region['id']}: text: missing")
    assert not (ls / "new").exists()
    # With its text, the same shifted offsets are caught by the comparison.
    region["value"]["text"] = "Hmeimim air base"
    _save(ls, tasks)
    code, _, err = bench(args, ls, capsys, monkeypatch)
    one_error(code, err, f"region {region['id']}: text: 'Hmeimim air base' != text[")
    assert not (ls / "new").exists()


def test_labelstudio_unbroken_export_imports(ls: Path, capsys, monkeypatch) -> None:
    args = ["gold", "import", "labelstudio", "ls", "--out", "new"]
    code, _, err = bench(args, ls, capsys, monkeypatch)
    assert code == 0, err
    assert (ls / "new" / f"{EMOJI_ID}.json").read_bytes() == (
        ls / "gold" / f"{EMOJI_ID}.json"
    ).read_bytes()


# --- values: a relabel within a layer keeps the value; a drop is said, per span -----------------


@pytest.fixture
def dc(tmp_path: Path) -> Path:
    """The real corpus and its gold, DOC exported as doccano ``in.jsonl``."""
    root = tmp_path / "work"
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(GOLD, root / "gold", ignore=shutil.ignore_patterns("passes", "*.md"))
    export_gold("doccano", root / "gold", root / "seeds", root / "x", [DOC])
    shutil.move(root / "x" / "gold.jsonl", root / "in.jsonl")
    return root


def _numbered(rec: dict) -> tuple[int, list]:
    """The first label triple of a number span with a value, and that value entry."""
    values = {tuple(v[:3]): v for v in rec["values"]}
    k = next(i for i, t in enumerate(rec["label"]) if tuple(t) in values and t[2] == "CARDINAL")
    return k, values[tuple(rec["label"][k])]


def _gold_span(root: Path, where: str, a: int, b: int) -> dict:
    data = json.loads((root / where / f"{DOC}.json").read_text("utf-8"))
    return next(s for s in data["spans"] if (s["start"], s["end"]) == (a, b))


def test_relabel_within_a_layer_keeps_the_value(dc: Path, capsys, monkeypatch) -> None:
    rec = json.loads((dc / "in.jsonl").read_text("utf-8"))
    k, entry = _numbered(rec)
    rec["label"][k][2] = "QUANTITY"  # relabelled in the tool; the metadata still says CARDINAL
    (dc / "in.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    code, _, err = bench(
        ["gold", "import", "doccano", "in.jsonl", "--out", "new"], dc, capsys, monkeypatch
    )
    assert code == 0, err
    span = _gold_span(dc, "new", entry[0], entry[1])
    assert (span["label"], span["value"]) == ("QUANTITY", entry[3])
    assert "warning" not in err


def test_dropped_value_is_said_per_span(dc: Path, capsys, monkeypatch) -> None:
    """A number span deleted in the tool, the document a draft: its value is named on stderr,
    once, whether the import replaces a gold file (--force) or writes a new one."""
    rec = json.loads((dc / "in.jsonl").read_text("utf-8"))
    rec["status"] = "draft"
    k, entry = _numbered(rec)
    del rec["label"][k]
    (dc / "in.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    for out in (["--out", "new"], ["--out", "gold", "--force"]):
        code, _, err = bench(
            ["gold", "import", "doccano", "in.jsonl", *out], dc, capsys, monkeypatch
        )
        assert code == 0, err
        warnings = [x for x in err.splitlines() if x.startswith("warning: ")]
        assert len(warnings) == 1, err
        assert DOC in warnings[0] and f"value {entry[3]}" in warnings[0], warnings
        assert "dropped" in warnings[0]


def test_changed_value_is_said(dc: Path, capsys, monkeypatch) -> None:
    rec = json.loads((dc / "in.jsonl").read_text("utf-8"))
    _, entry = _numbered(rec)
    entry[3] = entry[3] + 1
    (dc / "in.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    code, _, err = bench(
        ["gold", "import", "doccano", "in.jsonl", "--out", "gold", "--force"],
        dc,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    (line,) = [x for x in err.splitlines() if x.startswith("warning: ")]
    assert f"gold/{DOC}.json ({DOC}): spans[" in line
    assert f"value {entry[3] - 1} changed to {entry[3]}" in line


# --- strict JSON in brat notes; brat offsets too long to be numbers ------------------------------


@pytest.fixture
def brat_dir(dc: Path) -> Path:
    export_gold("brat", dc / "gold", dc / "seeds", dc / "b", [DOC])
    return dc


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_brat_non_finite_value_is_refused(
    literal: str, brat_dir: Path, capsys, monkeypatch
) -> None:
    """A draft with ``{"value": NaN}`` used to be written into gold JSON as NaN, exit 0."""
    ann = brat_dir / "b" / f"{DOC}.ann"
    lines = ann.read_text("utf-8").split("\n")
    k = next(i for i, x in enumerate(lines) if '{"value": ' in x and x.startswith("#"))
    head, _, _ = lines[k].partition('{"value": ')
    lines[k] = head + '{"value": ' + literal + "}"
    ann.write_text("\n".join(lines), "utf-8")
    manifest = json.loads((brat_dir / "b" / "bench.json").read_text("utf-8"))
    manifest["documents"][0]["status"] = "draft"
    (brat_dir / "b" / "bench.json").write_text(json.dumps(manifest), "utf-8")
    code, _, err = bench(
        ["gold", "import", "brat", "b", "--out", "new"], brat_dir, capsys, monkeypatch
    )
    one_error(code, err, f"{DOC}.ann:{k + 1}: AnnotatorNotes:", "finite")
    assert not (brat_dir / "new").exists()


def test_brat_offset_of_5000_digits(brat_dir: Path, capsys, monkeypatch) -> None:
    ann = brat_dir / "b" / f"{DOC}.ann"
    lines = ann.read_text("utf-8").split("\n")
    tid, rest = lines[0].split("\t", 1)
    label, _, shown = rest.partition("\t")
    lines[0] = f"{tid}\t{label.split()[0]} 0 {'9' * 5000}\t{shown}"
    ann.write_text("\n".join(lines), "utf-8")
    code, _, err = bench(
        ["gold", "import", "brat", "b", "--out", "new"], brat_dir, capsys, monkeypatch
    )
    one_error(code, err, f"{DOC}.ann:1: offsets:")
