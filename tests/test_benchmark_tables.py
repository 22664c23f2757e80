"""benchmarks/tables.py: the docs' speed tables from a pytest-benchmark JSON file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("bench_tables", ROOT / "benchmarks" / "tables.py")
assert _spec is not None and _spec.loader is not None
tables = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tables)


def _b(group: str, param: str, wall: float, cpu: list[float], **info: object) -> dict:
    return {
        "group": group,
        "param": param,
        "name": f"test[{param}]",
        "stats": {"median": wall, "rounds": len(cpu)},
        "extra_info": {"cpu_seconds": cpu, **info},
    }


def _data() -> dict:
    size = {"gold_per_doc": 30, "docs": 1000, "gold_spans": 30157, "spans": 60000}
    return {
        "datetime": "2026-11-27T17:38:00+00:00",
        "version": "5.3.1",
        "machine_info": {
            "cpu": {"brand_raw": "Test CPU", "count": 2},
            "usable_cpus": 2,
            "python_implementation": "CPython",
            "python_version": "3.11.7",
            "loadavg_start": [1.0, 2.0, 3.0],
            "loadavg_end": [1.5, 2.0, 3.0],
        },
        "commit_info": {"id": "0123456789abcdef", "dirty": False},
        "benchmarks": [
            _b("score-memory 30x1000", "30x1000-bench", 0.1, [0.05, 0.05, 0.06], **size),
            _b("score-memory 30x1000", "30x1000-nervaluate", 1.0, [1.0, 1.0, 1.1], **size),
            _b(
                "spacy values=true",
                "bench-true",
                0.5,
                [0.5, 0.5],
                words=1000,
                normalize_seconds=[0.02, 0.04],
            ),
            _b("spacy values=true", "nlp.pipe-true", 0.4, [0.45, 0.45], words=1000),
            _b("normalize time", "time-before", 1.0, [0.4, 0.4], expressions=80),
            _b("normalize time", "time-fast", 0.01, [0.004, 0.004], expressions=80),
        ],
    }


def _docs(tmp_path: Path) -> Path:
    for name in ("metrics.md", "run.md"):
        blocks = ["scoring"] if name == "metrics.md" else ["spacy", "normalize"]
        body = "".join(
            f"x\n<!-- benchmarks:{b} -->\nPLACEHOLDER\n<!-- /benchmarks:{b} -->\ny\n"
            for b in blocks
        )
        (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


def test_blocks_rewritten_between_markers(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    src = tmp_path / "bench.json"
    src.write_text(json.dumps(_data()), encoding="utf-8")
    assert tables.main([str(src), "--docs", str(docs)]) == 0
    metrics = (docs / "metrics.md").read_text(encoding="utf-8")
    run = (docs / "run.md").read_text(encoding="utf-8")
    assert "PLACEHOLDER" not in metrics + run
    assert metrics.startswith("x\n<!-- benchmarks:scoring -->\nMeasured 2026-11-27 17:38 UTC")
    assert "Test CPU, 2 usable cores" in metrics and "1.00, 2.00, 3.00 at the start" in metrics
    assert "| 30 | 1,000 | 30,157 | 1.000 | 0.050 | **20.0x** |" in metrics
    assert "**0.900x**" in run  # 0.45 / 0.5 CPU
    assert "| 0.0300 |" in run  # median normaliser seconds
    assert "| time | fast | 80 | 0.0500 |" in run and "100.0x" in run
    # the same JSON again changes nothing
    before = run
    tables.main([str(src), "--docs", str(docs)])
    assert (docs / "run.md").read_text(encoding="utf-8") == before


def test_missing_groups_leave_blocks_alone_and_missing_markers_fail(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    data = _data()
    data["benchmarks"] = [b for b in data["benchmarks"] if b["group"].startswith("normalize")]
    src = tmp_path / "bench.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    tables.main([str(src), "--docs", str(docs)])
    assert "PLACEHOLDER" in (docs / "metrics.md").read_text(encoding="utf-8")
    (docs / "run.md").write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no <!-- benchmarks:normalize -->"):
        tables.main([str(src), "--docs", str(docs)])
