"""CoNLL-style BIO: one token a line, one BIO column per layer, values in their own columns.

Layers overlap, so each has its own tag column (``ENTITY``, ``TIME``, ``NUMBER``, ``IGNORE``);
a span's value sits on its first token in ``TIME_VALUE`` / ``NUMBER_VALUE`` (TIMEX3 as written,
numbers as JSON numbers, ``_`` for none), an ignore region's reason as a JSON string in
``IGNORE_REASON``. Tokens never contain whitespace and are split at every span boundary, so
BIO carries every span exactly. Whitespace is not kept: import aligns the tokens to the seed
text (``--texts``) to recover character offsets. Documents start with ``# newdoc id = …``
and header comments; a blank line marks a line break in the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.formats.base import (
    HEADER_FIELDS,
    IGNORE_LABEL,
    GoldFormat,
    header,
    make_document,
    make_span,
    reject_options,
)
from bench.corpus.formats.tokens import tokenize
from bench.corpus.formats.values import parse_value, value_text
from bench.corpus.texts import check_doc_id, read_text
from bench.errors import BenchError
from bench.files import write_atomic
from bench.schema import IgnoreRegion

DATA_FILE = "gold.conll"
COLUMNS = (
    "TOKEN",
    "ENTITY",
    "TIME",
    "TIME_VALUE",
    "NUMBER",
    "NUMBER_VALUE",
    "IGNORE",
    "IGNORE_REASON",
)
EMPTY = "_"
_TAGGED = {"ENTITY": "entity", "TIME": "time", "NUMBER": "number", "IGNORE": "ignore"}
_EXTRA = {"time": "TIME_VALUE", "number": "NUMBER_VALUE", "ignore": "IGNORE_REASON"}
# Free-text header fields are JSON strings so that one comment is always one line.
_JSON_FIELDS = ("title", "annotator", "notes")


def document(record: Document) -> list[str]:
    """The lines of one document: header comments, then tokens; blank lines at line breaks."""
    gold, text = record.gold, record.text
    items: list[tuple[str, int, int, str, str]] = [
        (sp.layer, sp.start, sp.end, sp.label, value_text(sp.value) or EMPTY) for sp in gold.spans
    ]
    items += [
        ("ignore", r.start, r.end, IGNORE_LABEL, strictjson.dumps(r.reason)) for r in gold.ignore
    ]
    tokens = tokenize(text, [p for _, a, b, _, _ in items for p in (a, b)])
    index = {t[0]: i for i, t in enumerate(tokens)}
    ends = {t[1]: i for i, t in enumerate(tokens)}
    rows = [[text[a:b], "O", "O", EMPTY, "O", EMPTY, "O", EMPTY] for a, b in tokens]
    for layer, start, end, label, extra in items:
        col = COLUMNS.index(next(c for c, lay in _TAGGED.items() if lay == layer))
        first, last = index[start], ends[end]
        rows[first][col] = f"B-{label}"
        for k in range(first + 1, last + 1):
            rows[k][col] = f"I-{label}"
        if layer in _EXTRA:
            rows[first][COLUMNS.index(_EXTRA[layer])] = extra
    head = header(gold)
    lines = [f"# newdoc id = {gold.doc_id}"]
    for key in ("title", *HEADER_FIELDS[1:]):
        val = record.title if key == "title" else head[key]
        if val is not None and (key != "title" or val):
            lines.append(
                f"# {key} = "
                + (strictjson.dumps(val, ensure_ascii=False) if key in _JSON_FIELDS else str(val))
            )
    prev_end = 0
    for (a, b), row in zip(tokens, rows, strict=True):
        if "\n" in text[prev_end:a] and prev_end:
            lines.append("")
        lines.append("\t".join(row))
        prev_end = b
    return lines


def write(records: Sequence[Document], out_dir: Path) -> None:
    """Write ``gold.conll``: a columns comment, then the documents separated by blank lines."""
    out = [f"# global.columns = {' '.join(COLUMNS)}"]
    for rec in records:
        out += ["", *document(rec)]
    write_atomic(out_dir / DATA_FILE, "\n".join(out) + "\n")


class _Doc:
    """A document being read: header comments and (line, token row) pairs."""

    def __init__(self, doc_id: str, lineno: int) -> None:
        self.doc_id = doc_id
        self.lineno = lineno
        self.head: dict[str, object] = {"doc_id": doc_id}
        self.rows: list[tuple[int, list[str]]] = []


def _parse(path: Path) -> list[_Doc]:
    docs: list[_Doc] = []
    for lineno, raw in enumerate(read_text(path).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("# ") and "\t" not in line:
            key, sep, val = line[2:].partition(" = ")
            if not sep or key == "global.columns":
                if sep and val.split() != list(COLUMNS):
                    raise BenchError(f"{path}:{lineno}: columns: expected {' '.join(COLUMNS)}")
                continue
            if key == "newdoc id":
                docs.append(_Doc(val.strip(), lineno))
            elif not docs:
                raise BenchError(f"{path}:{lineno}: {key}: comes before any '# newdoc id = …'")
            elif key in _JSON_FIELDS:
                try:
                    docs[-1].head[key] = strictjson.loads(val)
                except strictjson.JsonError:
                    raise BenchError(f"{path}:{lineno}: {key}: expected a JSON string") from None
            else:
                docs[-1].head[key] = val.strip()
            continue
        cols = line.split("\t")
        if len(cols) != len(COLUMNS):
            raise BenchError(
                f"{path}:{lineno}: expected {len(COLUMNS)} tab-separated columns, got {len(cols)}"
            )
        if not docs:
            raise BenchError(f"{path}:{lineno}: a token before any '# newdoc id = …'")
        docs[-1].rows.append((lineno, cols))
    return docs


def _align(doc: _Doc, text: str, path: Path) -> list[tuple[int, int]]:
    """Character offsets of each token in ``text``: tokens in order, only whitespace between."""
    out, pos = [], 0
    for lineno, cols in doc.rows:
        token = cols[0]
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith(token, pos):
            raise BenchError(
                f"{path}:{lineno}: TOKEN: {token!r} does not match the text at offset {pos} "
                f"({text[pos : pos + len(token) + 10]!r})"
            )
        out.append((pos, pos + len(token)))
        pos += len(token)
    if text[pos:].strip():
        raise BenchError(
            f"{path}:{doc.lineno}: {doc.doc_id}: tokens end at offset {pos}, before the text does"
        )
    return out


def _runs(
    doc: _Doc, offsets: list[tuple[int, int]], col_name: str, path: Path
) -> list[tuple[int, int, str, int, str]]:
    """The spans of one BIO column: (start, end, label, line of the B- token, extra column)."""
    layer = _TAGGED[col_name]
    col = COLUMNS.index(col_name)
    extra_col = COLUMNS.index(_EXTRA[layer]) if layer in _EXTRA else None
    out: list[list] = []
    inside = False
    for (lineno, cols), (a, b) in zip(doc.rows, offsets, strict=True):
        tag = cols[col]
        extra = cols[extra_col] if extra_col is not None else EMPTY
        where = f"{path}:{lineno}"
        if tag.startswith("B-"):
            if layer == "ignore" and tag != f"B-{IGNORE_LABEL}":
                raise BenchError(f"{where}: {col_name}: only B-{IGNORE_LABEL} and I-{IGNORE_LABEL}")
            out.append([a, b, tag[2:], lineno, extra])
            inside = True
        elif tag.startswith("I-"):
            if not inside or out[-1][2] != tag[2:]:
                raise BenchError(f"{where}: {col_name}: {tag} does not continue a {tag[2:]} span")
            if extra != EMPTY:
                raise BenchError(f"{where}: {_EXTRA[layer]}: a value belongs on the B- token")
            out[-1][1] = b
        elif tag == "O":
            if extra != EMPTY:
                raise BenchError(f"{where}: {_EXTRA[layer]}: a value on a token outside any span")
            inside = False
        else:
            raise BenchError(f"{where}: {col_name}: {tag!r} is not O, B-LABEL or I-LABEL")
    return [tuple(x) for x in out]  # type: ignore[misc]


def _record(doc: _Doc, texts_dir: Path, path: Path) -> Document:
    # The id becomes a path before the record is validated: check it first.
    seed = texts_dir / f"{check_doc_id(doc.doc_id, f'{path}:{doc.lineno}: doc_id')}.txt"
    if not seed.exists():
        raise BenchError(f"{path}:{doc.lineno}: doc_id: no seed text {seed} to align the tokens to")
    text = read_text(seed)
    offsets = _align(doc, text, path)
    spans, ignore = [], []
    for col_name, layer in _TAGGED.items():
        for start, end, label, lineno, extra in _runs(doc, offsets, col_name, path):
            where = f"{path}:{lineno}"
            raw = None if extra == EMPTY else extra
            if layer == "ignore":
                try:
                    reason = strictjson.loads(raw) if raw is not None else ""
                except strictjson.JsonError:
                    reason = None
                if not isinstance(reason, str):
                    raise BenchError(f"{where}: IGNORE_REASON: expected a JSON string, got {raw!r}")
                ignore.append(IgnoreRegion(start=start, end=end, reason=reason))
                continue
            try:
                value = parse_value(layer, raw)
            except ValueError as exc:
                raise BenchError(f"{where}: {_EXTRA.get(layer, col_name)}: {exc}") from None
            spans.append(make_span(text, start, end, label, where, value))
    return make_document(doc.head, text, spans, ignore, f"{path}:{doc.lineno}", texts_dir)


def read(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[Document]:
    """Read a CoNLL file (or our export directory), aligning its tokens to the seed texts."""
    reject_options("conll", options)
    if path.is_dir():
        path = path / DATA_FILE
    return [_record(doc, texts_dir, path) for doc in _parse(path)]


FORMAT = GoldFormat(
    name="conll",
    summary=f"CoNLL-style BIO ({DATA_FILE}): a tag column per layer, tokens aligned to the seeds",
    write=write,
    read=read,
    carries_values="columns TIME_VALUE / NUMBER_VALUE / IGNORE_REASON on a span's first token",
    loses="span notes; the whitespace between tokens (import takes it from the seed text)",
)
