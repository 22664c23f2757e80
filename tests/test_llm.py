"""The llm backend against a real HTTP server on loopback with scripted, deterministic answers."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench.errors import BenchError
from bench.protocol import DocInput
from systems.llm import LLMError, LlmSystem, parse_answer

DATE = dt.date(2017, 12, 11)
# script(payload, n) -> (status, body, delay seconds, extra headers); n counts earlier
# requests with the same user message.
Script = Callable[[dict[str, Any], int], tuple[int, str, float, dict[str, str]]]


def completion(content: str) -> str:
    """A chat-completions response body carrying ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    )


class ChatServer:
    """An OpenAI-style ``/v1/chat/completions`` endpoint on 127.0.0.1, answering by script."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.seen: Counter[str] = Counter()
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                user = payload["messages"][-1]["content"]
                with server.lock:
                    server.requests.append(payload)
                    server.headers.append(dict(self.headers))
                    n = server.seen[user]
                    server.seen[user] += 1
                    server.inflight += 1
                    server.max_inflight = max(server.max_inflight, server.inflight)
                try:
                    if self.path != "/v1/chat/completions":
                        status, text, delay, extra = 404, "no such route", 0.0, {}
                    else:
                        status, text, delay, extra = server.script(payload, n)
                    time.sleep(delay)
                    with server.lock:  # done before replying: the next request may follow
                        server.inflight -= 1
                    data = text.encode("utf-8")
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, val in extra.items():
                        self.send_header(key, val)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ChatServer]]:
    servers: list[ChatServer] = []

    def start(script: Script) -> ChatServer:
        servers.append(ChatServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def make(server: ChatServer, tmp_path: Path, **options: str) -> tuple[LlmSystem, list[float]]:
    """A loaded llm system pointed at ``server``; its backoff sleeps are recorded, not slept."""
    opts = {
        "base_url": server.base_url,
        "model": "test-model",
        "cache_dir": str(tmp_path / "cache"),
        "timeout": "5",
        "backoff": "0.01",
        **options,
    }
    system = LlmSystem(opts)
    system.load()
    sleeps: list[float] = []
    system._sleep = sleeps.append
    return system, sleeps


def answer(*mentions: tuple[str, str, object]) -> str:
    """An answer grouped by layer, as the prompt asks for."""
    out: dict[str, list[dict[str, object]]] = {"entity": [], "time": [], "number": []}
    layer = {"PERSON": "entity", "GPE": "entity", "DATE": "time", "CARDINAL": "number"}
    for text, label, value in mentions:
        out[layer.get(label, "entity")].append({"text": text, "label": label, "value": value})
    return json.dumps(out)


GOOD = answer(("Putin", "PERSON", None), ("December 11", "DATE", "2017-12-11"))


def failing_on(word: str, status: int, body: str) -> Script:
    """A script answering ``status`` and ``body`` when the user message has ``word``, else GOOD."""

    def script(payload: dict[str, Any], n: int) -> tuple[int, str, float, dict[str, str]]:
        if word in payload["messages"][-1]["content"]:
            return status, body, 0.0, {}
        return 200, completion(GOOD), 0.0, {}

    return script


def ok(content: str = GOOD) -> Script:
    return lambda payload, n: (200, completion(content), 0.0, {})


def doc(doc_id: str, text: str) -> DocInput:
    return DocInput(doc_id, text, DATE)


PLAIN = doc("plain", "Putin spoke on December 11. Later, Putin left.")


def _texts(spans: list) -> list[tuple[str, str, object]]:
    return [(s.text, s.label, s.value) for s in spans]


def test_seed_answer_mapped_to_every_occurrence(serve, tmp_path: Path, seed_docs: dict) -> None:
    seed = seed_docs["002_ca7f5d1c64f82479"]
    content = answer(
        ("Putin", "PERSON", None),
        ("Vladimir Putin", "PERSON", None),
        ("Prime Minister Dmitry Medvedev", "PERSON", None),  # the text has U+00A0 inside
        ("Russia's", "GPE", None),  # the text has a curly apostrophe
        ("November 28", "DATE", "2017-11-28"),
        ("Monday", "DATE", "on Monday"),  # not a TIMEX value: kept without value
        ("Atlantis", "GPE", None),  # not in the text
        ("Putin", "WIZARD", None),  # not a label
    )
    server = serve(ok(content))
    system, _ = make(server, tmp_path)
    (spans,) = system.extract([seed])
    text = seed.text
    for s in spans:
        assert text[s.start : s.end] == s.text
    putins = [m.start() for m in re.finditer(r"(?<!\w)Putin(?!\w)", text)]
    vladimir = text.index("Vladimir Putin")
    got_putins = [s.start for s in spans if s.text == "Putin"]
    assert got_putins == [p for p in putins if p != vladimir + len("Vladimir ")]
    assert len(got_putins) == 7
    assert [s.start for s in spans if s.text == "Vladimir Putin"] == [vladimir]
    (pm,) = [s for s in spans if s.text.startswith("Prime")]
    assert pm.text == "Prime Minister\u00a0Dmitry Medvedev"
    assert [s.start for s in spans if s.text == "Russia’s"] == [
        m.start() for m in re.finditer("Russia’s", text)
    ]
    assert len([s for s in spans if s.text == "Russia’s"]) == 2
    assert ("November 28", "DATE", "2017-11-28") in _texts(spans)
    assert {s.value for s in spans if s.text == "Monday"} == {None}
    assert not [s for s in spans if s.text == "Atlantis"]
    assert system.stats["unlocated"] == 1
    assert spans == sorted(spans, key=lambda s: (s.start, s.end, s.label))


def test_request_shape(serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_TEST_KEY", "sk-test")
    server = serve(ok())
    system, _ = make(server, tmp_path, api_key_env="BENCH_TEST_KEY", json_mode="true", seed="7")
    system.extract([PLAIN])
    (payload,) = server.requests
    assert payload["model"] == "test-model"
    assert payload["temperature"] == 0
    assert payload["seed"] == 7
    assert payload["response_format"] == {"type": "json_object"}
    system_msg, user_msg = payload["messages"]
    assert "PERSON" in system_msg["content"] and "TIMEX3" in system_msg["content"]
    assert "Document date: 2017-12-11 (Monday)" in user_msg["content"]
    assert user_msg["content"].endswith(PLAIN.text)
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


def test_no_key_no_header_and_missing_named_key(serve, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("BENCH_TEST_KEY", raising=False)
    server = serve(ok())
    system, _ = make(server, tmp_path)
    system.extract([PLAIN])
    assert "Authorization" not in server.headers[0]
    with pytest.raises(BenchError, match="BENCH_TEST_KEY is not set"):
        make(server, tmp_path, api_key_env="BENCH_TEST_KEY")


def test_malformed_json_is_retried(serve, tmp_path: Path) -> None:
    def script(payload: dict, n: int):
        content = '{"entity": [{"text": "Putin", "label": "PERS' if n == 0 else GOOD
        return 200, completion(content), 0.0, {}

    server = serve(script)
    system, sleeps = make(server, tmp_path)
    (spans,) = system.extract([PLAIN])
    assert len(server.requests) == 2
    assert sleeps == [0.01]
    assert _texts(spans) == [
        ("Putin", "PERSON", None),
        ("December 11", "DATE", "2017-12-11"),
        ("Putin", "PERSON", None),
    ]


def test_500_then_success_and_timeout_then_success(serve, tmp_path: Path) -> None:
    def script(payload: dict, n: int):
        user = payload["messages"][-1]["content"]
        if n == 0 and "crash" in user:
            return 500, '{"error": "boom"}', 0.0, {}
        if n == 0 and "slow" in user:
            return 200, completion(GOOD), 2.0, {}
        return 200, completion(GOOD), 0.0, {}

    server = serve(script)
    system, sleeps = make(server, tmp_path, timeout="0.3")
    crash = doc("crash", "crash: " + PLAIN.text)
    slow = doc("slow", "slow: " + PLAIN.text)
    out = system.extract([crash, slow])
    assert [len(spans) for spans in out] == [3, 3]
    assert len(server.requests) == 4
    assert system.stats["retries"] == 2
    assert sleeps == [0.01, 0.01]


def test_gives_up_with_exponential_backoff_others_cached(serve, tmp_path: Path) -> None:
    server = serve(failing_on("broken", 503, "overloaded"))
    system, sleeps = make(server, tmp_path, retries="3", backoff="0.5")
    broken = doc("broken", "broken " + PLAIN.text)
    with pytest.raises(LLMError, match=r"broken: gave up after 4 attempts: HTTP 503"):
        system.extract([PLAIN, broken])
    assert sorted(sleeps) == [0.5, 1.0, 2.0]
    assert len(server.requests) == 5
    # The good document's answer was cached: asking again only re-asks the broken one.
    again, _ = make(server, tmp_path, retries="0")
    with pytest.raises(LLMError):
        again.extract([PLAIN, broken])
    assert len(server.requests) == 6
    assert again.stats["cache_hits"] == 1


def test_client_errors_are_not_retried(serve, tmp_path: Path) -> None:
    server = serve(lambda payload, n: (401, '{"error": "bad key"}', 0.0, {}))
    system, sleeps = make(server, tmp_path)
    with pytest.raises(LLMError, match="HTTP 401"):
        system.extract([PLAIN])
    assert len(server.requests) == 1 and sleeps == []


def test_retry_after_is_honoured(serve, tmp_path: Path) -> None:
    def script(payload: dict, n: int):
        if n == 0:
            return 429, "slow down", 0.0, {"Retry-After": "2"}
        return 200, completion(GOOD), 0.0, {}

    server = serve(script)
    system, sleeps = make(server, tmp_path)
    system.extract([PLAIN])
    assert sleeps == [2.0]


def test_unreachable_server(tmp_path: Path) -> None:
    system = LlmSystem({"base_url": "http://127.0.0.1:9/v1", "model": "m", "cache_dir": "off"})
    system.load()
    system._sleep = lambda s: None
    with pytest.raises(LLMError, match="gave up after 4 attempts"):
        system.extract([PLAIN])


def test_cache_keyed_by_model_prompt_and_options(serve, tmp_path: Path) -> None:
    server = serve(ok())
    first, _ = make(server, tmp_path)
    a = first.extract([PLAIN])
    second, _ = make(server, tmp_path)
    assert second.extract([PLAIN]) == a
    assert len(server.requests) == 1
    assert second.stats["requests"] == 0 and second.stats["cache_hits"] == 1
    make(server, tmp_path, temperature="0.5")[0].extract([PLAIN])
    make(server, tmp_path, model="other-model")[0].extract([PLAIN])
    make(server, tmp_path, layers="time")[0].extract([PLAIN])  # another prompt
    assert len(server.requests) == 4
    off, _ = make(server, tmp_path, cache_dir="off")
    off.extract([PLAIN])
    off.extract([PLAIN])
    assert len(server.requests) == 6
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 4
    assert json.loads(files[0].read_text(encoding="utf-8"))["content"]


def test_malformed_answers_are_not_cached(serve, tmp_path: Path) -> None:
    server = serve(ok("Sorry, I cannot help with that."))
    system, _ = make(server, tmp_path, retries="1")
    with pytest.raises(LLMError, match="no JSON object"):
        system.extract([PLAIN])
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.json"))


def test_concurrency_limit(serve, tmp_path: Path) -> None:
    server = serve(lambda payload, n: (200, completion(GOOD), 0.2, {}))
    docs = [doc(f"d{i}", f"{i}: " + PLAIN.text) for i in range(6)]
    system, _ = make(server, tmp_path, concurrency="2", cache_dir="off")
    out = system.extract(docs)
    assert [len(x) for x in out] == [3] * 6
    assert server.max_inflight == 2
    server.max_inflight = 0
    system, _ = make(server, tmp_path, concurrency="1", cache_dir="off")
    system.extract(docs[:3])
    assert server.max_inflight == 1


def test_layers_option_filters_labels(serve, tmp_path: Path) -> None:
    server = serve(ok())
    system, _ = make(server, tmp_path, layers="time")
    (spans,) = system.extract([PLAIN])
    assert _texts(spans) == [("December 11", "DATE", "2017-12-11")]
    assert "PERSON" not in server.requests[0]["messages"][0]["content"]


def test_parse_answer_shapes() -> None:
    fenced = '```json\n{"spans": [{"text": "two", "label": "CARDINAL", "value": "2"}]}\n```'
    assert parse_answer(fenced) == [{"text": "two", "label": "CARDINAL", "value": "2"}]
    flat = 'Here you go: [{"text": "Syria", "label": "GPE"}, 3, {"label": "GPE"}] done'
    assert parse_answer(flat) == [{"text": "Syria", "label": "GPE"}]
    by_layer = '{"time": [{"text": "today", "label": "DATE", "value": "2017-12-11"}]}'
    assert parse_answer(by_layer)[0]["value"] == "2017-12-11"
    for bad in ("no json here", '{"entity": [', "42"):
        with pytest.raises(ValueError):
            parse_answer(bad)


def test_number_values_and_bad_options(serve, tmp_path: Path) -> None:
    text = "some 465,000 people and 12 million others, two of them"
    content = answer(
        ("465,000", "CARDINAL", "465,000"),
        ("12 million", "CARDINAL", 12e6),
        ("two", "CARDINAL", "two"),
    )
    server = serve(ok(content))
    system, _ = make(server, tmp_path)
    (spans,) = system.extract([doc("n", text)])
    assert _texts(spans) == [
        ("465,000", "CARDINAL", 465000),
        ("12 million", "CARDINAL", 12000000),
        ("two", "CARDINAL", None),
    ]
    for opts, field in [
        ({"model": "m"}, "base_url"),
        ({"base_url": "ftp://x", "model": "m"}, "base_url"),
        ({"base_url": "http://x/v1"}, "model"),
        ({"base_url": "http://x/v1", "model": "m", "concurrency": "0"}, "concurrency"),
        ({"base_url": "http://x/v1", "model": "m", "layers": "entity,mood"}, "layers"),
    ]:
        with pytest.raises(BenchError, match=f"option {field}="):
            LlmSystem(opts).load()


def test_a_failing_document_through_the_registry(serve, tmp_path: Path) -> None:
    from bench.registry import create_system
    from bench.run.extract import extract_documents

    server = serve(failing_on("broken", 500, "boom"))
    options = {
        "base_url": server.base_url,
        "model": "test-model",
        "cache_dir": str(tmp_path / "cache"),
        "retries": "1",
        "backoff": "0",
    }
    system = create_system("llm", options)
    system.load()
    broken = doc("broken", "broken " + PLAIN.text)
    got = extract_documents(system, [PLAIN, broken, doc("other", "other " + PLAIN.text)])
    assert sorted(got.predictions) == ["other", "plain"]
    assert [f.doc_id for f in got.failures] == ["broken"]
    assert "gave up after 2 attempts: HTTP 500" in got.failures[0].error
    # batch (3 asked, broken twice), then one by one: plain and other from the cache
    assert len(server.requests) == 3 + 1 + 2


class _RawServer:
    """A loopback HTTP server whose POST handler is ``handle(handler)``: for hostile replies."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.headers.append(dict(self.headers))
                try:
                    handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # where a followed 302 would arrive
                server.headers.append(dict(self.headers))
                _reply(self, 200, completion(GOOD).encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], _RawServer]]:
    servers: list[_RawServer] = []

    def start(handle: Callable[[BaseHTTPRequestHandler], None]) -> _RawServer:
        servers.append(_RawServer(handle))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_redirect_to_another_origin_gets_no_key(raw, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BENCH_TEST_KEY", "sk-secret")
    target = raw(lambda h: _reply(h, 200, completion(GOOD).encode()))

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", target.base_url + "/chat/completions")
        h.send_header("Content-Length", "0")
        h.end_headers()

    origin = raw(redirect)
    system, _ = make(origin, tmp_path, api_key_env="BENCH_TEST_KEY")  # type: ignore[arg-type]
    with pytest.raises(LLMError, match=r"HTTP 302 .* not followed"):
        system.extract([PLAIN])
    assert origin.headers[0]["Authorization"] == "Bearer sk-secret"
    assert target.headers == []  # the other origin was never contacted, so never saw the key


def _reply(h: BaseHTTPRequestHandler, status: int, data: bytes) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def test_timeout_bounds_the_whole_request(raw, tmp_path: Path) -> None:
    def drip(h: BaseHTTPRequestHandler) -> None:
        data = completion(GOOD).encode()
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        for i in range(len(data)):  # one byte every 0.2 s: each read is quick, the whole slow
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(0.2)

    server = raw(drip)
    system, _ = make(server, tmp_path, timeout="1", retries="0")  # type: ignore[arg-type]
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timed out after 1 s"):
        system.extract([PLAIN])
    assert time.monotonic() - t0 < 4  # the body alone would take a minute


def test_response_over_the_limit_is_refused(raw, tmp_path: Path) -> None:
    sent: list[int] = []

    def huge(h: BaseHTTPRequestHandler, declare: bool) -> None:
        h.send_response(200)
        if declare:
            h.send_header("Content-Length", str(50_000_000))
        h.end_headers()
        block = b" " * 65536
        for _ in range(50_000_000 // len(block)):
            h.wfile.write(block)
            sent.append(len(block))

    for declare in (True, False):
        sent.clear()
        server = raw(lambda h, d=declare: huge(h, d))
        system, _ = make(server, tmp_path, max_response_mb="1", retries="0")  # type: ignore[arg-type]
        with pytest.raises(LLMError, match="refused"):
            system.extract([PLAIN])
        assert sum(sent) < 20_000_000  # the client stopped reading long before the end
    with pytest.raises(BenchError, match="option max_response_mb="):
        LlmSystem({"base_url": "http://x/v1", "model": "m", "max_response_mb": "0"})


def test_cache_entry_that_does_not_parse_is_asked_again(serve, tmp_path: Path) -> None:
    server = serve(ok())
    first, _ = make(server, tmp_path)
    expected = first.extract([PLAIN])
    (entry,) = (tmp_path / "cache").rglob("*.json")
    for damaged in (
        {"content": "Sorry, no JSON here"},
        {"content": '{"entity": ['},
        {"content": 42},
        {"other": "x"},
    ):
        entry.write_text(json.dumps(damaged), encoding="utf-8")
        again, _ = make(server, tmp_path)
        assert again.extract([PLAIN]) == expected
        assert again.stats["requests"] == 1 and again.stats["cache_hits"] == 0
        assert json.loads(entry.read_text(encoding="utf-8"))["content"] == GOOD  # rewritten
    entry.write_text("[[[[" * 100_000, encoding="utf-8")  # too deep for json
    again, _ = make(server, tmp_path)
    assert again.extract([PLAIN]) == expected


def test_locate_by_the_words_before() -> None:
    from systems.llm import locate

    text = "He paid 23 dollars. Later, two men paid 23 more, and two left.\nThen 23."
    firsts = [m.start() for m in re.finditer(r"\b23\b", text)]
    assert locate(text, "23", "Later, two men paid", set()) == (
        [(firsts[1], firsts[1] + 2)],
        "context",
    )
    assert locate(text, "23", "left.  Then", set()) == ([(firsts[2], firsts[2] + 2)], "context")
    assert locate(text, "23", "He  paid", set()) == ([(firsts[0], firsts[0] + 2)], "context")
    # no context: every occurrence (today's rule); a context found nowhere: the same
    assert locate(text, "23", None, set())[1] == "every"
    assert len(locate(text, "23", "nowhere near", set())[0]) == 3
    assert locate(text, "He", "", set()) == ([(0, 2)], "unique")
    assert locate(text, "Atlantis", "x", set()) == ([], "unlocated")
    # the same text and context twice: the first occurrence not taken yet
    twice = "so two and so two"
    taken: set[tuple[int, int]] = set()
    a, _ = locate(twice, "two", "so", taken)
    taken.update(a)
    b, _ = locate(twice, "two", "so", taken)
    assert a == [(3, 6)] and b == [(14, 17)]


def test_context_picks_one_occurrence_and_counts(serve, tmp_path: Path) -> None:
    text = "two men and two women: 23 of them, then 23 more"
    content = json.dumps(
        {
            "number": [
                {"text": "two", "label": "CARDINAL", "value": 2, "before": "men and"},
                {"text": "23", "label": "CARDINAL", "value": 23, "before": "then"},
                {"text": "23", "label": "CARDINAL", "value": 23},  # no context: both
            ]
        }
    )
    server = serve(ok(content))
    system, _ = make(server, tmp_path, layers="number")
    (spans,) = system.extract([doc("n", text)])
    assert [(s.start, s.text) for s in spans] == [(12, "two"), (23, "23"), (40, "23")]
    assert system.stats["context"] == 2 and system.stats["every"] == 1


def test_json_schema_answers_are_validated(serve, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")  # in the test extra

    from systems.llm_prompt import answer_schema

    good = json.dumps(
        {"time": [{"text": "December 11", "label": "DATE", "value": "2017-12-11", "before": "on"}]}
    )
    bad = json.dumps({"time": [{"text": "December 11", "label": "PERSON", "value": None}]})

    def script(payload: dict, n: int):
        first = n == 0 and "Putin" in payload["messages"][-1]["content"]
        return 200, completion(bad if first else good), 0.0, {}

    server = serve(script)
    system, sleeps = make(server, tmp_path, layers="time", response_format="json_schema")
    sent = server.requests[0]["response_format"]  # the probe in load()
    schema = sent["json_schema"]["schema"]
    assert sent["type"] == "json_schema" and schema == answer_schema(["time"])
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(good), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(bad), schema)
    # the first document request gets the bad answer: it is retried, not scored
    (spans,) = system.extract([PLAIN])
    assert _texts(spans) == [("December 11", "DATE", "2017-12-11")]
    assert sleeps == [0.01]
    # lenient modes accept the same bad-but-parseable answer (the label drops the mention)
    lenient, _ = make(serve(ok(bad)), tmp_path, layers="time", response_format="json_object")
    assert lenient.extract([PLAIN]) == [[]]


def test_usage_is_recorded_and_cached(serve, tmp_path: Path) -> None:
    def script(payload: dict, n: int):
        body = json.loads(completion(GOOD))
        body["usage"] = {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}
        return 200, json.dumps(body), 0.0, {}

    server = serve(script)
    system, _ = make(server, tmp_path, price_in="3", price_out="15")
    system.extract([PLAIN])
    u = system.usage(["plain"])
    assert (u.prompt_tokens, u.completion_tokens, u.docs_reported) == (1000, 200, 1)
    assert u.cost == pytest.approx((1000 * 3 + 200 * 15) / 1e6)
    assert u.cost_per_1000_docs == pytest.approx(6.0)
    assert system.tokens_per_second(["plain"]) > 0
    again, _ = make(server, tmp_path, price_in="3", price_out="15")
    again.extract([PLAIN])
    assert again.stats["cache_hits"] == 1 and again.usage(["plain"]) == u
    no_usage, _ = make(serve(ok()), tmp_path, cache_dir="off")
    no_usage.extract([PLAIN])
    assert not no_usage.usage(["plain"]).reported and no_usage.usage(["plain"]).cost == 0


def test_prompt_templates_and_few_shot_never_the_scored_document(
    serve, tmp_path: Path, seed_docs: dict
) -> None:
    from conftest import GOLD, SEEDS

    from systems.llm_prompt import load_prompt, template_names

    assert {"default", "terse"} <= set(template_names())
    server = serve(ok())
    terse, _ = make(server, tmp_path, prompt="terse", cache_dir="off")
    terse.extract([PLAIN])
    assert server.requests[-1]["messages"][0]["content"].startswith("Extract mentions.")
    assert terse.versions["prompt"] == "terse@1"
    assert terse.versions["prompt_sha256"] == load_prompt("terse").sha256
    custom = tmp_path / "mine.json"
    custom.write_text(
        json.dumps(
            {
                "name": "mine",
                "version": "7",
                "system": ["Keys {layers}."],
                "layers": {},
                "user": "{text}",
            }
        ),
        encoding="utf-8",
    )
    mine, _ = make(server, tmp_path, prompt=str(custom), cache_dir="off")
    mine.extract([PLAIN])
    assert server.requests[-1]["messages"][-1]["content"] == PLAIN.text
    with pytest.raises(BenchError, match="option prompt: unknown template 'nosuch'"):
        LlmSystem({"base_url": "http://x/v1", "model": "m", "prompt": "nosuch"})
    custom.write_text('{"name": "mine"}', encoding="utf-8")
    with pytest.raises(BenchError, match=r"mine\.json: version"):
        LlmSystem({"base_url": "http://x/v1", "model": "m", "prompt": str(custom)})

    shots, _ = make(
        server,
        tmp_path,
        few_shot="2",
        few_shot_gold=str(GOLD),
        few_shot_texts=str(SEEDS),
        few_shot_chars="800",
        cache_dir="off",
    )
    assert "never the document scored" in shots.versions["few_shot"]
    docs = list(seed_docs.values())
    shots.extract(docs)
    for payload in server.requests[-len(docs) :]:
        msgs = payload["messages"]
        assert [m["role"] for m in msgs] == [
            "system",
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
        ]
        scored = msgs[-1]["content"]
        for m in msgs[1:-1:2]:  # the example documents
            example = m["content"].split("Document:\n", 1)[1]
            assert (
                len(example) <= 800 and example not in scored and scored[-200:] not in m["content"]
            )
        for m in msgs[2:-1:2]:  # their gold answers: texts placed by context
            answer_items = json.loads(m["content"])
            assert set(answer_items) == {"entity", "time", "number"}
            assert all("before" in x for items in answer_items.values() for x in items)


def test_version_changes_with_template_bytes_and_examples(tmp_path: Path) -> None:
    """bench's prediction cache keys on the version: an edited template or other example
    gold must be a miss, not yesterday's predictions."""
    from conftest import GOLD, SEEDS

    base = {"base_url": "http://x/v1", "model": "m"}
    tpl = json.loads((Path(__file__).parents[1] / "systems/prompts/default.json").read_text())
    path = tmp_path / "p.json"
    path.write_text(json.dumps(tpl), encoding="utf-8")
    a = LlmSystem({**base, "prompt": str(path)}).info.version
    tpl["system"][0] += " Be careful."
    path.write_text(json.dumps(tpl), encoding="utf-8")
    b = LlmSystem({**base, "prompt": str(path)}).info.version
    assert a.startswith("prompt-default@2+") and a != b
    shots = {**base, "few_shot": "1", "few_shot_gold": str(GOLD), "few_shot_texts": str(SEEDS)}
    c = LlmSystem(shots).info.version
    assert c != LlmSystem(base).info.version
    assert LlmSystem.info.version == "prompt-default@2"  # the class's own, for listings


def test_schema_refused_with_a_5xx_naming_response_format(serve, tmp_path: Path) -> None:
    """llama-cpp-python's server answers an unknown response_format type with HTTP 500."""

    def script(payload: dict, n: int):
        if payload.get("response_format", {}).get("type") == "json_schema":
            return 500, '{"error": {"message": "response_format.type: literal_error"}}', 0.0, {}
        return 200, completion(GOOD), 0.0, {}

    server = serve(script)
    with pytest.raises(BenchError, match=r"response_format=json_schema: the server refused it"):
        make(server, tmp_path, response_format="json_schema")
    assert len(server.requests) == 1  # the probe only, no retries
    make(server, tmp_path, response_format="json_object")[0].extract([PLAIN])
