"""Ordinary CoNLL column files (CoNLL-2000/2003 style): one token a line, tags in a column.

Not bench's own 8-column export (:mod:`bench.corpus.formats.conll`): any number of columns,
separated by runs of whitespace (``delimiter=whitespace``, the default) or by single tabs
(``delimiter=tab``, where a token may contain spaces). Options (docs/formats.md):

- ``token_column`` (default ``0``) and ``tag_column`` (default ``-1``, the last): 0-based,
  negative counting from the end;
- ``scheme``: ``iob1``, ``iob2`` (default) or ``bioes``; ``strict`` (default ``false``):
  refuse tag sequences the scheme forbids instead of decoding them as conlleval.pl does
  (:mod:`bench.corpus.formats.iob`);
- ``docstart`` (default ``-DOCSTART-``): a line whose first field is this starts a document
  (its other fields are ignored).

Blank lines end sentences. Every token line has the column count of the file's first one.
A document's text is rebuilt from its tokens: tokens joined by one space, sentences by one
newline, no trailing newline; each token's offsets are recorded. Spans keep the file's
labels (``PER``, ``LOC``, ``ORG``, ``MISC``). Document ids are ``<file stem>-<n>``, n
counting the file's non-empty documents from 1 (4 digits); a file without ``-DOCSTART-`` is
one document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus.formats.iob import SCHEMES, TagError, decode, encode
from bench.corpus.formats.iob import Chunk as TokenChunk
from bench.corpus.formats.textdoc import (
    TextDocument,
    TextSpan,
    bool_option,
    read_utf8,
    take_options,
)
from bench.errors import BenchError

FORMAT = "conll"
DEFAULTS = {
    "token_column": "0",
    "tag_column": "-1",
    "delimiter": "whitespace",
    "scheme": "iob2",
    "strict": "false",
    "docstart": "-DOCSTART-",
}


@dataclass
class _Options:
    token: int
    tag: int
    tab: bool
    scheme: str
    strict: bool
    docstart: str


def parse_options(options: Mapping[str, str]) -> _Options:
    """The reader's options, checked; a bad one is a one-line error."""
    opts = take_options(FORMAT, options, DEFAULTS)

    def column(key: str) -> int:
        try:
            return int(opts[key])
        except ValueError:
            raise BenchError(
                f"format {FORMAT}: option {key}={opts[key]!r}: expected a column number"
            ) from None

    if opts["delimiter"] not in ("whitespace", "tab"):
        raise BenchError(
            f"format {FORMAT}: option delimiter={opts['delimiter']!r}: expected whitespace or tab"
        )
    if opts["scheme"] not in SCHEMES:
        raise BenchError(
            f"format {FORMAT}: option scheme={opts['scheme']!r}: expected one of "
            + ", ".join(SCHEMES)
        )
    return _Options(
        token=column("token_column"),
        tag=column("tag_column"),
        tab=opts["delimiter"] == "tab",
        scheme=opts["scheme"],
        strict=bool_option(FORMAT, "strict", opts["strict"]),
        docstart=opts["docstart"],
    )


@dataclass
class _Sentence:
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (line, token, tag)


@dataclass
class _Doc:
    lineno: int
    sentences: list[_Sentence] = field(default_factory=list)


def _split(line: str, opts: _Options) -> list[str]:
    return line.split("\t") if opts.tab else line.split()


def _parse(path: Path, text: str, opts: _Options) -> list[_Doc]:
    docs: list[_Doc] = []
    width: int | None = None
    sentence: _Sentence | None = None
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            sentence = None
            continue
        cols = _split(line, opts)
        if line.split()[0] == opts.docstart:  # whatever its column count
            docs.append(_Doc(lineno))
            sentence = None
            continue
        if width is None:
            width = len(cols)
            for key, col in (("token_column", opts.token), ("tag_column", opts.tag)):
                if not -width <= col < width:
                    raise BenchError(
                        f"{path}:{lineno}: {key}: column {col} does not exist "
                        f"(the first line has {width} columns)"
                    )
        if len(cols) != width:
            raise BenchError(f"{path}:{lineno}: expected {width} columns, got {len(cols)}")
        token, tag = cols[opts.token], cols[opts.tag]
        if not token:
            raise BenchError(f"{path}:{lineno}: token column {opts.token} is empty")
        if not docs:
            docs.append(_Doc(lineno))
        if sentence is None:
            sentence = _Sentence()
            docs[-1].sentences.append(sentence)
        sentence.rows.append((lineno, token, tag))
    return [d for d in docs if d.sentences]


