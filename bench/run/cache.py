"""The prediction cache: a system's predictions for a corpus, reused until something changes.

An entry is keyed by the system's name, version, options and source code, the batch size,
and each document's id, date and text hash; change any of them and the key changes. The
entry keeps the throughput and environment of the run that made the predictions, so a
result built from it reports those timings as cached (``throughput.cached``), never as fresh.
Runs with failed documents are not cached (the failure may be passing, e.g. a server down).
An entry is used only when it covers exactly the documents asked for, in order, and its
records match the digest stored with them; anything else (a record missing or extra, a file
that does not parse, edited records) is a miss: the predictions are recomputed, and the
first such entry of a run is named on stderr (:attr:`PredictionCache.rejected`).
Where it lives, and why, is in docs/run.md; the guarantees in docs/guarantees.md.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.corpus.gold import sha256_text, write_atomic
from bench.protocol import DocInput, System
from bench.run.environment import Environment
from bench.run.result import Throughput
from bench.schema import PredictionRecord, Usage

CACHE_VERSION: Literal[2] = 2  # 2: records_sha256 stored and checked
CACHE_ENV = "BENCH_CACHE_DIR"


class CachedDocument(BaseModel):
    """A document an entry covers: id, date and text hash."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    document_date: str
    sha256: str


class CacheEntry(BaseModel):
    """One cached run: what it was keyed on, its predictions, and how it was timed."""

    model_config = ConfigDict(extra="forbid")

    cache_version: Literal[2] = CACHE_VERSION
    key: str
    system: str
    version: str
    options: dict[str, str]
    code_sha256: str | None
    batch_size: int
    documents: list[CachedDocument]
    records: list[PredictionRecord]
    records_sha256: str  # records_digest(records): an edited or truncated entry is a miss
    throughput: Throughput
    environment: Environment
    versions: dict[str, str]  # what the system reported after load(), for the result
    usage: Usage | None = None  # tokens and cost, as measured when the entry was made


class BatchEntry(BaseModel):
    """One cached batch of a streamed corpus run (``bench run --corpus``): its predictions."""

    model_config = ConfigDict(extra="forbid")

    cache_version: Literal[2] = CACHE_VERSION
    key: str
    system: str
    records: list[PredictionRecord]
    records_sha256: str  # records_digest(records)
    seconds: float
    versions: dict[str, str]


_Entry = TypeVar("_Entry", CacheEntry, BatchEntry)


