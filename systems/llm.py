"""``llm``: any OpenAI-compatible chat-completions endpoint, asked for JSON spans with values.

Standard library only (``http.client``): one request per document, answers cached on disk by a
hash of (model, messages, generation options), retried with exponential backoff, at most
``concurrency`` requests in flight; ``timeout`` bounds each whole exchange, a response over
``max_response_mb`` is refused, and redirects are not followed (they could carry the API key
to another host). Returned strings are mapped back to offsets with
:mod:`bench.offsets` (every occurrence; quote, dash and whitespace differences tolerated).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.client
import json
import math
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any, ClassVar

from bench.corpus.gold import write_atomic
from bench.errors import BenchError
from bench.offsets import find_all
from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import LABEL_LAYER, LAYERS, SEED_LABELS, PredictedSpan, Usage
from bench.timex import is_timex_value
from systems._base import Backend, as_number, drop_nested_in_layer
from systems.llm_prompt import (
    PROMPT_CODE_SHA256,
    GoldExample,
    answer_model,
    answer_schema,
    few_shot_messages,
    gold_examples,
    load_prompt,
    system_message,
    user_message,
    validate_answer,
)

REQUIRES: tuple[str, ...] = ()
IMPORTS: tuple[str, ...] = ()
CACHE_FORMAT = "2"  # answers cached with their usage and request time


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


def _usage_of(reply: object, seconds: float) -> tuple[int, int, float] | None:
    """(prompt tokens, completion tokens, seconds) from a response's ``usage``, if any."""
    usage = reply.get("usage") if isinstance(reply, dict) else None
    if not isinstance(usage, dict):
        return None
    p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if not (isinstance(p, int) and isinstance(c, int) and p >= 0 and c >= 0):
        return None
    return p, c, round(seconds, 6)


class LLMError(RuntimeError):
    """A document the endpoint could not answer (after retries, or a non-retryable error)."""


