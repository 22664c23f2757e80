"""Corpora of any size, read as a stream of documents with their gold, never loaded whole.

Four sources (``docs/scale.md``, "Corpora"): a directory with ``gold/`` and ``texts/`` (or
``seeds/``), as this repository has; a JSON Lines file of :class:`~bench.schema.CorpusRecord`;
a Parquet file of the same records (read in record batches with pyarrow); and a Hugging Face
dataset saved with ``save_to_disk`` (memory-mapped, iterated in batches). The Parquet and
dataset tables have the layout ``bench gold export hf-parquet`` / ``hf-disk`` writes.

Every document passes the rules of a gold file (:func:`bench.corpus.rules.check_gold_spans`) before
it is yielded; the first broken one is a :class:`~bench.errors.BenchError` naming the file,
the line (JSON Lines) or row, and the field. Only the ids seen so far are kept, to refuse a
repeated id: memory is bounded by one batch of documents plus an 8-byte hash per id
(:class:`IdSet`).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.gold import validate_gold_file
from bench.corpus.rules import Violation, check_gold_spans, faulty_documents
from bench.corpus.texts import BOM, format_loc, registered_documents, sha256_text
from bench.errors import BenchError, ParameterError, need, one_line, shorten
from bench.schema import (
    LABEL_LAYER,
    SEED_LABEL_SET,
    CorpusHeader,
    CorpusRecord,
    DocumentMeta,
    GoldDocument,
    GoldSpan,
    LabelSet,
)

KINDS: tuple[str, ...] = ("dir", "jsonl", "parquet", "hf-disk")
DEFAULT_BATCH = 256
_INSTALL = "pip install 'bench[data]'"
_HF_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")  # save_to_disk writes them


@dataclass(frozen=True)
class Outcome:
    """One record read: the document, or the violations that keep it out (never both)."""

    document: Document | None
    violations: list[Violation]


# --- one record -------------------------------------------------------------------------------


def _pydantic_violations(exc: ValidationError, path: str, line: int | None) -> list[Violation]:
    return [
        Violation(path, format_loc(e["loc"]), e["msg"].removeprefix("Value error, "), line)
        for e in exc.errors()
    ]


def check_record(
    data: object,
    path: str,
    line: int | None = None,
    title: str = "",
    label_set: LabelSet = SEED_LABEL_SET,
) -> tuple[Document | None, list[Violation]]:
    """Validate one record (a parsed JSON object or a table row) against every gold rule,
    its labels against the corpus's ``label_set``.

    ``path`` and ``line`` are what violations name: ``FILE`` and the line for JSON Lines,
    ``FILE row N`` and None for tables.
    """
    doc, violations = _assemble(data, path, line, title)
    if doc is None:
        return None, violations
    return _span_check(doc, path, line, {str(k): v for k, v in label_set.layers.items()})


def _span_check(
    doc: Document, path: str, line: int | None, labels: Mapping[str, Sequence[str]]
) -> tuple[Document | None, list[Violation]]:
    """The rules of :mod:`bench.corpus.rules` on an assembled record (labels against the
    label set ``labels``), worded."""
    gold = doc.gold
    n, n_ignore = len(gold.spans), len(gold.ignore)
    violations = check_gold_spans(gold, doc.text, path, [line] * n, [line] * n_ignore, labels)
    return (None, violations) if violations else (doc, [])


def _assemble(
    data: object, path: str, line: int | None = None, title: str = ""
) -> tuple[Document | None, list[Violation]]:
    """A record as a document, its spans not yet checked against the gold rules; or the
    violations of its fields, hash and labels."""
    try:
        rec = CorpusRecord.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_violations(exc, path, line)
    text = rec.text
    if not text:
        return None, [Violation(path, "text", "empty document (0 characters)", line)]
    digest = sha256_text(text)
    if rec.text_sha256 is not None and rec.text_sha256 != digest:
        problem = f"{rec.text_sha256[:12]}… is not the sha256 of the record's text ({digest[:12]}…)"
        return None, [Violation(path, "text_sha256", problem, line)]
    spans = []
    for i, sp in enumerate(rec.spans):
        layer = sp.layer or LABEL_LAYER.get(sp.label)
        if layer is None:
            problem = f"unknown label {shorten(sp.label)}"
            return None, [Violation(path, f"spans[{i}].label", problem, line)]
        piece = sp.text if sp.text is not None else text[sp.start : sp.end]
        spans.append(
            GoldSpan.model_construct(
                start=sp.start,
                end=sp.end,
                text=piece,
                layer=layer,
                label=sp.label,
                value=sp.value,
                notes=sp.notes,
            )
        )
    gold = GoldDocument.model_construct(
        schema_version=1,
        doc_id=rec.doc_id,
        document_date=rec.document_date,
        text_sha256=digest,
        annotator=rec.annotator,
        status=rec.status,
        notes=rec.notes,
        spans=spans,
        ignore=rec.ignore,
        nested=rec.nested,
        tokens=rec.tokens,
    )
    where = f"{path}:{line}" if line is not None else path
    return Document(gold, text, rec.title or title, where), []


HEADER_KEY = "bench_corpus"  # the key that marks a JSON Lines corpus's header line


def read_header(path: Path) -> CorpusHeader | None:
    """The header of a JSON Lines corpus (its first non-blank line when that is one), or None;
    a malformed header is a one-line error naming the file and line."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BenchError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                data = strictjson.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, strictjson.JsonError):
                return None  # the record reader reports it
            if not isinstance(data, dict) or HEADER_KEY not in data:
                return None
            try:
                return CorpusHeader.model_validate(data)
            except ValidationError as exc:
                v = _pydantic_violations(exc, str(path), lineno)[0]
                raise BenchError(str(v)) from None
    return None


