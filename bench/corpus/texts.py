"""Texts and corpus metadata: reading a text exactly as stored, its hash and word count,
``corpus.json`` and the documents of a texts directory, safe document ids."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bench import strictjson
from bench.errors import BenchError
from bench.schema import CorpusMeta, DocumentMeta, check_doc_id_safe

CORPUS_FILE = "corpus.json"
DOCUMENT_DATE = dt.date(2017, 12, 11)
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark: never part of a text


@dataclass(frozen=True)
class SeedText:
    """A text of the corpus directory (no gold): its id, exact text, date and title."""

    doc_id: str
    text: str
    document_date: dt.date
    title: str = ""


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


def registered_documents(texts_dir: Path) -> dict[str, DocumentMeta] | None:
    """The entries of ``<texts_dir>/corpus.json`` by doc_id, or None when there is none."""
    meta = load_corpus_meta(texts_dir)
    return None if meta is None else {d.doc_id: d for d in meta.documents}