class _Retryable(Exception):
    """A failed attempt worth repeating (timeout, 5xx, 429, malformed answer)."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # the server's Retry-After, seconds


def system_prompt(layers: Sequence[str], prompt: str = "default") -> str:
    """The system message of template ``prompt`` for ``layers``."""
    return system_message(load_prompt(prompt), layers)


def user_prompt(doc: DocInput, prompt: str = "default") -> str:
    """The user message of template ``prompt``: the document and its date."""
    return user_message(load_prompt(prompt), doc.text, doc.document_date)


def locate(
    text: str, mention: str, before: str | None, taken: set[tuple[int, int]]
) -> tuple[list[tuple[int, int]], str]:
    """Where a mention is: the occurrence that ``before`` (the words just before it) picks.

    Returns the offsets and how they were found: ``unique`` (one occurrence), ``context``
    (``before`` picked it), ``every`` (no context given, or none matched: every occurrence,
    the rule of prompt version 1) or ``unlocated``. Among occurrences with the same
    context, the first not yet ``taken`` by an earlier mention is used.
    """
    places = find_all(text, mention)
    if not places:
        return [], "unlocated"
    if len(places) == 1:
        return places, "unique"
    if before is None:
        return places, "every"
    want = _squash(before)
    if want:
        reach = 4 * len(before) + 40  # room for whitespace runs the squash collapses
        hits = [p for p in places if _squash(text[max(0, p[0] - reach) : p[0]]).endswith(want)]
    else:  # nothing before it: the start of the document
        hits = [p for p in places if not text[: p[0]].strip()]
    if not hits:
        return places, "every"
    free = [p for p in hits if p not in taken]
    return [(free or hits)[0]], "context"


_SQUASH = str.maketrans(
    {ch: "'" for ch in "‘’‚‛`´′"} | {ch: '"' for ch in "“”„‟″«»"} | {ch: "-" for ch in "‐‑‒–—―−"}
)


def _squash(s: str) -> str:
    """``s`` compared loosely: whitespace runs as one space, quotes and dashes alike, no
    trailing or leading space."""
    return " ".join(s.translate(_SQUASH).split())


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


class SchemaRejected(BenchError):
    """The server refused the ``response_format`` sent (HTTP 400): a user error, exit 2."""


_FORMATS = ("text", "json_object", "json_schema")


class LlmSystem(Backend):
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="llm",
        version="prompt-default@2",
        layers=LAYERS,
        labels=SEED_LABELS,
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
            Option(
                "prompt",
                "prompt template: a name in systems/prompts or a .json path",
                default="default",
            ),
            Option("few_shot", "examples drawn from the gold of other documents", "int", "0"),
            Option("few_shot_gold", "gold directory the examples come from", default="gold"),
            Option("few_shot_texts", "texts directory of those gold files", default="seeds"),
            Option("few_shot_chars", "characters of each example document", "int", "1500"),
            Option(
                "response_format",
                "text, json_object, or json_schema (answers validated against the schema)",
                default="text",
                choices=_FORMATS,
            ),
            Option("temperature", "sampling temperature", "float", "0"),
            Option("max_tokens", "answer length limit", "int", "4096"),
            Option("seed", "sampling seed, sent when given", "int"),
            Option("json_mode", "same as response_format=json_object", "bool", "false"),
            Option("price_in", "US dollars per million prompt tokens", "float"),
            Option("price_out", "US dollars per million completion tokens", "float"),
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
        self._prompt = load_prompt(self.options["prompt"])
        self._few_shot = int(self.opt_min("few_shot", 0))
        self._few_shot_chars = int(self.opt_min("few_shot_chars", 1))
        self._pool: list[GoldExample] = []
        if self._few_shot:
            gold = Path(self.options["few_shot_gold"])
            self._pool = gold_examples(gold, Path(self.options["few_shot_texts"]))
            if len(self._pool) < self._few_shot + 1:
                raise self.fail(
                    "few_shot",
                    f"{gold} has {len(self._pool)} documents: too few for {self._few_shot} "
                    "examples besides the document scored",
                )
        # The version says what the answers depend on beyond the options: the template's
        # bytes, the prompt code, the examples' gold; bench's prediction cache keys on it.
        parts = [self._prompt.sha256, PROMPT_CODE_SHA256]
        parts += [f"{x.doc_id}:{json.dumps(x.spans, sort_keys=True)}:{x.text}" for x in self._pool]
        digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]
        self.info = dataclasses.replace(  # type: ignore[misc]
            type(self).info, version=f"prompt-{self._prompt.ident}+{digest}"
        )
        self._timeout = self.opt_min("timeout", 0.001)
        self._max_bytes = int(self.opt_min("max_response_mb", 0.000001) * 1_000_000)
        self._retries = int(self.opt_min("retries", 0))
        self._backoff = self.opt_min("backoff", 0)
        self._concurrency = int(self.opt_min("concurrency", 1))
        self._prices: list[float | None] = []
        for key in ("price_in", "price_out"):
            price = self.params.get(key)
            if price is not None and not (math.isfinite(price) and 0 <= price <= 1e6):
                raise self.fail(key, "expected US dollars per million tokens, 0 to 1000000")
            self._prices.append(price)
        fmt = self.options["response_format"]
        if self.params["json_mode"] and fmt == "text":
            fmt = "json_object"
        self._format = fmt
        self._validator = answer_model(self._layers) if fmt == "json_schema" else None
        params: dict[str, Any] = {
            "temperature": self.opt_min("temperature", 0),
            "max_tokens": int(self.opt_min("max_tokens", 1)),
        }
        if "seed" in self.params:
            params["seed"] = self.params["seed"]
        if fmt == "json_object":
            params["response_format"] = {"type": "json_object"}
        elif fmt == "json_schema":
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "mentions",
                    "strict": True,
                    "schema": answer_schema(self._layers),
                },
            }
        self._params = params
        cache = self.options["cache_dir"].strip()
        off = cache.lower() in ("", "off", "none", "false")
        self._cache = None if off else Path(os.path.expanduser(cache))
        self._lock = threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep
        self._api_key = ""
        self._examples_used: set[str] = set()
        self.versions: dict[str, str] = {}
        # doc_id -> (prompt tokens, completion tokens, seconds the request took)
        self._usage: dict[str, tuple[int, int, float]] = {}
        self.stats = {
            "requests": 0,
            "cache_hits": 0,
            "retries": 0,
            "unlocated": 0,
            "unique": 0,
            "context": 0,
            "every": 0,
        }

    def load(self) -> None:
        """Read the API key; with ``response_format=json_schema``,
        check once that the server accepts the schema (a refusal is one line, exit 2)."""
        named = self.options.get("api_key_env")
        self._api_key = os.environ.get(named or "OPENAI_API_KEY", "")
        if named and not self._api_key:
            raise self.fail("api_key_env", f"environment variable {named} is not set")
        if self._format == "json_schema":
            self._probe()
        self.versions = {
            "prompt": self._prompt.ident,
            "prompt_sha256": self._prompt.sha256,
            "response_format": self._format,
            "few_shot": (
                f"{self._few_shot} per document from {self.options['few_shot_gold']}, never "
                "the document scored (same doc_id or text), first "
                f"{self._few_shot_chars} characters each"
                if self._few_shot
                else "none"
            ),
        }

    def _probe(self) -> None:
        """One short request with the ``response_format``: a refusal is a setup error (exit 2),
        anything else is left to the documents (their own retries and failures)."""
        payload = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": system_message(self._prompt, self._layers)},
                {"role": "user", "content": user_message(self._prompt, "OK.", dt.date.today())},
            ],
            **self._params,
            "max_tokens": 16,
        }
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            status, reason, _, body = self._http(
                "/chat/completions", json.dumps(payload).encode("utf-8"), headers
            )
        except (_Retryable, LLMError):
            return
        detail = body[:300].decode("utf-8", "replace").strip() or reason
        # 400/422, or a 5xx naming response_format: llama-cpp-python's server answers an
        # unsupported "json_schema" with HTTP 500 and a validation error about that field.
        if status in (400, 422) or (status >= 500 and "response_format" in detail):
            raise SchemaRejected(
                f"system 'llm': option response_format={self._format}: the server refused "
                f"it (HTTP {status} from {self._url}): {' '.join(detail.split())[:200]}"
            )

    def usage(self, doc_ids: Sequence[str]) -> Usage:
        """Tokens and cost of the documents ``doc_ids`` (as last answered or cached)."""
        per_doc = [self._usage[d][:2] for d in doc_ids if d in self._usage]
        return Usage.of(len(doc_ids), per_doc, self._prices[0], self._prices[1])

    def tokens_per_second(self, doc_ids: Sequence[str]) -> float | None:
        """Completion tokens per second of request time, over the answered documents."""
        got = [self._usage[d] for d in doc_ids if d in self._usage]
        seconds = sum(x[2] for x in got)
        return round(sum(x[1] for x in got) / seconds, 3) if got and seconds > 0 else None

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
            if isinstance(exc, SchemaRejected):
                raise exc
            if exc is None:
                out.append(fut.result())
            else:
                errors.append(f"{doc.doc_id}: {exc}")
                out.append([])
        if errors:
            more = f" (+{len(errors) - 1} more documents)" if len(errors) > 1 else ""
            raise LLMError(errors[0] + more)
        return out

    def messages(self, doc: DocInput) -> list[dict[str, str]]:
        """System message, few-shot pairs, and the document."""
        shots, used = few_shot_messages(
            self._prompt,
            self._layers,
            self._pool,
            doc.doc_id,
            doc.text,
            self._few_shot,
            self._few_shot_chars,
        )
        with self._lock:
            self._examples_used.update(used)
        return [
            {"role": "system", "content": system_message(self._prompt, self._layers)},
            *shots,
            {"role": "user", "content": user_message(self._prompt, doc.text, doc.document_date)},
        ]

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        messages = self.messages(doc)
        key = cache_key(self._model, messages, self._params)
        got = self._cached(key)
        if got is None:
            got = self._ask(messages)
            self._store(key, *got)
        else:
            self._count("cache_hits")
        content, usage = got
        if usage is not None:
            with self._lock:
                self._usage[doc.doc_id] = usage
        return self.spans(doc.text, parse_answer(content))

    def spans(self, text: str, items: list[dict[str, Any]]) -> list[PredictedSpan]:
        """Located spans for the answer's mentions (see :func:`locate`)."""
        found: dict[tuple[int, int, str], PredictedSpan] = {}
        taken: dict[tuple[str, str], set[tuple[int, int]]] = {}
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
            before = item.get("before")
            used = taken.setdefault((item["text"], label), set())
            places, how = locate(
                text, item["text"], before if isinstance(before, str) else None, used
            )
            self._count(how)
            for start, end in places:
                used.add((start, end))
                sp = self.mapped(text, start, end, label, value)
                if sp is not None:
                    found.setdefault((start, end, label), sp)
        return drop_nested_in_layer(list(found.values()))

    # HTTP ------------------------------------------------------------------------------

    def _ask(self, messages: list[dict[str, str]]) -> tuple[str, tuple[int, int, float] | None]:
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

    def _post(self, messages: list[dict[str, str]]) -> tuple[str, tuple[int, int, float] | None]:
        payload = {"model": self._model, "messages": messages, **self._params}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._count("requests")
        t0 = time.perf_counter()
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
            if status == 400 and "response_format" in self._params:
                raise SchemaRejected(
                    f"system 'llm': option response_format={self._format}: the server "
                    f"refused it: {msg}"
                )
            raise LLMError(msg)
        seconds = time.perf_counter() - t0
        try:
            reply = json.loads(body)
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            raise _Retryable(f"not a chat-completions response: {body[:120]!r}") from None
        if not isinstance(content, str):
            raise _Retryable("the response has no message content")
        try:
            if self._validator is not None:
                validate_answer(self._validator, content)
            parse_answer(content)
        except ValueError as exc:
            raise _Retryable(str(exc)) from None
        return content, _usage_of(reply, seconds)

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

    def _cached(self, key: str) -> tuple[str, tuple[int, int, float] | None] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            content = entry["content"]
            if not isinstance(content, str):
                return None
            if self._validator is not None:
                validate_answer(self._validator, content)
            parse_answer(content)
            usage = entry.get("usage")
            if usage is not None:
                p, c, sec = usage
                usage = (int(p), int(c), float(sec))
            return content, usage
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # a damaged entry, or one that does not parse: asked again, overwritten

    def _store(self, key: str, content: str, usage: tuple[int, int, float] | None) -> None:
        path = self._path(key)
        if path is None:
            return
        entry = {
            "format": CACHE_FORMAT,
            "model": self._model,
            "prompt": self._prompt.ident,
            "content": content,
            "usage": None if usage is None else list(usage),
        }
        try:
            write_atomic(path, json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise BenchError(f"{path}: cannot write the LLM cache: {exc.strerror}") from None

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1