def records_digest(records: Sequence[PredictionRecord]) -> str:
    """sha256 of the records in canonical JSON: what an entry stores to detect edits."""
    blob = json.dumps(
        [r.model_dump(mode="json") for r in records],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def default_dir(out_dir: Path) -> Path:
    """``$BENCH_CACHE_DIR`` when set, else ``<out_dir>/.cache`` beside the results."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else out_dir / ".cache"


# Shared code whose output ends up in predictions: a change here must invalidate too.
SHARED_MODULES = ("bench.normalize", "bench.timex", "bench.offsets", "bench.schema")


def code_digest(system: System) -> str | None:
    """sha256 of the source the predictions depend on, so editing a backend invalidates.

    Built-in backends keep their version string while their code changes during
    development; hashing the source of every class the system inherits from, and of the
    shared value normalizer and offset code, catches that. None when a source is not a file.
    """
    import importlib

    files: list[str] = []
    for cls in type(system).__mro__:
        if cls.__module__ in ("builtins", "typing", "abc"):
            continue
        try:
            src = inspect.getsourcefile(cls)
        except TypeError:
            continue
        if src and src not in files:
            files.append(src)
    if not files:
        return None
    for name in SHARED_MODULES:
        try:
            src = inspect.getsourcefile(importlib.import_module(name))
        except (ImportError, TypeError):
            continue
        if src and src not in files:
            files.append(src)
    digest = hashlib.sha256()
    try:
        for src in files:
            digest.update(Path(src).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def documents_of(docs: Sequence[DocInput]) -> list[CachedDocument]:
    """The key-relevant description of each document, in run order."""
    return [
        CachedDocument(
            doc_id=d.doc_id, document_date=d.document_date.isoformat(), sha256=sha256_text(d.text)
        )
        for d in docs
    ]


def cache_key(
    name: str,
    version: str,
    options: Mapping[str, str],
    code_sha256: str | None,
    batch_size: int,
    docs: Sequence[DocInput],
) -> str:
    """The hex key of a run: sha256 of everything that can change its predictions."""
    payload = {
        "cache_version": CACHE_VERSION,
        "system": name,
        "version": version,
        "options": dict(sorted(options.items())),
        "code_sha256": code_sha256,
        "batch_size": batch_size,
        "documents": [d.model_dump() for d in documents_of(docs)],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class PredictionCache:
    """Cache entries as ``<root>/<system>/<key>.json``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rejected: list[str] = []  # entries found unusable this run (each then a miss)

    def path(self, system: str, key: str) -> Path:
        """Where the entry for ``key`` lives."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", system).lstrip(".") or "_"
        return self.root / safe / f"{key}.json"

    def _load(self, path: Path, model: type[_Entry], key: str) -> _Entry | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._reject(path, f"unreadable ({exc.strerror})")
        try:
            entry = model.model_validate_json(raw)
        except (ValidationError, ValueError, RecursionError):
            return self._reject(path, "does not parse as a cache entry")
        if entry.key != key:
            return self._reject(path, "its key does not match its name")
        if entry.records_sha256 != records_digest(entry.records):
            return self._reject(path, "its records do not match their digest")
        return entry

    def _reject(self, path: Path, reason: str) -> Any:  # None: callers return it as the miss
        self.rejected.append(f"{path}: {reason}")
        if len(self.rejected) == 1:
            print(
                f"note: cache entry {path}: {reason}; recomputing (a miss)",
                file=sys.stderr,
                flush=True,
            )
        return None

    def _covers(
        self, path: Path, records: Sequence[PredictionRecord], docs: Sequence[DocInput]
    ) -> bool:
        got = [r.doc_id for r in records]
        want = [d.doc_id for d in docs]
        if got == want:
            return True
        missing = [d for d in want if d not in set(got)]
        what = f"lacks {missing[0]!r}" if missing else "does not cover exactly the documents"
        self._reject(path, f"{what} ({len(got)} records for {len(want)} documents)")
        return False

    def get(self, system: str, key: str, docs: Sequence[DocInput]) -> CacheEntry | None:
        """The entry for ``key`` if it covers exactly ``docs``; None otherwise (a miss)."""
        path = self.path(system, key)
        entry = self._load(path, CacheEntry, key)
        if entry is None:
            return None
        if entry.documents != documents_of(docs):
            return self._reject(path, "its documents are not the ones asked for")
        return entry if self._covers(path, entry.records, docs) else None

    def batch_path(self, system: str, key: str) -> Path:
        """Where the batch entry for ``key`` lives: ``<root>/<system>/batches/<key>.json``."""
        return self.path(system, key).parent / "batches" / f"{key}.json"

    def get_batch(self, system: str, key: str, docs: Sequence[DocInput]) -> BatchEntry | None:
        """The batch entry for ``key`` if it has a record for each of ``docs``, in order."""
        path = self.batch_path(system, key)
        entry = self._load(path, BatchEntry, key)
        if entry is None:
            return None
        return entry if self._covers(path, entry.records, docs) else None

    def put_batch(self, entry: BatchEntry) -> Path:
        """Store a batch whose documents all succeeded (the caller checks)."""
        path = self.batch_path(entry.system, entry.key)
        write_atomic(path, entry.model_dump_json() + "\n")
        return path

    def put(self, entry: CacheEntry) -> Path:
        """Store ``entry``; a failed run must not be cached (the caller checks)."""
        path = self.path(entry.system, entry.key)
        write_atomic(path, entry.model_dump_json(indent=1) + "\n")
        return path
