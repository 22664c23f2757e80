"""Seed texts, corpus metadata and gold files: reading, validating and writing them.

Every command that reads gold goes through :func:`validate_gold_file` / :func:`load_gold_dir`,
so ``bench gold validate`` and ``bench score`` can never disagree about what is valid.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_core import from_json

from bench import strictjson
from bench.corpus.jsonloc import array_element_lines
from bench.errors import BenchError, shorten
from bench.files import open_atomic as open_atomic  # re-exported: used across bench
from bench.files import write_atomic as write_atomic
from bench.schema import (
    ALL_LABELS,
    LABEL_ID,
    LABEL_LAYER,
    LAYER_ID,
    LAYER_LABELS,
    LAYERS,
    CorpusMeta,
    DocumentMeta,
    GoldDocument,
    Value,
    check_doc_id_safe,
    value_problem,
)
from bench.timex import is_timex_value

if TYPE_CHECKING:
    import numpy as np

CORPUS_FILE = "corpus.json"
DOCUMENT_DATE = dt.date(2017, 12, 11)


@dataclass(frozen=True)
class SeedText:
    """A text of the corpus directory (no gold): its id, exact text, date and title."""

    doc_id: str
    text: str
    document_date: dt.date
    title: str = ""


@dataclass(frozen=True)
class Violation:
    """One broken rule in one file: printed as ``FILE:LINE: field: problem``."""

    path: str
    field: str
    problem: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.field}: {self.problem}"


@dataclass
class GoldCheck:
    """The outcome of validating one gold file."""

    path: Path
    gold: GoldDocument | None
    text: str | None
    violations: list[Violation] = field(default_factory=list)


def read_text(path: Path) -> str:
    """Read a UTF-8 text exactly as stored (no newline translation, no normalisation)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BenchError(f"{path}: file not found") from None
    except OSError as exc:
        raise BenchError(f"{path}: cannot read: {exc.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise BenchError(f"{path}: text: starts with a UTF-8 byte-order mark; save it without one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BenchError(f"{path}:{line}: text: not UTF-8 (byte {exc.start})") from None


def sha256_text(text: str) -> str:
    """sha256 hex digest of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(text: str) -> int:
    """Words as bench counts them everywhere: runs of non-whitespace (``str.split``)."""
    return len(text.split())


def read_json(path: Path) -> tuple[str, object]:
    """Read a JSON file, returning raw text and parsed value; errors name file and line."""
    raw = read_text(path)
    return raw, strictjson.load_text(raw, str(path))


def check_doc_id(doc_id: str, where: str = "doc_id") -> str:
    """``doc_id`` when it is safe as a file name (no separators, not ``..``); else a one-line
    error naming ``where``. Every id that becomes part of a path goes through here first."""
    try:
        return check_doc_id_safe(doc_id)
    except ValueError as exc:
        raise BenchError(f"{where}: {exc}") from None


def format_loc(loc: Iterable[object]) -> str:
    """Turn a pydantic error location into ``spans[12].text``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def load_corpus_meta(texts_dir: Path) -> CorpusMeta | None:
    """``<texts_dir>/corpus.json`` validated, or None when the directory has none."""
    path = texts_dir / CORPUS_FILE
    if not path.exists():
        return None
    _, data = read_json(path)
    try:
        return CorpusMeta.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BenchError(f"{path}: {format_loc(err['loc'])}: {err['msg']}") from None


def load_documents(texts_dir: Path, doc_ids: Iterable[str] | None = None) -> list[SeedText]:
    """The documents of a texts directory, checked against its ``corpus.json`` when present."""
    meta = load_corpus_meta(texts_dir)
    by_id: dict[str, DocumentMeta] = {d.doc_id: d for d in meta.documents} if meta else {}
    if doc_ids is None:
        doc_ids = list(by_id) if meta else sorted(p.stem for p in texts_dir.glob("*.txt"))
    docs = []
    for doc_id in doc_ids:
        path = texts_dir / f"{doc_id}.txt"
        text = read_text(path)
        m = by_id.get(doc_id)
        if m is not None and sha256_text(text) != m.sha256:
            raise BenchError(
                f"{path}: text: sha256 {sha256_text(text)[:12]}… differs from "
                f"{texts_dir / CORPUS_FILE} ({m.sha256[:12]}…): the text was changed"
            )
        date = m.document_date if m else DOCUMENT_DATE
        docs.append(SeedText(doc_id, text, date, m.title if m else ""))
    return docs


def document_meta(
    doc_id: str,
    text: str,
    title: str,
    outlet: str | None,
    document_date: dt.date,
    language: str = "en",
) -> DocumentMeta:
    """Metadata entry for a text, with hash and counts computed from the text itself."""
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        outlet=outlet,
        language=language,
        document_date=document_date,
        sha256=sha256_text(text),
        chars=len(text),
        words=word_count(text),
    )