# --- sources: each yields (path, line, parsed record or violation) ----------------------------

Raw = tuple[str, int | None, object]  # (path, line, record dict | Violation)
CHECK_CHUNK = 16  # records checked against the gold rules at once (measured: 16 reads fastest)


def _jsonl_records(
    path: Path, start: int = 0, end: int | None = None, number: int = 1, first: bool = True
) -> Iterator[Raw]:
    """The records of a JSON Lines corpus, or of its bytes ``start:end`` (a :class:`Slice`,
    whose first line is number ``number``; ``first``: a header line may come first)."""
    spath = str(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BenchError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        if start:
            fh.seek(start)
        pos = start
        # Binary lines split at b"\n" only: U+2028 inside a JSON string is not a line break.
        for lineno, raw in enumerate(fh, start=number):
            if end is not None and pos >= end:
                return
            pos += len(raw)
            if lineno == 1 and raw.startswith(BOM):
                problem = "starts with a UTF-8 byte-order mark; save it without one"
                yield spath, None, Violation(spath, "text", problem)
                return
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problem = f"not UTF-8 (byte {exc.start})"
                yield spath, lineno, Violation(spath, "text", problem, lineno)
                continue
            if not line.strip():
                continue
            try:
                data = strictjson.loads(line)
            except strictjson.JsonError as exc:
                problem = exc.msg
                yield spath, lineno, Violation(spath, "json", problem, lineno)
                continue
            if isinstance(data, dict) and HEADER_KEY in data:
                if first:
                    first = False
                    continue  # read by read_header
                problem = "a corpus header is only allowed as the first line"
                yield spath, lineno, Violation(spath, HEADER_KEY, problem, lineno)
                continue
            first = False
            yield spath, lineno, data


def _table_rows(batches: Iterable[list[dict[str, Any]]], path: Path, row: int = 0) -> Iterator[Raw]:
    """Rows of an Arrow table in the ``hf-*`` layout (the first is row number ``row``): values
    are text, parsed per layer."""
    from bench.corpus.formats.values import parse_value

    for batch in batches:
        for data in batch:
            where = f"{path} row {row}"
            row += 1
            bad: Violation | None = None
            for k, sp in enumerate(data.get("spans") or []):
                value = sp.get("value") if isinstance(sp, dict) else None
                if isinstance(value, str):
                    layer = sp.get("layer") or LABEL_LAYER.get(str(sp.get("label")))
                    try:
                        sp["value"] = parse_value(str(layer), value)
                    except ValueError as exc:
                        bad = Violation(where, f"spans[{k}].value", str(exc))
                        break
            yield where, None, data if bad is None else bad


def _parquet_file(path: Path) -> Any:
    """``pyarrow.parquet.ParquetFile`` of ``path``; empty, truncated or not Parquet: one line."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BenchError(f"{path}: reading Parquet needs pyarrow: {_INSTALL}") from None
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise BenchError(f"{path}: not a Parquet file: {one_line(exc)}") from None


def _guarded(batches: Iterator[list[dict[str, Any]]], path: Path) -> Iterator[list[dict[str, Any]]]:
    """``batches``, with a failure to read one (a corrupt page, a truncated Arrow file) as a
    one-line error naming the file, whoever reads it (`corpus validate`, `run --corpus`)."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # pyarrow / datasets raise many types for broken data
            raise BenchError(f"{path}: cannot read: {one_line(exc)}") from None
        yield batch


def _parquet_records(path: Path, batch_size: int) -> Iterator[Raw]:
    pfile = _parquet_file(path)
    batches = (b.to_pylist() for b in pfile.iter_batches(batch_size=batch_size))
    yield from _table_rows(_guarded(batches, path), path)


_OPENED: dict[tuple[str, str, int], Any] = {}


def _opened(kind: str, path: Path, opener: Any) -> Any:
    """``opener(path)``, kept for the next batch of the same file in this process (a worker
    reads many row ranges of one table; the key holds the modification time)."""
    marker = path / "state.json" if path.is_dir() else path
    try:
        mtime = marker.stat().st_mtime_ns
    except OSError:
        mtime = -1
    key = (kind, str(path), mtime)
    if key not in _OPENED:
        _OPENED.clear()
        _OPENED[key] = opener(path)
    return _OPENED[key]


def _parquet_range(path: Path, start: int, count: int) -> Iterator[Raw]:
    """Rows ``start:start+count`` of a Parquet corpus: only the row groups that hold them are
    read and decoded."""
    pfile = _opened("parquet", path, _parquet_file)

    def rows() -> Iterator[list[dict[str, Any]]]:
        meta, first = pfile.metadata, 0
        groups = []
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if first < start + count and first + n > start and n:
                groups.append((g, first))
            first += n
        if not groups:
            return
        table = pfile.read_row_groups([g for g, _ in groups])
        yield table.slice(start - groups[0][1], count).to_pylist()

    yield from _table_rows(_guarded(rows(), path), path, start)


def _hf_range(path: Path, start: int, count: int) -> Iterator[Raw]:
    """Rows ``start:start+count`` of a saved dataset (a slice of the memory-mapped table)."""
    ds = _opened("hf-disk", path, _hf_split)

    def rows() -> Iterator[list[dict[str, Any]]]:
        cols = ds[start : start + count]
        names = list(cols)
        yield [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]

    yield from _table_rows(_guarded(rows(), path), path, start)


def _hf_split(path: Path) -> Any:
    try:
        import datasets
    except ImportError:
        raise BenchError(f"{path}: reading a dataset needs datasets: {_INSTALL}") from None
    from bench.corpus.formats.hfdatasets import load_split

    return load_split(path, datasets)


def _hf_records(path: Path, batch_size: int) -> Iterator[Raw]:
    ds = _hf_split(path)

    def batches() -> Iterator[list[dict[str, Any]]]:
        # Dataset.iter slices the memory-mapped Arrow table: one batch in Python at a time.
        for cols in ds.iter(batch_size=batch_size):
            names = list(cols)
            yield [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]

    yield from _table_rows(_guarded(batches(), path), path)


# --- a corpus ---------------------------------------------------------------------------------


def _checked(raws: Iterator[Raw], label_set: LabelSet) -> Iterator[Outcome]:
    """Parsed records checked against the gold rules in chunks, all spans of a chunk at once
    (rules.faulty_documents); only a document that breaks one is checked again alone, for
    the messages. The chunk bounds what is held in memory."""
    labels = {str(k): v for k, v in label_set.layers.items()}
    while chunk := list(itertools.islice(raws, CHECK_CHUNK)):
        assembled: list[tuple[Document | None, list[Violation], str, int | None]] = []
        for path, line, data in chunk:
            if isinstance(data, Violation):
                assembled.append((None, [data], path, line))
            else:
                assembled.append((*_assemble(data, path, line), path, line))
        candidates = [k for k, a in enumerate(assembled) if a[0] is not None]
        faulty = faulty_documents(
            [doc for doc in (assembled[k][0] for k in candidates) if doc],
            labels,
        )
        recheck = {candidates[i] for i in faulty}
        for k, (doc, violations, path, line) in enumerate(assembled):
            if doc is not None and k in recheck:
                doc, violations = _span_check(doc, path, line, labels)
            yield Outcome(doc, violations)


def error_line(violations: Sequence[Violation], path: Path) -> str:
    """The one-line error of a record's violations: the first, and how many more."""
    more = len(violations) - 1
    tail = f" (+{more} more; run `bench corpus validate {path}`)" if more else ""
    return f"{violations[0]}{tail}"


def _blank(raw: bytes) -> bool:
    """Whether a line of a JSON Lines file is skipped as blank (as :func:`_jsonl_records`
    does: after decoding, so Unicode spaces count; an undecodable line is a record)."""
    stripped = raw.strip()
    if not stripped:
        return True
    if stripped[:1] == b"{":
        return False
    try:
        return not raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


def _is_header(raw: bytes) -> bool:
    """Whether a line is a corpus header (as :func:`_jsonl_records` tells one)."""
    try:
        data = strictjson.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, strictjson.JsonError):
        return False
    return isinstance(data, dict) and HEADER_KEY in data


