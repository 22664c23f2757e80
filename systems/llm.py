"""``llm``: any OpenAI-compatible chat-completions endpoint, asked for JSON spans with values.

Standard library only (``http.client``): one request per document, answers cached on disk by a
hash of (model, messages, generation options), retried with exponential backoff, at most
``concurrency`` requests in flight; ``timeout`` bounds each whole exchange, a response over
``max_response_mb`` is refused, and redirects are not followed (they could carry the API key
to another host). Returned strings are mapped back to offsets with
:mod:`bench.offsets` (every occurrence; quote, dash and whitespace differences tolerated).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any, ClassVar

from bench.corpus import write_atomic
from bench.errors import BenchError
from bench.offsets import find_all
from bench.schema import LABEL_LAYER, LAYER_LABELS, LAYERS, PredictedSpan
from bench.systems import DocInput, Option, SystemInfo
from bench.timex import is_timex_value
from systems._base import Backend, as_number, drop_nested_in_layer

REQUIRES: tuple[str, ...] = ()
IMPORTS: tuple[str, ...] = ()
PROMPT_VERSION = "1"

_LAYER_RULES = {
    "entity": 'value always null. Names only: titles, determiners and possessive "\'s" stay '
    "outside; nationality and group adjectives are NORP.",
    "time": "value the TIMEX3 value, relative expressions resolved against the document "
    'date: "December 11" -> "2017-12-11", "last month" -> "2017-11", "next week" -> '
    '"2017-W51", "two weeks" -> "P2W", "Monday morning" -> "2017-12-11TMO", "10:03 PM" -> '
    '"2017-12-11T22:03", "in recent years" -> "PAST_REF".',
    "number": 'value a JSON number with multipliers applied ("12 million" -> 12000000, '
    '"465,000" -> 465000, "two" -> 2, "eighth" -> 8), null when no amount is stated '
    '("thousands"). Numbers inside a date ("December 11", "two weeks") are not listed here.',
}


def _close_socket(conn: HTTPConnection) -> None:
    """End an exchange at its deadline, whatever read is waiting (the timer's action)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(2)
        except OSError:
            pass


def _set_timeout(conn: HTTPConnection, deadline: float) -> None:
    """Let the next socket read wait at most the time left before ``deadline``."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    if conn.sock is not None:
        conn.sock.settimeout(left)


class LLMError(RuntimeError):
    """A document the endpoint could not answer (after retries, or a non-retryable error)."""


class _Retryable(Exception):
    """A failed attempt worth repeating (timeout, 5xx, 429, malformed answer)."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # the server's Retry-After, seconds


def system_prompt(layers: Sequence[str]) -> str:
    """The instructions: the layers, their labels and value conventions, the JSON shape."""
    lines = [
        "You extract mentions from a document for an evaluation. Answer with one JSON "
        "object and nothing else.",
        "Its keys are the layers " + ", ".join(f'"{x}"' for x in layers) + "; each maps to "
        'a list of mentions {"text": ..., "label": ..., "value": ...} in reading order.',
        '"text" is copied exactly from the document (same spelling and punctuation, no '
        "added or dropped words). Every occurrence of a listed text is taken as a mention.",
    ]
    for layer in layers:
        labels = ", ".join(LAYER_LABELS[layer])
        lines.append(f'Layer "{layer}": labels {labels}; {_LAYER_RULES[layer]}')
    return "\n".join(lines)


def user_prompt(doc: DocInput) -> str:
    """The document with its date (what relative expressions resolve against)."""
    d = doc.document_date
    return f"Document date: {d.isoformat()} ({d.strftime('%A')}).\n\nDocument:\n{doc.text}"


def parse_answer(content: str) -> list[dict[str, Any]]:
    """The mentions in an answer: a JSON object keyed by layer (or ``spans``), or a list.

    Code fences and prose around the JSON are tolerated; anything else raises ValueError.
    """
    start = min((i for i in (content.find("{"), content.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no JSON object in the answer")
    try:
        data, _ = json.JSONDecoder().raw_decode(content[start:])
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON in the answer: {exc.msg} at {exc.pos}") from None
    items: list[Any] = []
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        for val in data.values():  # the layer keys; the label decides the layer
            if isinstance(val, list):
                items += val
    else:
        raise ValueError("the answer is neither a JSON object nor a list")
    return [x for x in items if isinstance(x, dict) and isinstance(x.get("text"), str)]


def cache_key(model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """sha256 of (model, messages, generation options): what determines the answer."""
    blob = json.dumps([model, messages, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class LlmSystem(Backend):
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="llm",
        version=f"prompt-v{PROMPT_VERSION}",
        layers=LAYERS,
        labels=tuple(LABEL_LAYER),
        description="any OpenAI-compatible chat-completions endpoint (base_url, model)",
        requires=REQUIRES,
        imports=IMPORTS,
        options=(
            Option("base_url", "endpoint base, e.g. http://127.0.0.1:8080/v1", required=True),
            Option("model", "model name sent in each request", required=True),
            Option(
                "api_key_env",
                "environment variable with the API key; without it, OPENAI_API_KEY if set",
            ),
            Option("layers", "comma list of layers to ask for", default=",".join(LAYERS)),
            Option("temperature", "sampling temperature", "float", "0"),
            Option("max_tokens", "answer length limit", "int", "4096"),
            Option("seed", "sampling seed, sent when given", "int"),
            Option("json_mode", 'send response_format {"type": "json_object"}', "bool", "false"),
            Option("timeout", "seconds per request, the whole exchange", "float", "120"),
            Option("max_response_mb", "largest response accepted, in MB", "float", "10"),
            Option("retries", "further attempts after a failed one", "int", "3"),
            Option("backoff", "seconds before the first retry, doubled each time", "float", "1"),
            Option("concurrency", "requests in flight at once", "int", "4"),
            Option("cache_dir", "answer cache directory, or off", default="~/.cache/bench/llm"),
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        super().__init__(options)
        self._url = self.options["base_url"].rstrip("/")
        if not self._url.startswith(("http://", "https://")):
            raise self.fail("base_url", "expected an http(s) URL such as http://host:8080/v1")
        self._model = self.options["model"]
        if not self._model:
            raise self.fail("model", "expected the model name the endpoint serves")
        self._layers = self.opt_list("layers", LAYERS)
        self._timeout = self.opt_min("timeout", 0.001)
        self._max_bytes = int(self.opt_min("max_response_mb", 0.000001) * 1_000_000)
        self._retries = int(self.opt_min("retries", 0))
        self._backoff = self.opt_min("backoff", 0)
        self._concurrency = int(self.opt_min("concurrency", 1))
        params: dict[str, Any] = {
            "temperature": self.opt_min("temperature", 0),
            "max_tokens": int(self.opt_min("max_tokens", 1)),
        }
        if "seed" in self.params:
            params["seed"] = self.params["seed"]
        if self.params["json_mode"]:
            params["response_format"] = {"type": "json_object"}
        self._params = params
        cache = self.options["cache_dir"].strip()
        off = cache.lower() in ("", "off", "none", "false")
        self._cache = None if off else Path(os.path.expanduser(cache))
        self._lock = threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep
        self._api_key = ""
        self.stats = {"requests": 0, "cache_hits": 0, "retries": 0, "unlocated": 0}

    def load(self) -> None:
        """Read the API key from the environment; contacts nothing."""
        named = self.options.get("api_key_env")
        self._api_key = os.environ.get(named or "OPENAI_API_KEY", "")
        if named and not self._api_key:
            raise self.fail("api_key_env", f"environment variable {named} is not set")

    # one document ----------------------------------------------------------------------

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Ask for each document (``concurrency`` at a time); raise after all are done if
        any failed, so the answers that came back are cached for the next attempt."""
        with ThreadPoolExecutor(max_workers=self._concurrency) as pool:
            futures = [pool.submit(self._one, doc) for doc in docs]
        out: list[list[PredictedSpan]] = []
        errors: list[str] = []
        for doc, fut in zip(docs, futures, strict=True):
            exc = fut.exception()
            if exc is None:
                out.append(fut.result())
            else:
                errors.append(f"{doc.doc_id}: {exc}")
                out.append([])
        if errors:
            more = f" (+{len(errors) - 1} more documents)" if len(errors) > 1 else ""
            raise LLMError(errors[0] + more)
        return out

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        messages = [
            {"role": "system", "content": system_prompt(self._layers)},
            {"role": "user", "content": user_prompt(doc)},
        ]
        key = cache_key(self._model, messages, self._params)
        content = self._cached(key)
        if content is None:
            content = self._ask(messages)
            self._store(key, content)
        else:
            self._count("cache_hits")
        return self.spans(doc.text, parse_answer(content))

    def spans(self, text: str, items: list[dict[str, Any]]) -> list[PredictedSpan]:
        """Located spans for the answer's mentions: every occurrence of each text."""
        found: dict[tuple[int, int, str], PredictedSpan] = {}
        for item in items:
            label = str(item.get("label", "")).strip().upper()
            layer = LABEL_LAYER.get(label)
            if layer is None or layer not in self._layers:
                continue
            raw = item.get("value")
            value: object = None
            if layer == "time" and isinstance(raw, str) and is_timex_value(raw.strip()):
                value = raw.strip()
            elif layer == "number":
                value = as_number(raw)
            places = find_all(text, item["text"])
            if not places:
                self._count("unlocated")
            for start, end in places:
                sp = self.mapped(text, start, end, label, value)
                if sp is not None:
                    found.setdefault((start, end, label), sp)
        return drop_nested_in_layer(list(found.values()))

    # HTTP ------------------------------------------------------------------------------

    def _ask(self, messages: list[dict[str, str]]) -> str:
        """The answer's content; retried on timeouts, 5xx/429 and malformed answers."""
        last = ""
        for attempt in range(self._retries + 1):
            if attempt:
                self._count("retries")
            try:
                return self._post(messages)
            except _Retryable as exc:
                last = str(exc)
                wait = self._backoff * 2**attempt
                if exc.wait is not None:
                    wait = max(wait, min(exc.wait, 60.0))
                if attempt < self._retries:
                    self._sleep(wait)
        raise LLMError(f"gave up after {self._retries + 1} attempts: {last}")

    def _post(self, messages: list[dict[str, str]]) -> str:
        payload = {"model": self._model, "messages": messages, **self._params}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._count("requests")
        status, reason, resp_headers, body = self._http(
            "/chat/completions", json.dumps(payload).encode("utf-8"), headers
        )
        if 300 <= status < 400:
            # Redirects are never followed: one could carry the API key to another host.
            where = resp_headers.get("location", "")[:200]
            raise LLMError(
                f"HTTP {status} from {self._url}: redirect to {where!r} not followed "
                "(set base_url to the final address)"
            )
        if status >= 400:
            detail = body[:200].decode("utf-8", "replace").strip()
            msg = f"HTTP {status} from {self._url}: {detail or reason}"
            if status in (408, 429) or status >= 500:
                retry_after = resp_headers.get("retry-after", "")
                wait = float(retry_after) if retry_after.strip().isdigit() else None
                raise _Retryable(msg, wait)
            raise LLMError(msg)
        try:
            content = json.loads(body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            raise _Retryable(f"not a chat-completions response: {body[:120]!r}") from None
        if not isinstance(content, str):
            raise _Retryable("the response has no message content")
        try:
            parse_answer(content)
        except ValueError as exc:
            raise _Retryable(str(exc)) from None
        return content

    def _http(
        self, route: str, data: bytes, headers: dict[str, str]
    ) -> tuple[int, str, dict[str, str], bytes]:
        """POST ``data`` to ``base_url + route``: status, reason, headers, body.

        ``timeout`` bounds the whole exchange, not each socket read: a timer closes the
        socket at the deadline, and every read waits at most the time left. A body larger
        than ``max_response_mb`` is refused after reading one byte more than the limit.
        """
        parts = urllib.parse.urlsplit(self._url)
        conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else HTTPConnection
        deadline = time.monotonic() + self._timeout
        conn = conn_cls(parts.hostname or "", parts.port, timeout=self._timeout)
        timer = threading.Timer(self._timeout, _close_socket, (conn,))
        timer.daemon = True
        timer.start()
        try:
            conn.request("POST", (parts.path or "") + route, body=data, headers=headers)
            _set_timeout(conn, deadline)
            resp = conn.getresponse()
            length = resp.getheader("Content-Length", "")
            if length.strip().isdigit() and int(length) > self._max_bytes:
                raise LLMError(
                    f"{self._url}: response of {int(length)} bytes refused "
                    f"(max_response_mb={self._max_bytes / 1e6:g})"
                )
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() >= deadline:
                    raise TimeoutError("timed out")
                _set_timeout(conn, deadline)
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > self._max_bytes:
                    raise LLMError(
                        f"{self._url}: response over {self._max_bytes} bytes refused "
                        f"(max_response_mb={self._max_bytes / 1e6:g})"
                    )
            if time.monotonic() >= deadline:
                raise TimeoutError("timed out")
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, resp.reason, hdrs, b"".join(chunks)
        except (TimeoutError, OSError, HTTPException, ValueError) as exc:
            late = time.monotonic() >= deadline
            reason = f"timed out after {self._timeout:g} s" if late else (str(exc) or "failed")
            raise _Retryable(f"{self._url}: {reason}") from None
        finally:
            timer.cancel()
            conn.close()

    # cache -----------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return None if self._cache is None else self._cache / key[:2] / f"{key}.json"

    def _cached(self, key: str) -> str | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            content = entry["content"]
            if not isinstance(content, str):
                return None
            parse_answer(content)
            return content
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # a damaged entry, or one that does not parse: asked again, overwritten

    def _store(self, key: str, content: str) -> None:
        path = self._path(key)
        if path is None:
            return
        entry = {"model": self._model, "prompt_version": PROMPT_VERSION, "content": content}
        try:
            write_atomic(path, json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise BenchError(f"{path}: cannot write the LLM cache: {exc.strerror}") from None

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1
