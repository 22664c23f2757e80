"""The llm system against an oracle: a loopback server answering each seed document with
exactly its gold mentions, in the format asked, through the real ``bench run``.

The oracle's answers are computed here from gold/ at test time (not with the system's own
helpers): each mention's text, label, value and the five words before it. It reports
``usage`` like an API does, so the run records tokens and cost.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.corpus.gold import load_gold_dir

jsonschema = pytest.importorskip("jsonschema")  # in the test extra

TESTS = Path(__file__).resolve().parent


def before_words(text: str, start: int) -> str:
    """The five whitespace-separated pieces just before ``start`` (joined by one space)."""
    return " ".join(text[:start].split()[-5:])


class Oracle:
    """``/v1/chat/completions`` on 127.0.0.1 answering with the gold of the asked document."""

    def __init__(self, context: bool = True, reject_schema: bool = False) -> None:
        gold = load_gold_dir(GOLD, SEEDS)
        self.docs = {doc.text: doc.gold for doc in gold.values()}
        self.formats: list[str] = []
        self.lock = threading.Lock()
        oracle = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, body = oracle.answer(payload, context, reject_schema)
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def answer(
        self, payload: dict[str, Any], context: bool, reject_schema: bool
    ) -> tuple[int, dict[str, Any]]:
        fmt = payload.get("response_format", {"type": "text"})
        with self.lock:
            self.formats.append(fmt["type"])
        if reject_schema and fmt["type"] == "json_schema":
            return 400, {"error": {"message": "response_format json_schema: not supported"}}
        user = payload["messages"][-1]["content"]
        text = user.split("Document:\n", 1)[-1]
        g = self.docs.get(text)
        layers = re.findall(r'Layer "(\w+)"', payload["messages"][0]["content"])
        out: dict[str, list[dict[str, Any]]] = {layer: [] for layer in layers}
        for sp in g.spans if g is not None else []:
            if sp.layer in out:
                item: dict[str, Any] = {
                    "text": text[sp.start : sp.end],
                    "label": sp.label,
                    "value": sp.value,
                }
                if context:
                    item["before"] = before_words(text, sp.start)
                out[sp.layer].append(item)
        if fmt["type"] == "json_schema":
            jsonschema.Draft202012Validator.check_schema(fmt["json_schema"]["schema"])
            jsonschema.validate(out, fmt["json_schema"]["schema"])  # the oracle's answer fits
            content = json.dumps(out)
        elif fmt["type"] == "json_object":
            content = json.dumps(out)
        else:  # a chatty model: prose and a code fence around the JSON
            content = "Here are the mentions:\n```json\n" + json.dumps(out, indent=1) + "\n```"
        prompt_chars = sum(len(m["content"]) for m in payload["messages"])
        usage = {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt_chars // 4 + len(content) // 4,
        }
        return 200, {
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            "usage": usage,
        }

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def oracle() -> Iterator[type[Oracle]]:
    started: list[Oracle] = []

    def start(**kw: bool) -> Oracle:
        started.append(Oracle(**kw))
        return started[-1]

    yield start  # type: ignore[misc]
    for o in started:
        o.close()


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("BENCH_CACHE_DIR", None)
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def run_llm(tmp_path: Path, server: Oracle, label: str, *options: str):
    out = tmp_path / "out"
    opts = [f"base_url={server.base_url}", "model=oracle", "cache_dir=off", *options]
    args = ["run", "--system", "llm", "--label", label, "--out", str(out), "--no-report"]
    args += ["--gold", str(GOLD), "--texts", str(SEEDS), "--repeats", "1", "--warmup", "0"]
    args += ["--bootstrap", "0", "--no-cache", "--quiet"]
    for o in opts:
        args += ["--option", o]
    return bench(*args, cwd=tmp_path), out / f"{label}.json"


def strict_f1(result: dict[str, Any]) -> dict[str, float]:
    by_layer = result["metrics"]["by_layer"]
    return {layer: by_layer[layer]["strict"]["f1"] for layer in by_layer}


@pytest.mark.parametrize("fmt", ["text", "json_object", "json_schema"])
def test_oracle_scores_every_layer(oracle, tmp_path: Path, fmt: str) -> None:
    server = oracle()
    proc, path = run_llm(
        tmp_path,
        server,
        f"oracle-{fmt}",
        f"response_format={fmt}",
        "price_in=2.5",
        "price_out=10",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(path.read_text(encoding="utf-8"))
    f1 = strict_f1(result)
    assert set(f1) == {"entity", "time", "number"}
    assert all(v >= 0.99 for v in f1.values()), f1
    assert result["failures"] == []
    assert fmt in server.formats
    usage = result["usage"]
    assert usage["reported"] and usage["docs"] == usage["docs_reported"] == 5
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    cost = (usage["prompt_tokens"] * 2.5 + usage["completion_tokens"] * 10) / 1e6
    assert usage["cost"] == pytest.approx(cost, abs=1e-6)
    assert usage["cost_per_1000_docs"] == pytest.approx(1000 * cost / 5, abs=1e-4)
    assert result["throughput"]["tokens_per_second"] > 0
    assert result["system"]["versions"]["prompt"] == "default@2"
    assert len(result["system"]["versions"]["prompt_sha256"]) == 64


def test_without_context_every_occurrence_loses_numbers(oracle, tmp_path: Path) -> None:
    """Today's rule (every occurrence of a text) is what the context fixes: without it the
    same gold mentions score lower on numbers ("two" and "23" also found elsewhere)."""
    server = oracle(context=False)
    proc, path = run_llm(tmp_path, server, "oracle-no-context")
    assert proc.returncode == 0, proc.stderr
    f1 = strict_f1(json.loads(path.read_text(encoding="utf-8")))
    assert f1["number"] < 0.99


def test_leaderboard_has_cost_column(oracle, tmp_path: Path) -> None:
    server = oracle()
    proc, _ = run_llm(tmp_path, server, "oracle", "price_in=2.5", "price_out=10")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    rules = bench(
        "run", "--system", "rules", "--out", str(out), "--no-report", "--gold", str(GOLD),
        "--texts", str(SEEDS), "--repeats", "1", "--warmup", "0", "--bootstrap", "0",
        "--no-cache", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert rules.returncode == 0, rules.stderr
    before = {p: p.stat().st_mtime_ns for p in ROOT.glob("README.md")}
    rep = bench("report", "--results", str(out), "--gold", str(GOLD), "--texts", str(SEEDS),
                cwd=tmp_path)  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    board = (out / "LEADERBOARD.md").read_text(encoding="utf-8")
    head = next(line for line in board.splitlines() if "$ per 1k docs" in line)
    cols = [c.strip() for c in head.strip("|").split("|")]
    rows = {
        cells[0]: cells
        for line in board.splitlines()
        if line.startswith("|")
        and (cells := [c.strip() for c in line.strip("|").split("|")])
        and len(cells) == len(cols)
    }
    oracle_row = next(v for k, v in rows.items() if "oracle" in k)
    rules_row = next(v for k, v in rows.items() if k.startswith("rules") or "rules" in k)
    i, j = cols.index("tokens/doc"), cols.index("$ per 1k docs")
    result = json.loads((out / "oracle.json").read_text(encoding="utf-8"))
    assert oracle_row[j] == f"{result['usage']['cost_per_1000_docs']:.4f}"
    assert float(oracle_row[j]) > 0 and float(oracle_row[i].replace(",", "")) > 0
    assert rules_row[i] == "0.0" and rules_row[j] == "0.0000"
    assert (out / "f1_vs_cost.png").stat().st_size > 1000
    csv = (out / "leaderboard.csv").read_text(encoding="utf-8")
    assert "cost_per_1000_docs" in csv.splitlines()[0]
    assert {p: p.stat().st_mtime_ns for p in ROOT.glob("README.md")} == before


def test_schema_the_server_rejects_is_one_line_exit_2(oracle, tmp_path: Path) -> None:
    server = oracle(reject_schema=True)
    proc, path = run_llm(tmp_path, server, "rejected", "response_format=json_schema")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "response_format=json_schema" in lines[0] and "400" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not path.exists()


@pytest.mark.parametrize(
    ("option", "field"),
    [
        ("price_in=-1", "price_in"),
        ("price_out=abc", "price_out"),
        ("price_in=nan", "price_in"),
        ("prompt=nosuch", "prompt"),
        ("prompt=../../etc/passwd", "prompt"),
        ("response_format=yaml", "response_format"),
    ],
)
def test_bad_options_are_one_line_exit_2(oracle, tmp_path: Path, option: str, field: str) -> None:
    server = oracle()
    proc, path = run_llm(tmp_path, server, "bad", option)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], proc.stderr
    assert not path.exists()


def test_usage_survives_the_prediction_cache(oracle, tmp_path: Path) -> None:
    server = oracle()
    out = tmp_path / "out"
    args = ["run", "--system", "llm", "--label", "cached", "--out", str(out), "--no-report"]
    args += ["--gold", str(GOLD), "--texts", str(SEEDS), "--repeats", "1", "--warmup", "0"]
    args += ["--bootstrap", "0", "--quiet"]
    for o in (f"base_url={server.base_url}", "model=oracle", "cache_dir=off", "price_in=1"):
        args += ["--option", o]
    first = bench(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    a = json.loads((out / "cached.json").read_text(encoding="utf-8"))
    server.close()  # the second run must not need the server
    second = bench(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    b = json.loads((out / "cached.json").read_text(encoding="utf-8"))
    assert b["throughput"]["cached"] and b["usage"] == a["usage"] and a["usage"]["reported"]
