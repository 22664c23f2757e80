"""Seed texts, corpus metadata and gold files: reading, validating and writing them.

Every command that reads gold goes through :func:`validate_gold_file` / :func:`load_gold_dir`,
so ``bench gold validate`` and ``bench score`` can never disagree about what is valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from bench.errors import BenchError, shorten
from bench.jsonloc import array_element_lines
from bench.schema import (
    LABEL_LAYER,
    LAYER_LABELS,
    CorpusMeta,
    DocumentMeta,
    GoldDocument,
    check_doc_id_safe,
    value_problem,
)

CORPUS_FILE = "corpus.json"
DOCUMENT_DATE = dt.date(2017, 12, 11)


@dataclass(frozen=True)
class Document:
    """A corpus document: its id, exact text and the date relative expressions resolve to."""

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
    try:
        return raw, json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}:{exc.lineno}: json: {exc.msg} (column {exc.colno})") from None


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


def load_documents(texts_dir: Path, doc_ids: Iterable[str] | None = None) -> list[Document]:
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
        docs.append(Document(doc_id, text, date, m.title if m else ""))
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


def _check_spans(
    gold: GoldDocument, text: str, path: str, lines: list[int], ignore_lines: list[int]
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
        if sp.label not in LAYER_LABELS[sp.layer]:
            home = LABEL_LAYER.get(sp.label)
            hint = f" (it belongs to {home!r})" if home else ""
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
        if last is not None and sp.start < last[1] and last[0] < sp.end:
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
) -> list[Violation]:
    """Every span and ignore-region rule of a gold document over its text (offsets, text,
    labels, values, order, overlaps); ``lines`` give each span's line for the messages."""
    return _check_spans(gold, text, path, lines or [], ignore_lines or [])  # type: ignore[arg-type]


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


def dump_gold(gold: GoldDocument) -> str:
    """Canonical gold JSON: header fields, then one span and one ignore region per line."""
    head = gold.model_dump(mode="json", exclude={"spans", "ignore"}, exclude_none=True)
    lines = ["{"]
    for key, val in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(val, ensure_ascii=False)},")

    def block(name: str, items: list[dict[str, object]], last: bool) -> None:
        if not items:
            lines.append(f'  "{name}": []' + ("" if last else ","))
            return
        lines.append(f'  "{name}": [')
        for k, item in enumerate(items):
            comma = "," if k < len(items) - 1 else ""
            lines.append("    " + json.dumps(item, ensure_ascii=False) + comma)
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


_UMASK: list[int] = []


def _usual_mode(fd: int) -> None:
    """Give a temporary file the mode ``open()`` would (mkstemp makes it 0600: a result or
    predictions file others cannot read)."""
    if not hasattr(os, "fchmod"):
        return
    if not _UMASK:
        mask = os.umask(0)
        os.umask(mask)
        _UMASK.append(mask)
    os.fchmod(fd, 0o666 & ~_UMASK[0])


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file in the same directory and rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _usual_mode(fd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file for writing that appears at ``path`` only when the block ends without an
    exception (written under a temporary name, then renamed): streamed output of any size is
    never seen half-written, and an interrupted write leaves the previous file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _usual_mode(fd)
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
