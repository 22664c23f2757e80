"""``bench.run.sweep``: each system of ``--all-available`` run in a spawned process of its own."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GOLD, SEEDS

from bench.run.sweep import RunRequest, run_and_write, run_each, run_isolated
from bench.run.timing import RunSettings

TOY = "toy_system:ToySystem"


def _request(out: Path, **kw: object) -> RunRequest:
    settings = RunSettings(repeats=1, warmup=0, latency=False)
    return RunRequest(GOLD, SEEDS, out, settings, bootstrap=100, **kw)  # type: ignore[arg-type]


def _stable(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in ("throughput", "environment", "created_at")}


def test_a_child_run_writes_what_a_run_in_this_process_writes(tmp_path: Path) -> None:
    child = run_isolated(TOY, _request(tmp_path / "child"))
    assert child.error is None and child.result is not None
    assert child.result_path == tmp_path / "child" / "toy.json"
    assert child.predictions_path is not None and child.predictions_path.is_file()
    here = run_and_write(TOY, _request(tmp_path / "here"))
    assert here.result_path is not None
    assert _stable(child.result_path) == _stable(here.result_path)
    assert (tmp_path / "child" / "predictions" / "toy.jsonl").read_bytes() == (
        tmp_path / "here" / "predictions" / "toy.jsonl"
    ).read_bytes()


def test_a_user_error_in_the_child_comes_back_as_one_line(tmp_path: Path) -> None:
    runs = list(
        run_each(["no-such-system", TOY], _request(tmp_path, options={"fail_load": "true"}))
    )
    assert [r.name for r in runs] == ["no-such-system", TOY]
    unknown, broken = runs
    assert unknown.result is None and "unknown system 'no-such-system'" in (unknown.error or "")
    assert broken.result is None and "load failed" in (broken.error or "")
    assert all("\n" not in (r.error or "") for r in runs)
    assert not (tmp_path / "toy.json").exists()