def _document(path: Path, doc: _Doc, n: int, opts: _Options) -> TextDocument:
    parts: list[str] = []
    tokens: list[tuple[int, int]] = []
    lines: list[int] = []
    spans: list[TextSpan] = []
    pos = 0
    for k, sentence in enumerate(doc.sentences):
        if k:
            parts.append("\n")
            pos += 1
        first = len(tokens)
        for j, (lineno, token, _) in enumerate(sentence.rows):
            if j:
                parts.append(" ")
                pos += 1
            tokens.append((pos, pos + len(token)))
            lines.append(lineno)
            parts.append(token)
            pos += len(token)
        tags = [tag for _, _, tag in sentence.rows]
        try:
            chunks = decode(tags, opts.scheme, strict=opts.strict)
        except TagError as exc:
            lineno = sentence.rows[exc.index][0]
            raise BenchError(f"{path}:{lineno}: tag column {opts.tag}: {exc.problem}") from None
        for ch in chunks:
            a, b = tokens[first + ch.start][0], tokens[first + ch.end - 1][1]
            spans.append(TextSpan(a, b, ch.label))
    return TextDocument(
        doc_id=f"{path.stem}-{n:04d}",
        text="".join(parts),
        spans=spans,
        tokens=tokens,
        source=f"{path}:{doc.lineno}",
        token_lines=lines,
    )


def read(path: Path, options: Mapping[str, str] | None = None) -> list[TextDocument]:
    """The documents of a CoNLL column file (see the module doc)."""
    opts = parse_options(options or {})
    if not path.is_file():
        raise BenchError(f"{path}: no such file")
    docs = _parse(path, read_utf8(path), opts)
    return [_document(path, d, n, opts) for n, d in enumerate(docs, start=1)]


def sentences(doc: TextDocument) -> list[list[int]]:
    """Token indices of each sentence: tokens separated by a newline in the text."""
    assert doc.tokens is not None
    out: list[list[int]] = []
    prev_end = None
    for i, (a, _) in enumerate(doc.tokens):
        if prev_end is None or "\n" in doc.text[prev_end:a]:
            out.append([])
        out[-1].append(i)
        prev_end = doc.tokens[i][1]
    return out


def write(docs: Sequence[TextDocument], scheme: str = "iob2", docstart: bool = True) -> str:
    """Two columns (token, tag) per line, ``-DOCSTART- O`` before each document; every span
    must cover whole tokens."""
    lines: list[str] = []
    for doc in docs:
        if doc.tokens is None:
            raise ValueError(f"{doc.doc_id}: no tokens")
        starts = {a: i for i, (a, _) in enumerate(doc.tokens)}
        ends = {b: i for i, (_, b) in enumerate(doc.tokens)}
        if docstart:
            lines += ["-DOCSTART- O", ""]
        for sent in sentences(doc):
            lo, hi = sent[0], sent[-1] + 1
            chunks = []
            for sp in doc.spans:
                i, j = starts.get(sp.start), ends.get(sp.end)
                if i is None or j is None:
                    raise ValueError(f"{doc.doc_id}: span {sp} does not cover whole tokens")
                if lo <= i < hi:
                    chunks.append(TokenChunk(i - lo, j + 1 - lo, sp.label))
            tags = encode(hi - lo, chunks, scheme)
            for k, tag in zip(sent, tags, strict=True):
                a, b = doc.tokens[k]
                lines.append(f"{doc.text[a:b]} {tag}")
            lines.append("")
    return "\n".join(lines) + "\n"
