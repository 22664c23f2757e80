"""The llm system against a real llama.cpp server (``llama-cpp-python[server]``), on loopback.

Skipped unless the server and the ``gguf`` writer import (``pip install 'bench[llama]'``), or
an interpreter that has them is named in ``BENCH_LLAMA_PYTHON``. The model is a tiny random
GGUF made by tests/tinygguf.py (no package on the index ships a GGUF small enough), or the
file named in ``BENCH_LLAMA_GGUF``. Its answers are noise: the test checks the protocol
(requests, chat completions, usage, structured output, failures recorded), not the scores.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SEEDS

LLAMA_PYTHON = os.environ.get("BENCH_LLAMA_PYTHON", sys.executable)
TESTS = Path(__file__).resolve().parent


def _has_server() -> bool:
    try:
        probe = subprocess.run(
            [LLAMA_PYTHON, "-c", "import llama_cpp.server, gguf"],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


pytestmark = [
    pytest.mark.llama,
    pytest.mark.skipif(
        not _has_server(),
        reason="llama-cpp-python[server] and gguf not installed (pip install 'bench[llama]')",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``python -m llama_cpp.server`` on 127.0.0.1; yields its base URL."""
    tmp = tmp_path_factory.mktemp("llama")
    model = os.environ.get("BENCH_LLAMA_GGUF") or str(tmp / "tiny.gguf")
    if not os.environ.get("BENCH_LLAMA_GGUF"):
        subprocess.run([LLAMA_PYTHON, str(TESTS / "tinygguf.py"), model], check=True)
    port = _free_port()
    log = (tmp / "server.log").open("wb")
    cmd = [LLAMA_PYTHON, "-m", "llama_cpp.server", "--model", model, "--model_alias", "tiny"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "16384"]
    cmd += ["--n_threads", "1", "--chat_format", "chatml"]
    proc = subprocess.Popen(
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail(
                    "llama server did not start: " + (tmp / "server.log").read_text()[-500:]
                )
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_one_document_through_the_real_server(llama: str, tmp_path: Path) -> None:
    from bench.protocol import DocInput
    from systems.llm import LLMError, LlmSystem

    system = LlmSystem(
        {
            "base_url": llama,
            "model": "tiny",
            "cache_dir": "off",
            "max_tokens": "48",
            "retries": "0",
            "timeout": "120",
            "layers": "time",
        }
    )
    system.load()
    doc = DocInput("d", "Putin spoke on December 11.", __import__("datetime").date(2017, 12, 11))
    # A chat completion comes back with usage; the random model's content is noise, so the
    # document either yields (probably no) spans or fails on its JSON, never on the protocol.
    try:
        system.extract([doc])
    except LLMError as exc:
        assert "JSON" in str(exc) or "answer" in str(exc), exc
    assert system.stats["requests"] == 1
    body = json.dumps(
        {
            "model": "tiny",
            "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 8,
            "response_format": {"type": "json_object"},
        }
    ).encode()
    status, _, _, raw = system._http(
        "/chat/completions", body, {"Content-Type": "application/json"}
    )
    reply = json.loads(raw)
    assert status == 200 and reply["choices"][0]["message"]["role"] == "assistant"
    assert reply["usage"]["prompt_tokens"] > 0 and reply["usage"]["completion_tokens"] > 0


def test_bench_run_against_llama_cpp(llama: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("BENCH_CACHE_DIR", None)
    env.pop("OPENAI_API_KEY", None)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "bench", "run", "--system", "llm", "--label", "llama-tiny"]
    args += ["--out", str(out), "--no-report", "--gold", str(GOLD), "--texts", str(SEEDS)]
    args += ["--repeats", "1", "--warmup", "0", "--bootstrap", "0", "--no-latency"]
    args += ["--no-cache", "--quiet", "--allow-failures", "--batch-size", "5"]
    for opt in (
        f"base_url={llama}",
        "model=tiny",
        "cache_dir=off",
        "max_tokens=48",
        "retries=0",
        "timeout=300",
        "concurrency=1",
        "response_format=json_object",
        "price_in=0.1",
        "price_out=0.2",
    ):
        args += ["--option", opt]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "llama-tiny.json").read_text(encoding="utf-8"))
    assert result["system"]["name"] == "llm" and result["usage"]["docs"] == 5
    # Each document either parsed (tokens recorded) or failed on its answer, not on HTTP.
    for failure in result["failures"]:
        assert "HTTP" not in failure["error"] and "timed out" not in failure["error"]
    assert result["usage"]["docs_reported"] + len(result["failures"]) == 5


def test_json_schema_against_llama_cpp(llama: str, tmp_path: Path) -> None:
    """llama-cpp-python 0.3 refuses ``"type": "json_schema"`` (HTTP 500, a validation error
    naming response_format): one line, exit 2. A server version that accepts it runs."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("BENCH_CACHE_DIR", None)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "bench", "run", "--system", "llm", "--label", "schema"]
    args += ["--out", str(out), "--no-report", "--gold", str(GOLD), "--texts", str(SEEDS)]
    args += ["--repeats", "1", "--warmup", "0", "--bootstrap", "0", "--no-latency"]
    args += ["--no-cache", "--quiet", "--allow-failures"]
    for opt in (f"base_url={llama}", "model=tiny", "cache_dir=off", "max_tokens=48"):
        args += ["--option", opt]
    args += ["--option", "response_format=json_schema", "--option", "retries=0"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=env)
    if proc.returncode == 2:
        (line,) = proc.stderr.strip().splitlines()
        assert "response_format=json_schema: the server refused it" in line
        assert not (out / "schema.json").exists()
    else:
        assert proc.returncode == 0, proc.stderr
        assert (out / "schema.json").exists()