def token_problem(tokens: Sequence[tuple[int, int]], text_len: int) -> str | None:
    """Why ``tokens`` are not sorted, non-empty, non-overlapping offsets into a text of
    ``text_len`` characters, or None when they are."""
    prev_end = 0
    for i, (a, b) in enumerate(tokens):
        if not 0 <= a < b <= text_len:
            return f"tokens[{i}]: {a}:{b} not within 0 <= start < end <= {text_len}"
        if a < prev_end:
            return f"tokens[{i}]: {a}:{b} starts before the end of tokens[{i - 1}] ({prev_end})"
        prev_end = b
    return None


def _check_spans(
    gold: GoldDocument,
    text: str,
    path: str,
    lines: list[int],
    ignore_lines: list[int],
    labels: Mapping[str, Sequence[str]] = LAYER_LABELS,
) -> list[Violation]:
    out: list[Violation] = []

    def add(fld: str, problem: str, line: int | None) -> None:
        out.append(Violation(path, fld, problem, line))

    n = len(text)
    for i, reg in enumerate(gold.ignore):
        line = ignore_lines[i] if i < len(ignore_lines) else None
        if not (0 <= reg.start < reg.end <= n):
            add(f"ignore[{i}].end", f"region {reg.start}:{reg.end} is not inside 0:{n}", line)
    regions = sorted(
        (r.start, r.end, i) for i, r in enumerate(gold.ignore) if 0 <= r.start < r.end <= n
    )
    for (s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(regions):
        if s2 < e1:
            line = ignore_lines[i2] if i2 < len(ignore_lines) else None
            add(f"ignore[{i2}].start", f"overlaps ignore[{i1}] ({s1}:{e1})", line)

    if gold.tokens is not None:
        problem = token_problem(gold.tokens, n)
        if problem is not None:
            fld, _, rest = problem.partition(": ")
            add(fld, rest, None)
    nested = set(gold.nested or ())
    last_by_layer: dict[str, tuple[int, int, int]] = {}
    prev: tuple[int, int] | None = None
    for i, sp in enumerate(gold.spans):
        line = lines[i] if i < len(lines) else None
        f = f"spans[{i}]"
        if not (0 <= sp.start < sp.end <= n):
            add(
                f"{f}.end" if sp.end > n or sp.end <= sp.start else f"{f}.start",
                f"offsets {sp.start}:{sp.end} not within 0 <= start < end <= {n}",
                line,
            )
            continue
        piece = text[sp.start : sp.end]
        if piece != sp.text:
            add(
                f"{f}.text",
                f"{shorten(sp.text)} != text[{sp.start}:{sp.end}] {shorten(piece)}",
                line,
            )
        elif piece != piece.strip():
            add(f"{f}.text", f"{shorten(piece)} has leading or trailing whitespace", line)
        if sp.label not in labels.get(sp.layer, ()):
            home = LABEL_LAYER.get(sp.label)
            hint = f" (it belongs to {home!r})" if home and home != sp.layer else ""
            add(
                f"{f}.label",
                f"{shorten(sp.label)} is not a label of layer {sp.layer!r}{hint}",
                line,
            )
        problem = value_problem(sp.layer, sp.value)
        if problem:
            add(f"{f}.value", problem, line)
        if prev is not None and (sp.start, sp.end) < prev:
            add(
                f"{f}.start",
                f"spans not sorted by (start, end): {sp.start}:{sp.end} after {prev[0]}:{prev[1]}",
                line,
            )
        prev = (sp.start, sp.end)
        last = last_by_layer.get(sp.layer)
        if last is not None and sp.start < last[1] and last[0] < sp.end and sp.layer not in nested:
            add(
                f"{f}.start",
                f"overlaps spans[{last[2]}] ({last[0]}:{last[1]}) in layer {sp.layer!r}",
                line,
            )
        if last is None or sp.end > last[1]:
            last_by_layer[sp.layer] = (sp.start, sp.end, i)
        for s, e, j in regions:
            if sp.start < e and s < sp.end:
                add(f"{f}.start", f"span {sp.start}:{sp.end} lies in ignore[{j}] ({s}:{e})", line)
                break
    return out


def check_gold_spans(
    gold: GoldDocument,
    text: str,
    path: str,
    lines: list[int | None] | None = None,
    ignore_lines: list[int | None] | None = None,
    labels: Mapping[str, Sequence[str]] = LAYER_LABELS,
) -> list[Violation]:
    """Every span and ignore-region rule of a gold document over its text (offsets, text,
    labels, values, order, overlaps); ``lines`` give each span's line for the messages;
    ``labels`` is the corpus's label set (layer -> labels), the seeds' by default."""
    return _check_spans(gold, text, path, lines or [], ignore_lines or [], labels)  # type: ignore[arg-type]


def _as_violation(exc: BenchError, default_path: str) -> Violation:
    """A read error ``FILE[:LINE]: field: problem`` (or ``FILE: problem``) as a violation."""
    where, _, rest = str(exc).partition(": ")
    fld, sep, problem = rest.partition(": ")
    if not sep:
        fld, problem = "file", rest
    path, _, line = where.rpartition(":")
    if not (path and line.isdigit()):
        path, line = where, ""
    return Violation(path or default_path, fld, problem, int(line) if line else None)


_UNSET: object = object()


def registered_documents(texts_dir: Path) -> dict[str, DocumentMeta] | None:
    """The entries of ``<texts_dir>/corpus.json`` by doc_id, or None when there is none."""
    meta = load_corpus_meta(texts_dir)
    return None if meta is None else {d.doc_id: d for d in meta.documents}


def validate_gold_file(
    path: Path,
    texts_dir: Path,
    registered: Mapping[str, DocumentMeta] | object | None = _UNSET,
) -> GoldCheck:
    """Check every rule for one gold file; all violations are collected, none raised.

    ``registered`` is :func:`registered_documents` of ``texts_dir`` when the caller has read
    it already (validating many files), else ``corpus.json`` is read here.
    """
    spath = str(path)
    try:
        raw, data = read_json(path)
    except BenchError as exc:
        return GoldCheck(path, None, None, [_as_violation(exc, spath)])
    try:
        gold = GoldDocument.model_validate(data)
    except ValidationError as exc:
        # Line numbers only on the error path: scanning the text costs more than the rest.
        lines = array_element_lines(raw, "spans")
        ignore_lines = array_element_lines(raw, "ignore")
        out = []
        for err in exc.errors():
            loc = err["loc"]
            line = None
            if len(loc) >= 2 and loc[0] in ("spans", "ignore") and isinstance(loc[1], int):
                src = lines if loc[0] == "spans" else ignore_lines
                line = src[loc[1]] if loc[1] < len(src) else None
            msg = err["msg"].removeprefix("Value error, ")
            out.append(Violation(spath, format_loc(loc), msg, line))
        return GoldCheck(path, None, None, out)
    violations: list[Violation] = []
    if gold.doc_id != path.stem:
        violations.append(Violation(spath, "doc_id", f"{gold.doc_id!r} != file name {path.stem!r}"))
        return GoldCheck(path, gold, None, violations)
    text_path = texts_dir / f"{gold.doc_id}.txt"
    try:
        text = read_text(text_path)
    except BenchError as exc:
        violations.append(Violation(spath, "doc_id", f"no readable text: {exc}"))
        return GoldCheck(path, gold, None, violations)
    digest = sha256_text(text)
    if digest != gold.text_sha256:
        violations.append(
            Violation(
                spath,
                "text_sha256",
                f"{gold.text_sha256[:12]}… != sha256 of {text_path} "
                f"({digest[:12]}…): gold was made for another text",
            )
        )
        return GoldCheck(path, gold, text, violations)
    if not text:
        # Nothing to annotate, extract or score: an empty file is a mistake, not a document.
        violations.append(Violation(str(text_path), "text", "empty document (0 characters)"))
        return GoldCheck(path, gold, text, violations)
    if registered is _UNSET:
        try:
            registered = registered_documents(texts_dir)
        except BenchError as exc:
            violations.append(_as_violation(exc, str(texts_dir / CORPUS_FILE)))
            return GoldCheck(path, gold, text, violations)
    if isinstance(registered, Mapping):
        m = registered.get(gold.doc_id)
        if m is None:
            violations.append(
                Violation(spath, "doc_id", f"{gold.doc_id!r} is not in {texts_dir / CORPUS_FILE}")
            )
        elif m.document_date != gold.document_date:
            violations.append(
                Violation(
                    spath,
                    "document_date",
                    f"{gold.document_date} != {m.document_date} in corpus.json",
                )
            )
    found = _check_spans(gold, text, spath, [], [])
    if found:  # again, now with line numbers
        lines = array_element_lines(raw, "spans")
        found = _check_spans(gold, text, spath, lines, array_element_lines(raw, "ignore"))
    violations += found
    return GoldCheck(path, gold, text, violations)


def gold_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to their ``*.json`` files, sorted; files pass through."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(p.glob("*.json"))
        else:
            out.append(p)
    return out


def load_gold_dir(gold_dir: Path, texts_dir: Path) -> dict[str, tuple[GoldDocument, str]]:
    """All gold documents of a directory with their texts; the first violation is an error."""
    if not gold_dir.is_dir():
        raise BenchError(f"{gold_dir}: not a directory of gold files")
    out: dict[str, tuple[GoldDocument, str]] = {}
    for path in gold_paths([gold_dir]):
        check = validate_gold_file(path, texts_dir)
        if check.violations:
            more = len(check.violations) - 1
            tail = f" (+{more} more; run `bench gold validate {path}`)" if more else ""
            raise BenchError(f"{check.violations[0]}{tail}")
        assert check.gold is not None and check.text is not None
        out[check.gold.doc_id] = (check.gold, check.text)
    if not out:
        raise BenchError(f"{gold_dir}: no gold files (*.json)")
    return out


# ---------------------------------------------------------------------------------------
# Gold as columns, for scoring: the same rules, checked on all spans of a corpus at once


_LABEL_LAYER_INDEX = tuple(LAYER_ID[LABEL_LAYER[label]] for label in ALL_LABELS)
_MODEL_FIELDS = operator.itemgetter("start", "end", "label", "value", "layer")
_MODEL_FIELDS_4 = operator.itemgetter("start", "end", "label", "value")
_ATTRS = operator.attrgetter("start", "end", "label", "value", "layer")
_ATTRS_4 = operator.attrgetter("start", "end", "label", "value")
_MISSING = object()
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark: never part of a text


# numpy is imported where the columns are made, not with the module: the gold commands
# that read and write files need none of it and start faster without it.


@functools.cache
def _label_layer_array() -> np.ndarray:
    import numpy as np

    return np.array(_LABEL_LAYER_INDEX, dtype=np.int64)


def label_layers(label: np.ndarray) -> np.ndarray:
    """The layer (index into LAYERS) of each label (index into ALL_LABELS)."""
    return _label_layer_array()[label]


def label_ids(labels: list[object]) -> np.ndarray:
    """Index of each label in ALL_LABELS, -1 for anything else (a TypeError if unhashable)."""
    import numpy as np

    # bytes() of small ints is the cheapest way from a map to an array.
    ids = np.frombuffer(bytes(map(LABEL_ID.get, labels, repeat(255))), dtype=np.uint8)  # type: ignore[arg-type]
    return np.where(ids == 255, -1, ids.astype(np.int64))


@dataclass(frozen=True)
class SpanColumns:
    """Spans of many documents as parallel columns: what the scorer needs, no object per span."""

    doc: np.ndarray  # index of the span's document
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray  # index into ALL_LABELS
    values: list[Value]  # as given: None, int, float or str
    layers: list[str | None] | None = None  # a prediction's own ``layer`` field, if any is set

    def __len__(self) -> int:
        return len(self.start)

    @classmethod
    def from_spans(
        cls, groups: Sequence[Sequence[object]], what: str, *, layers: bool = False
    ) -> SpanColumns:
        """Columns of span objects, ``groups[k]`` being document k's (with ``layers``, also
        their own ``layer`` fields); an unknown label is a BenchError naming ``what``."""
        import numpy as np

        # One pass over the objects (each visit is a cache miss), reading the instance dicts
        # of the pydantic models directly, into one flat list sliced into columns.
        k = 5 if layers else 4
        fields = _MODEL_FIELDS if layers else _MODEL_FIELDS_4
        try:
            flat = list(chain.from_iterable(map(fields, map(vars, chain.from_iterable(groups)))))
        except (TypeError, KeyError):  # not pydantic models: plain attribute access
            attrs = _ATTRS if layers else _ATTRS_4
            flat = list(chain.from_iterable(map(attrs, chain.from_iterable(groups))))
        labels = flat[2::k]
        n = len(labels)
        label = label_ids(labels)
        if n and label.min() < 0:
            i = int(np.flatnonzero(label < 0)[0])
            raise BenchError(f"{what}: label: unknown label {labels[i]!r}")
        own = flat[4::5] if layers else []
        return cls(
            doc=np.repeat(np.arange(len(groups), dtype=np.int64), [len(g) for g in groups]),
            start=np.array(flat[0::k], dtype=np.int64),
            end=np.array(flat[1::k], dtype=np.int64),
            label=label,
            values=flat[3::k],
            layers=None if own.count(None) == len(own) else own,
        )


@dataclass(frozen=True)
class GoldTable:
    """Gold documents as scoring needs them: ids (sorted), texts, text hashes, ignore
    regions, and all spans as columns."""

    doc_ids: list[str]
    texts: list[str]
    text_sha256: list[str]
    ignore: list[list[tuple[int, int]]]  # (start, end) of each ignore region, as given
    spans: SpanColumns
    tokens: list[list[tuple[int, int]] | None] | None = None  # per document, when recorded

    @classmethod
    def from_documents(cls, gold: Mapping[str, tuple[GoldDocument, str]]) -> GoldTable:
        """The table of documents as ``load_gold_dir`` returns them."""
        doc_ids = sorted(gold)
        docs = [gold[d][0] for d in doc_ids]
        return cls(
            doc_ids=doc_ids,
            texts=[gold[d][1] for d in doc_ids],
            text_sha256=[g.text_sha256 for g in docs],
            ignore=[[(r.start, r.end) for r in g.ignore] for g in docs],
            spans=SpanColumns.from_spans([g.spans for g in docs], "gold"),
            tokens=[g.tokens for g in docs],
        )


def load_gold_table(gold_dir: Path, texts_dir: Path) -> GoldTable:
    """:func:`load_gold_dir` as a :class:`GoldTable`: the same rules, the same errors.

    Every rule is first checked on all spans of the directory at once, on the parsed JSON;
    when anything at all is off, the directory goes through :func:`load_gold_dir`, which
    finds and names the problem (or, if the quick check was merely stricter, the models).
    """
    if gold_dir.is_dir():
        table = _quick_gold_table(gold_dir, texts_dir)
        if table is not None:
            return table
    return GoldTable.from_documents(load_gold_dir(gold_dir, texts_dir))


def only_types(column: list[object], *types: type) -> bool:
    """True when every item of ``column`` is exactly of one of ``types`` (no subclasses)."""
    return set(map(type, column)) <= set(types)


def dict_columns(
    items: list[object], required: tuple[str, ...], optional: tuple[str, ...], usual: int
) -> list[list[object]] | None:
    """Columns of JSON objects that have all ``required`` keys, any of ``optional`` (None
    when absent, as the models default) and nothing else; None if an item is not such an
    object. The first ``usual`` optional keys are tried as always present first (the fast
    case of files that bench wrote)."""
    n = len(items)
    first = required + optional[:usual]
    try:
        flat = list(chain.from_iterable(map(operator.itemgetter(*first), items)))  # type: ignore[arg-type]
        lengths = sum(map(len, items))  # type: ignore[arg-type]
    except (KeyError, TypeError):
        flat, lengths = None, -1
    if flat is not None and lengths == len(first) * n:
        k = len(first)
        return [flat[i::k] for i in range(k)] + [[None] * n for _ in optional[usual:]]
    if not only_types(items, dict):
        return None
    try:
        flat = list(chain.from_iterable(map(operator.itemgetter(*required), items)))  # type: ignore[arg-type]
    except KeyError:
        return None
    k = len(required)
    cols: list[list[object]] = [flat[i::k] for i in range(k)]
    expected = k * n
    for key in optional:
        col = list(map(dict.get, items, repeat(key), repeat(_MISSING)))  # type: ignore[arg-type, call-overload]
        absent = sum(x is _MISSING for x in col)
        expected += n - absent
        cols.append([None if x is _MISSING else x for x in col] if absent else col)  # type: ignore[arg-type]
    return cols if sum(map(len, items)) == expected else None  # type: ignore[arg-type]


def _read_file(path: str) -> bytes:
    """The bytes of a file, with fewer system calls and objects than ``Path.read_bytes``."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _quick_gold_table(gold_dir: Path, texts_dir: Path) -> GoldTable | None:
    """The table, when every file passes every rule; None when anything is off."""
    gold_s, texts_s = os.fspath(gold_dir), os.fspath(texts_dir)
    # The files of gold_paths, as names (what Path.glob("*.json") matches, sorted).
    try:
        names = sorted(n for n in os.listdir(gold_s) if n.endswith(".json"))
    except OSError:
        return None
    if not names:
        return None
    try:
        registered = registered_documents(texts_dir)
    except BenchError:
        return None
    doc_ids: list[str] = []
    texts: list[str] = []
    hashes: list[str] = []
    regions: list[list[tuple[int, int]]] = []
    counts: list[int] = []
    items: list[object] = []
    for name in names:
        # What validate_gold_file checks, in the same order; any failure: None.
        try:
            data = from_json(_read_file(os.path.join(gold_s, name)))
        except (OSError, ValueError):
            return None
        if type(data) is not dict:
            return None
        spans = data.pop("spans", [])
        if type(spans) is not list:
            return None
        try:
            gold = GoldDocument.model_validate(data)  # every field but the spans
        except ValidationError:
            return None
        doc_id = gold.doc_id
        if doc_id != name[:-5]:  # the file name's stem
            return None
        try:
            raw_text = _read_file(os.path.join(texts_s, doc_id + ".txt"))
            text = raw_text.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if raw_text.startswith(BOM) or hashlib.sha256(raw_text).hexdigest() != gold.text_sha256:
            return None
        if not text:  # an empty document
            return None
        if registered is not None:
            m = registered.get(doc_id)
            if m is None or m.document_date != gold.document_date:
                return None
        doc_regions = [(r.start, r.end) for r in gold.ignore]
        if doc_regions:
            ordered = sorted(doc_regions)
            if any(not (0 <= s < e <= len(text)) for s, e in ordered) or any(
                s2 < e1 for (_, e1), (s2, _) in itertools.pairwise(ordered)
            ):
                return None
        doc_ids.append(doc_id)
        texts.append(text)
        hashes.append(gold.text_sha256)
        regions.append(doc_regions)
        if gold.nested or gold.tokens is not None:  # the models check these
            return None
        counts.append(len(spans))
        items += spans
    spans_ok = _quick_gold_spans(items, texts, counts, regions)
    if spans_ok is None:
        return None
    table = GoldTable(doc_ids, texts, hashes, regions, spans_ok)
    return table if doc_ids == sorted(doc_ids) else _sorted_table(table, counts)


def _sorted_table(table: GoldTable, counts: list[int]) -> GoldTable:
    """The table with documents in doc_id order (files come in file-name order)."""
    import numpy as np

    order = sorted(range(len(table.doc_ids)), key=table.doc_ids.__getitem__)
    starts = np.concatenate([[0], np.cumsum(counts)])
    idx = np.concatenate([np.arange(starts[k], starts[k + 1]) for k in order]).astype(np.int64)
    new_doc = np.empty(len(order), dtype=np.int64)
    new_doc[order] = np.arange(len(order))
    sp = table.spans
    return GoldTable(
        doc_ids=[table.doc_ids[k] for k in order],
        texts=[table.texts[k] for k in order],
        text_sha256=[table.text_sha256[k] for k in order],
        ignore=[table.ignore[k] for k in order],
        spans=SpanColumns(
            doc=new_doc[sp.doc[idx]],
            start=sp.start[idx],
            end=sp.end[idx],
            label=sp.label[idx],
            values=[sp.values[i] for i in idx.tolist()],
        ),
    )


def _quick_gold_spans(
    items: list[object],
    texts: list[str],
    counts: list[int],
    regions: list[list[tuple[int, int]]],
) -> SpanColumns | None:
    """Columns of the gold spans of all files when every span passes every rule of
    ``GoldSpan`` and ``_check_spans`` (checked as strictly or more); None otherwise."""
    import numpy as np

    cols = dict_columns(
        items, ("start", "end", "text", "layer", "label"), ("value", "notes"), usual=1
    )
    if cols is None:
        return None
    starts, ends, pieces, layers, labels, values, notes = cols
    # (The texts are compared with slices below, which only a string can equal.)
    if not (
        only_types(starts, int)
        and only_types(ends, int)
        and (notes.count(None) == len(notes) or only_types(notes, str, type(None)))
    ):
        return None
    n = len(starts)
    try:
        start = np.array(starts, dtype=np.int64)
        end = np.array(ends, dtype=np.int64)
        label = label_ids(labels)
        # The label belongs to the layer (an unknown label has no layer).
        if list(map(LABEL_LAYER.get, labels)) != layers or (n and label.min() < 0):  # type: ignore[arg-type]
            return None
    except (OverflowError, TypeError):  # an offset beyond int64; an unhashable label
        return None
    layer = label_layers(label)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    text_len = np.array([len(t) for t in texts], dtype=np.int64)
    if n and not (
        np.all((start >= 0) & (start < end) & (end <= text_len[doc]))
        and values_fit_layers(values, layer, gold=True)
    ):
        return None
    # The text of every span is its slice of the document, without outer white space.
    doc_text = chain.from_iterable(map(repeat, texts, counts))
    if list(map(str.__getitem__, doc_text, map(slice, starts, ends))) != pieces:  # type: ignore[arg-type]
        return None
    if list(map(str.strip, pieces)) != pieces:  # type: ignore[arg-type]
        return None
    if not _sorted_without_overlaps(doc, start, end, layer, text_len):
        return None
    offsets = np.concatenate([[0], np.cumsum(counts)])
    for k in [k for k, doc_regions in enumerate(regions) if doc_regions]:
        s, e = start[offsets[k] : offsets[k + 1]], end[offsets[k] : offsets[k + 1]]
        for rs, re_ in regions[k]:
            if np.any((s < re_) & (rs < e)):  # a span in an ignore region
                return None
    return SpanColumns(doc=doc, start=start, end=end, label=label, values=values)  # type: ignore[arg-type]


def _sorted_without_overlaps(
    doc: np.ndarray, start: np.ndarray, end: np.ndarray, layer: np.ndarray, text_len: np.ndarray
) -> bool:
    """Spans sorted by (start, end) within each document, and no two of one layer overlapping."""
    import numpy as np

    if len(doc) < 2:
        return True
    same_doc = doc[1:] == doc[:-1]
    in_order = (start[1:] > start[:-1]) | ((start[1:] == start[:-1]) & (end[1:] >= end[:-1]))
    if not np.all(in_order | ~same_doc):
        return False
    # Sorted by start, a span overlaps an earlier one of its layer exactly when it starts
    # before the furthest end so far; groups (document, layer) are laid out on one axis,
    # each after the last, so the running maximum never crosses from one into the next.
    group = doc * len(LAYERS) + layer
    width = int(text_len.max()) + 1
    if (int(group.max()) + 1) * width >= 2**62:
        return False
    order = np.argsort(group, kind="stable")
    base = group[order] * width
    reach = np.maximum.accumulate(base + end[order])
    return bool(np.all(base[1:] + start[order][1:] >= reach[:-1]))


_VALUE_TYPE = {type(None): 0, int: 1, float: 2, str: 3}


def values_fit_layers(values: list[object], layer: np.ndarray, *, gold: bool) -> bool:
    """Every value well-formed for its layer (:func:`bench.schema.value_problem` for gold;
    for predictions any string passes in the time layer, and null anywhere)."""
    import numpy as np

    kind = np.frombuffer(bytes(map(_VALUE_TYPE.get, map(type, values), repeat(9))), np.int8)
    entity, time, number = (layer == LAYER_ID[x] for x in LAYERS)
    if np.any(entity & (kind != 0)):
        return False
    if gold:
        if np.any(time & (kind != 3)):
            return False
    elif np.any(time & (kind != 0) & (kind != 3)):
        return False
    if np.any(number & (kind == 3)) or np.any(kind == 9):
        return False
    times = np.flatnonzero(time & (kind == 3))
    if len(times) and not all(map(is_timex_value, {values[i] for i in times.tolist()})):  # type: ignore[arg-type]
        return False
    numbers = np.flatnonzero(number & ((kind == 1) | (kind == 2)))
    if len(numbers):
        try:
            as_float = np.array([values[i] for i in numbers.tolist()], dtype=np.float64)
        except OverflowError:
            return False
        if not np.all(np.isfinite(as_float)):
            return False
    return True


def dump_gold(gold: GoldDocument) -> str:
    """Canonical gold JSON: header fields, then one span and one ignore region per line."""
    head = gold.model_dump(mode="json", exclude={"spans", "ignore"}, exclude_none=True)
    lines = ["{"]
    for key, val in head.items():
        lines.append(f"  {json.dumps(key)}: {strictjson.dumps(val, ensure_ascii=False)},")

    def block(name: str, items: list[dict[str, object]], last: bool) -> None:
        if not items:
            lines.append(f'  "{name}": []' + ("" if last else ","))
            return
        lines.append(f'  "{name}": [')
        for k, item in enumerate(items):
            comma = "," if k < len(items) - 1 else ""
            lines.append("    " + strictjson.dumps(item, ensure_ascii=False) + comma)
        lines.append("  ]" + ("" if last else ","))

    spans = []
    for sp in gold.spans:
        d = sp.model_dump(mode="json")
        if d.get("notes") is None:
            d.pop("notes", None)
        spans.append(d)
    block("spans", spans, last=False)
    block("ignore", [r.model_dump(mode="json") for r in gold.ignore], last=True)
    lines.append("}")
    return "\n".join(lines) + "\n"


class GoldHash:
    """The gold's sha256 (``gold.sha256`` of a result): each document's id, its text's hash
    and its gold file in canonical form (:func:`dump_gold`), in doc_id order. Fed one document
    at a time, so a streamed corpus is hashed the same way as one in memory."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    @staticmethod
    def piece(doc_id: str, text_sha256: str, gold: GoldDocument) -> bytes:
        """What one document adds to the hash (a worker computes it, the caller feeds it)."""
        return b"%s\n%s\n%s" % (
            doc_id.encode("utf-8"),
            text_sha256.encode("ascii"),
            dump_gold(gold).encode("utf-8"),
        )

    def add(self, doc_id: str, text_sha256: str, gold: GoldDocument) -> None:
        """Add the next document (in doc_id order)."""
        self._h.update(self.piece(doc_id, text_sha256, gold))

    def update(self, pieces: bytes) -> None:
        """Add documents' :meth:`piece` bytes, in order."""
        self._h.update(pieces)

    def hexdigest(self) -> str:
        """The digest of the documents added so far."""
        return self._h.hexdigest()


def gold_sha256(gold: Mapping[str, tuple[GoldDocument, str]]) -> str:
    """:class:`GoldHash` of a corpus in memory."""
    h = GoldHash()
    for doc_id in sorted(gold):
        g, text = gold[doc_id]
        h.add(doc_id, sha256_text(text), g)
    return h.hexdigest()
