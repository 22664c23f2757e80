"""`bench gold diff`: each kind of change, directories, and the text a reviewer reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.annotate.diff import diff_gold, diff_paths, render
from bench.cli import app
from bench.errors import BenchError
from bench.schema import GoldDocument

ROOT = Path(__file__).resolve().parents[1]
DOC = "004_11ebdb740a3ae7fd"


def _gold() -> dict:
    return json.loads((ROOT / "gold" / f"{DOC}.json").read_text("utf-8"))


def _changed() -> dict:
    d = _gold()
    spans = d["spans"]
    putin = next(s for s in spans if s["text"] == "Putin")
    putin["label"] = "ORG"
    removed = next(s for s in spans if s["text"] == "Syria")
    spans.remove(removed)
    time = next(s for s in spans if s["layer"] == "time")
    time["value"] = "2017-12-12"
    number = next(s for s in spans if s["layer"] == "number" and isinstance(s["value"], int))
    number["value"] = float(number["value"])  # 2 -> 2.0 is a change of the file
    spans.append(
        {
            "start": 2940,
            "end": 2943,
            "text": "Jaz",
            "layer": "entity",
            "label": "ORG",
            "value": None,
        }
    )
    d["status"] = "draft"
    d["ignore"][0]["reason"] = "other"
    return d


def test_each_kind_of_change() -> None:
    old, new = GoldDocument.model_validate(_gold()), GoldDocument.model_validate(_changed())
    diff = diff_gold(old, new)
    assert diff.state == "changed"
    assert diff.counts() == {"added": 1, "removed": 1, "relabeled": 1, "revalued": 2}
    assert diff.header == [("status", "adjudicated", "draft")]
    assert [k for k, _, _ in diff.ignore] == ["renoted"]
    # Swapping old and new swaps added and removed, and nothing else.
    back = diff_gold(new, old)
    assert back.counts() == {"added": 1, "removed": 1, "relabeled": 1, "revalued": 2}
    assert diff_gold(old, old).state == "same" and render([diff_gold(old, old)]) == ""


def test_render_reads_like_a_review() -> None:
    old, new = GoldDocument.model_validate(_gold()), GoldDocument.model_validate(_changed())
    text = render([diff_gold(old, new)])
    lines = text.splitlines()
    assert (
        lines[0]
        == f"{DOC}: 1 added, 1 removed, 1 relabeled, 2 revalued, 1 ignore region(s) changed"
    )
    assert '  ~ status: "adjudicated" -> "draft"' in lines
    assert any(x.startswith("  ~ relabeled entity PERSON -> ORG") and '"Putin"' in x for x in lines)
    assert any(x.startswith("  - removed   entity GPE") and '"Syria"' in x for x in lines)
    assert any("revalued" in x and 'value "2017-12-11TMO" -> "2017-12-12"' in x for x in lines)
    assert any("revalued" in x and "value 2 -> 2.0" in x for x in lines)
    assert any(x.startswith("  + added     entity ORG") and '"Jaz"' in x for x in lines)
    assert lines[-1] == "1 of 1 document(s) differ: 1 added, 1 removed, 1 relabeled, 2 revalued"


def test_directories_match_by_name(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(ROOT / "gold", a, ignore=shutil.ignore_patterns("passes"))
    shutil.copytree(ROOT / "gold", b, ignore=shutil.ignore_patterns("passes"))
    (b / f"{DOC}.json").write_text(json.dumps(_changed()), "utf-8")
    (a / "000_1598703d18e677fe.json").unlink()
    diffs = diff_paths(a, b)
    states = {d.doc_id: d.state for d in diffs}
    assert states[DOC] == "changed" and states["000_1598703d18e677fe"] == "added"
    assert sum(s == "same" for s in states.values()) == 3
    assert "(document added)" in render(diffs)


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"doc_id": "x"}', "utf-8")
    with pytest.raises(BenchError, match=r"x.json: document_date: Field required"):
        diff_paths(bad, bad)
    with pytest.raises(BenchError, match="two files or two directories"):
        diff_paths(bad, tmp_path)


def test_cli_diff(tmp_path: Path) -> None:
    new = tmp_path / f"{DOC}.json"
    new.write_text(json.dumps(_changed()), "utf-8")
    old = ROOT / "gold" / f"{DOC}.json"
    runner = CliRunner()
    res = runner.invoke(app, ["gold", "diff", str(old), str(new)])
    assert res.exit_code == 0 and "relabeled" in res.output
    res = runner.invoke(app, ["gold", "diff", "--exit-code", str(old), str(new)])
    assert res.exit_code == 1
    res = runner.invoke(app, ["gold", "diff", "--exit-code", str(old), str(old)])
    assert res.exit_code == 0 and res.output == "no differences\n"