@dataclass(frozen=True)
class Slice:
    """A batch of a corpus described, not read: small and picklable, so that a worker
    process reads, parses and validates the batch itself (:meth:`Corpus.read_slice`).
    ``first`` is the index of its first record in the corpus, ``count`` how many records
    it has; a directory's batch is its gold file ``names``, a JSON Lines batch the bytes
    ``start:end`` of the file, whose first line is number ``line``, a table's (Parquet, a
    saved dataset) the rows ``start:start+count``."""

    path: str
    kind: str
    first: int
    count: int
    names: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    line: int = 1


@dataclass(frozen=True)
class SliceRead:
    """A slice read where it is processed: its documents, each one's ``(doc_id, where)`` for
    the corpus-wide repeated-id check, and the one-line error of its first broken record
    (then ``docs`` and ``ids`` stop before it)."""

    docs: list[Document]
    ids: list[tuple[str, str]]
    error: str | None = None


SLICEABLE: tuple[str, ...] = KINDS  # every kind: a worker can read a batch of it by itself


def _texts_dir(root: Path) -> Path:
    for name in ("texts", "seeds"):
        if (root / name).is_dir():
            return root / name
    raise BenchError(f"{root}: no texts/ (or seeds/) directory beside gold/")


def detect_kind(path: Path) -> str:
    """Which of :data:`KINDS` ``path`` is; a one-line error when it is none of them."""
    if path.is_dir():
        if (path / "gold").is_dir():
            return "dir"
        if any((path / f).exists() for f in _HF_MARKERS):
            return "hf-disk"
    elif path.is_file():
        suffix = path.name.lower().rsplit(".", 1)[-1]
        if suffix in ("jsonl", "ndjson"):
            return "jsonl"
        if suffix in ("parquet", "pq"):
            return "parquet"
    elif not path.exists():
        raise BenchError(f"{path}: not found")
    raise BenchError(
        f"{path}: not a corpus: give a directory with gold/ and texts/ (or seeds/), a .jsonl or "
        ".parquet file, or a dataset directory saved with save_to_disk"
    )


_REGISTERED: dict[tuple[str, int, int], dict[str, DocumentMeta] | None] = {}


def _registered(texts: Path) -> dict[str, DocumentMeta] | None:
    """``corpus.json``'s entries by doc_id (:func:`registered_documents`), read once per
    process while the file stays the same (a worker reads many batches of one corpus)."""
    try:
        st = (texts / "corpus.json").stat()
    except OSError:
        return registered_documents(texts)
    key = (str(texts), st.st_mtime_ns, st.st_size)
    if key not in _REGISTERED:
        _REGISTERED.clear()
        _REGISTERED[key] = registered_documents(texts)
    return _REGISTERED[key]


class IdSet:
    """Document ids seen so far, kept as 64-bit hashes: about 10 bytes an id.

    Recent hashes sit in a small Python set; when it holds more than an eighth of the total
    (at least 4,096) it is merged into one sorted numpy array, so a corpus of millions of
    documents costs megabytes, not the ~150 bytes a ``dict`` entry of a string would. A hit
    may be a hash collision (about 1 in 10^8 at a million ids); the caller confirms it.
    """

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._recent: set[int] = set()
        self._sorted = np.zeros(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._recent) + len(self._sorted)

    def add(self, doc_id: str) -> bool:
        """Add ``doc_id``; True when its hash was there already."""
        h = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big")
        if h in self._recent:
            return True
        arr = self._sorted
        if len(arr):
            i = int(self._np.searchsorted(arr, self._np.uint64(h)))
            if i < len(arr) and int(arr[i]) == h:
                return True
        self._recent.add(h)
        if len(self._recent) >= max(4096, len(arr) // 8):
            fresh = self._np.fromiter(self._recent, dtype=self._np.uint64, count=len(self._recent))
            self._sorted = self._np.sort(self._np.concatenate([arr, fresh]))
            self._recent = set()
        return False


@dataclass(frozen=True)
class Corpus:
    """A corpus on disk, read lazily: :meth:`documents` and :meth:`batches` stream it."""

    path: Path
    kind: str
    batch_size: int = DEFAULT_BATCH  # rows read at a time from Parquet and datasets

    def _dir_records(self, names: Sequence[str] | None = None) -> Iterator[Outcome]:
        """The records of the gold files ``names`` (every one, in sorted order, by default)."""
        texts = _texts_dir(self.path)
        registered = _registered(texts)
        titles = {k: v.title for k, v in registered.items()} if registered else {}
        if names is None:  # one name per document is kept (sorted: the same order everywhere)
            names = self._gold_names()
        for name in names:
            check = validate_gold_file(self.path / "gold" / name, texts, registered)
            if check.violations or check.gold is None or check.text is None:
                yield Outcome(None, check.violations)
                continue
            doc = Document(
                check.gold, check.text, titles.get(check.gold.doc_id, ""), str(check.path)
            )
            yield Outcome(doc, [])

    def _gold_names(self) -> list[str]:
        return sorted(e.name for e in os.scandir(self.path / "gold") if e.name.endswith(".json"))

    def _source(self) -> Iterator[Outcome]:
        return self._dir_records() if self.kind == "dir" else self._parsed()

    def _first_seen(self, doc_id: str, before: int) -> int | None:
        """Where ``doc_id`` first occurs among the first ``before - 1`` records (a rescan:
        only the ids' hashes are kept while streaming); None when it does not."""
        for number, out in enumerate(self._source(), start=1):
            if number >= before:
                return None
            doc = out.document
            if doc is not None and doc.doc_id == doc_id:
                line = doc.where.rpartition(":")[2]
                return int(line) if self.kind == "jsonl" and line.isdigit() else number
        return None

    def _repeat(self, seen: IdSet, doc_id: str, where: str, number: int) -> Violation | None:
        """The violation of record ``number`` (1-based) when its id ``doc_id`` came before,
        else None; the id is added to ``seen``."""
        if not seen.add(doc_id):
            return None
        first = self._first_seen(doc_id, number)
        if first is None:  # two ids with one hash: not a repeat
            return None
        unit = "line" if self.kind == "jsonl" else "record"
        path, _, line = where.rpartition(":")
        at = int(line) if self.kind == "jsonl" and line.isdigit() else None
        problem = f"{doc_id!r} repeated (first on {unit} {first})"
        place = (path, at) if self.kind == "jsonl" else (where, None)
        return Violation(place[0], "doc_id", problem, place[1])

    def outcomes(self) -> Iterator[Outcome]:
        """Every record, valid or not, in corpus order; repeated ids are violations."""
        seen = IdSet()
        empty = True
        for number, out in enumerate(self._source(), start=1):
            empty = False
            doc = out.document
            if doc is not None:
                repeat = self._repeat(seen, doc.doc_id, doc.where, number)
                if repeat is not None:
                    yield Outcome(None, [repeat])
                    continue
            yield out
        if empty:
            yield Outcome(None, [self._empty()])

    def _empty(self) -> Violation:
        return Violation(str(self.path), "file", "no documents (empty corpus)")

    # --- batches read where they are processed (docs/scale.md, "Parallel and distributed runs")

    @property
    def sliceable(self) -> bool:
        """Whether a batch can be described cheaply for a worker to read (:meth:`slices`):
        every kind now; a kind that could not be split would read in the main process."""
        return self.kind in SLICEABLE

    def slices(self, size: int) -> Iterator[Slice]:
        """The corpus as batches of ``size`` records, described, not read: a directory's gold
        file names, a JSON Lines file's byte ranges (one scan of the bytes; blank lines and
        the header skipped as the reader skips them), a table's row ranges. An empty corpus
        is the one-line error :meth:`documents` gives."""
        if size < 1:
            raise ParameterError("batch_size", f"must be at least 1, got {size}")
        n = 0
        if self.kind == "dir":
            names = self._gold_names()
            for i in range(0, len(names), size):
                chunk = tuple(names[i : i + size])
                yield Slice(str(self.path), self.kind, i, len(chunk), names=chunk)
            n = len(names)
        elif self.kind == "jsonl":
            for sl in self._jsonl_slices(size):
                n += sl.count
                yield sl
        else:  # a table: row ranges
            n = self.count() or 0
            for i in range(0, n, size):
                yield Slice(str(self.path), self.kind, i, min(size, n - i), start=i)
        if n == 0:
            raise BenchError(error_line([self._empty()], self.path))

    def _jsonl_slices(self, size: int) -> Iterator[Slice]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise BenchError(f"{self.path}: cannot read: {exc.strerror}") from None
        spath, first, count, start, line, pos = str(self.path), 0, 0, 0, 1, 0
        decided = False  # whether the first non-blank line was looked at (a header?)
        with fh:
            for lineno, raw in enumerate(fh, start=1):
                here = pos
                pos += len(raw)
                if lineno == 1 and raw.startswith(BOM):
                    decided = True  # a record: the reader reports it
                elif _blank(raw):
                    continue
                elif not decided:
                    decided = True
                    if _is_header(raw):
                        continue
                if count == 0:
                    start, line = here, lineno
                count += 1
                if count == size:
                    yield Slice(spath, self.kind, first, count, start=start, end=pos, line=line)
                    first += count
                    count = 0
            if count:
                yield Slice(spath, self.kind, first, count, start=start, end=pos, line=line)

    def read_slice(self, sl: Slice, label_set: LabelSet | None = None) -> SliceRead:
        """Read, parse and validate the records of ``sl`` (in a worker) as :meth:`outcomes`
        does, up to the first broken one; ``label_set``: the corpus's, when known. The
        repeated-id check is the caller's (:meth:`admit`), over the whole corpus."""
        if self.kind == "dir":
            outcomes = self._dir_records(sl.names)
        else:
            if self.kind == "jsonl":
                raws = _jsonl_records(self.path, sl.start, sl.end, sl.line, first=False)
            elif self.kind == "parquet":
                raws = _parquet_range(self.path, sl.start, sl.count)
            else:
                raws = _hf_range(self.path, sl.start, sl.count)
            outcomes = _checked(raws, label_set or self.label_set())
        docs: list[Document] = []
        ids: list[tuple[str, str]] = []
        for out in outcomes:
            if out.violations or out.document is None:
                return SliceRead(docs, ids, error_line(out.violations, self.path))
            docs.append(out.document)
            ids.append((out.document.doc_id, out.document.where))
        if len(docs) != sl.count:
            raise BenchError(f"{self.path}: changed while being read (rerun the command)")
        return SliceRead(docs, ids)

    def admit(
        self, seen: IdSet, ids: Sequence[tuple[str, str]], error: str | None, first: int
    ) -> None:
        """The corpus-wide checks of a slice read elsewhere (its documents' ``(doc_id, where)``
        and its first ``error``, as :class:`SliceRead` has them; ``first``: the index of its
        first record), in corpus order: a repeated id, then its own first error, as the one-line
        :class:`~bench.errors.BenchError` :meth:`documents` raises."""
        for k, (doc_id, where) in enumerate(ids):
            repeat = self._repeat(seen, doc_id, where, first + k + 1)
            if repeat is not None:
                raise BenchError(error_line([repeat], self.path))
        if error is not None:
            raise BenchError(error)

    def _parsed(self) -> Iterator[Outcome]:
        if self.kind == "jsonl":
            raws: Iterator[Raw] = _jsonl_records(self.path)
        elif self.kind == "parquet":
            raws = _parquet_records(self.path, self.batch_size)
        elif self.kind == "hf-disk":
            raws = _hf_records(self.path, self.batch_size)
        else:
            raise BenchError(f"{self.path}: unknown corpus kind {self.kind!r}")
        return _checked(raws, self.label_set())

    def header(self) -> CorpusHeader | None:
        """The corpus's header line (JSON Lines only), or None."""
        return read_header(self.path) if self.kind == "jsonl" else None

    def label_set(self) -> LabelSet:
        """The label set the corpus declares in its header; the seeds' set without one."""
        header = self.header()
        return header.label_set if header is not None else SEED_LABEL_SET

    def documents(self) -> Iterator[Document]:
        """The documents in corpus order; the first violation is a BenchError."""
        for out in self.outcomes():
            if out.violations:
                raise BenchError(error_line(out.violations, self.path))
            assert out.document is not None
            yield out.document

    def batches(self, size: int) -> Iterator[list[Document]]:
        """The documents in lists of ``size`` (the last may be shorter)."""
        if size < 1:
            raise ParameterError("batch_size", f"must be at least 1, got {size}")
        batch: list[Document] = []
        for doc in self.documents():
            batch.append(doc)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def count(self) -> int | None:
        """The number of records when it is known without parsing them, else None."""
        if self.kind == "dir":
            return sum(1 for e in os.scandir(self.path / "gold") if e.name.endswith(".json"))
        if self.kind == "parquet":
            need("pyarrow", "data", f"{self.path}: reading Parquet")
            return int(_parquet_file(self.path).metadata.num_rows)
        if self.kind == "hf-disk":  # memory-mapped: opening it reads no rows, checks the files
            return len(_hf_split(self.path))
        if self.kind == "jsonl":  # one scan of the bytes, far cheaper than parsing them
            with self.path.open("rb") as fh:
                return sum(1 for line in fh if line.strip())
        return None


def open_corpus(path: Path | str, batch_size: int = DEFAULT_BATCH) -> Corpus:
    """The corpus at ``path``, its kind detected from what is there (see :data:`KINDS`)."""
    path = Path(path)
    return Corpus(path, detect_kind(path), batch_size)


class MemoryCorpus:
    """A small corpus held in memory (the seeds, a subset of them, documents built in Python):
    the same ``label_set``, ``count``, ``documents`` and ``batches`` as a :class:`Corpus`,
    documents in doc_id order (the order of a gold directory and of every run)."""

    def __init__(self, docs: Iterable[Document], label_set: LabelSet = SEED_LABEL_SET) -> None:
        self.docs = sorted(docs, key=lambda d: d.doc_id)
        self._label_set = label_set

    def label_set(self) -> LabelSet:
        """The corpus's label set (the seeds' by default)."""
        return self._label_set

    def count(self) -> int:
        """The number of documents."""
        return len(self.docs)

    def documents(self) -> Iterator[Document]:
        """The documents in doc_id order."""
        return iter(self.docs)

    def batches(self, size: int) -> Iterator[list[Document]]:
        """The documents in lists of ``size`` (the last may be shorter)."""
        if size < 1:
            raise ParameterError("batch_size", f"must be at least 1, got {size}")
        for i in range(0, len(self.docs), size):
            yield self.docs[i : i + size]


# --- writing ----------------------------------------------------------------------------------


def record(doc: Document) -> dict[str, object]:
    """A document as a JSON Lines record (values keep their JSON type)."""
    out: dict[str, object] = {
        "doc_id": doc.doc_id,
        "document_date": doc.document_date.isoformat(),
        "title": doc.title or None,
        "text": doc.text,
        "spans": [
            {k: v for k, v in s.model_dump(mode="json").items() if k != "notes" or v is not None}
            for s in doc.gold.spans
        ],
        "ignore": [r.model_dump(mode="json") for r in doc.gold.ignore],
        "nested": doc.gold.nested,
        "tokens": None if doc.gold.tokens is None else [list(t) for t in doc.gold.tokens],
    }
    return {k: v for k, v in out.items() if v is not None}


def write_jsonl(docs: Iterable[Document], path: Path, header: CorpusHeader | None = None) -> int:
    """Stream documents into a JSON Lines corpus file, atomically, after ``header`` when given;
    returns how many."""
    from bench.files import open_atomic

    n = 0
    with open_atomic(path) as fh:
        if header is not None:
            line = strictjson.dumps(header.model_dump(mode="json"), ensure_ascii=False)
            fh.write(line.encode("utf-8") + b"\n")
        for doc in docs:
            fh.write(strictjson.dumps(record(doc), ensure_ascii=False).encode("utf-8") + b"\n")
            n += 1
    return n


def write_parquet(docs: Iterable[Document], path: Path, batch_size: int = 1024) -> int:
    """Stream documents into a Parquet corpus file (the ``hf-parquet`` table), atomically."""
    need("pyarrow", "data", f"{path}: writing Parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.corpus.formats.hfdatasets import features, row
    from bench.files import open_atomic

    schema = features().arrow_schema
    n = 0
    with open_atomic(path) as fh, pq.ParquetWriter(fh, schema) as writer:
        batch: list[dict[str, object]] = []
        for doc in docs:
            batch.append(row(doc))
            n += 1
            if len(batch) == batch_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return n


def synthetic_documents(n_docs: int, seed: int = 0, start: int = 0) -> Iterator[Document]:
    """``n_docs`` documents of the synthetic news corpus ``seed``, made one at a time."""
    from bench.corpus.synthetic import news_document

    for i in range(start, start + n_docs):
        yield news_document(seed, i)


def write_corpus(docs: Iterable[Document], path: Path) -> int:
    """Stream documents into ``path``: JSON Lines (``.jsonl``) or Parquet (``.parquet``)."""
    suffix = path.name.lower().rsplit(".", 1)[-1]
    if suffix in ("jsonl", "ndjson"):
        return write_jsonl(docs, path)
    if suffix in ("parquet", "pq"):
        return write_parquet(docs, path)
    raise BenchError(f"{path}: write a corpus as .jsonl or .parquet")
