"""``bench corpus import`` and ``bench predictions import`` as library calls: text-with-gold
corpora and system outputs in their own formats into bench's JSON Lines corpus and
predictions files (docs/formats.md, "Importing corpora").

Every document is read and checked first (the gold rules, the corpus's label set, and for
predictions each text against the corpus's); only then is the output written, atomically.
A problem is one line naming the file, the line and the problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.formats.textdoc import TextDocument
from bench.corpus.labels import TIMEML, label_set_for
from bench.corpus.stream import check_record, open_corpus, write_jsonl
from bench.corpus.texts import DOCUMENT_DATE
from bench.errors import BenchError, ParameterError
from bench.files import open_atomic
from bench.schema import CorpusHeader, LabelSet, PredictedSpan, PredictionRecord

TEXT_FORMATS = ("conll", "timeml", "hf-tokens")  # bench.corpus.formats.importers
TOOL_FORMATS = ("labelstudio", "doccano", "brat", "docbin")  # bench.corpus.formats (with texts)
CORPUS_FORMATS = TEXT_FORMATS + TOOL_FORMATS
PREDICTION_FORMATS = ("conll", "timeml")
# Options every corpus import takes besides the format's own.
COMMON_OPTIONS = ("label_set", "document_date", "name")


@dataclass(frozen=True)
class Imported:
    """What an import wrote: the file, its documents and spans, the label set."""

    out: Path
    documents: int
    spans: int
    label_set: LabelSet | None = None


def _check_out(out: Path) -> None:
    if out.name.lower().rsplit(".", 1)[-1] not in ("jsonl", "ndjson"):
        raise ParameterError("out", f"{out}: write the corpus as a .jsonl file")


def _date(raw: str | None, default: dt.date, where: str) -> dt.date:
    """The document date of a source's date (a TimeML DCT value such as ``2013-03-22`` or
    ``2013-03-22T10:00``): its calendar date when it has one, else ``default``."""
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return default


def _split_source(source: str) -> tuple[str, int | None]:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (source, None)


def _validated(data: Mapping[str, object], source: str, label_set: LabelSet) -> Document:
    path, line = _split_source(source)
    doc, violations = check_record(data, path, line, label_set=label_set)
    if violations:
        raise BenchError(str(violations[0]))
    assert doc is not None
    return doc


def _from_text_documents(
    docs: Sequence[TextDocument], label_set: LabelSet, default_date: dt.date
) -> list[Document]:
    out = []
    for d in docs:
        data: dict[str, object] = {
            "doc_id": d.doc_id,
            "text": d.text,
            "document_date": _date(d.document_date, default_date, d.source).isoformat(),
            "spans": [
                {"start": s.start, "end": s.end, "label": s.label, "value": s.value}
                for s in d.spans
            ],
        }
        if d.tokens is not None:
            data["tokens"] = [list(t) for t in d.tokens]
        out.append(_validated(data, d.source, label_set))
    return out


def read_corpus_documents(
    fmt: str, path: Path, options: Mapping[str, str]
) -> tuple[list[Document], LabelSet]:
    """The documents of ``path`` in format ``fmt``, checked, and their label set."""
    common = {k: v for k, v in options.items() if k in COMMON_OPTIONS}
    own = {k: v for k, v in options.items() if k not in COMMON_OPTIONS}
    try:
        default_date = dt.date.fromisoformat(
            common.get("document_date") or DOCUMENT_DATE.isoformat()
        )
    except ValueError:
        raise BenchError(
            f"option document_date={common['document_date']!r}: expected YYYY-MM-DD"
        ) from None
    if fmt in TEXT_FORMATS:
        from bench.corpus.formats.importers import read_corpus

        docs = read_corpus(fmt, path, own)
        labels = [s.label for d in docs for s in d.spans]
        where = str(path)
        name = common.get("label_set") or ("timeml" if fmt == "timeml" else None)
        label_set = TIMEML if name == "timeml" else label_set_for(labels, name, where)
        return _from_text_documents(docs, label_set, default_date), label_set
    if fmt in TOOL_FORMATS:
        from bench.corpus.formats import get_format

        texts_dir = path if path.is_dir() else path.parent
        if not path.exists():
            raise BenchError(f"{path}: not found")
        records = get_format(fmt).read(path, texts_dir, own)
        if not records:
            raise BenchError(f"{path}: no documents found")
        labels = [s.label for r in records for s in r.gold.spans]
        label_set = label_set_for(labels, common.get("label_set"), str(path))
        out = []
        seen: dict[str, str] = {}
        for r in records:
            if r.gold.doc_id in seen:
                raise BenchError(
                    f"{r.where}: doc_id: {r.gold.doc_id!r} appears twice (first in "
                    f"{seen[r.gold.doc_id]})"
                )
            seen[r.gold.doc_id] = r.where
            data = {
                "doc_id": r.gold.doc_id,
                "text": r.text,
                "title": r.title or None,
                "document_date": r.gold.document_date.isoformat(),
                "spans": [s.model_dump(mode="json", exclude_none=True) for s in r.gold.spans],
                "ignore": [g.model_dump(mode="json") for g in r.gold.ignore],
            }
            out.append(_validated(data, r.where, label_set))
        return out, label_set
    raise BenchError(f"unknown format {fmt!r} (one of {', '.join(CORPUS_FORMATS)})")


def import_corpus(
    fmt: str, path: Path | str, out: Path | str, options: Mapping[str, str] | None = None
) -> Imported:
    """Read ``path`` in format ``fmt`` and write it as a JSON Lines corpus ``out`` with a
    header naming its label set; nothing is written when any document is refused."""
    path, out = Path(path), Path(out)
    _check_out(out)
    opts = dict(options or {})
    docs, label_set = read_corpus_documents(fmt, path, opts)
    if not docs:
        raise BenchError(f"{path}: no documents found")
    name = opts.get("name") or path.name.removesuffix(path.suffix) or path.name
    header = CorpusHeader(
        bench_corpus=1, name=name, label_set=label_set, source=f"{fmt} {path.name}"
    )
    n = write_jsonl(docs, out, header)
    return Imported(out, n, sum(len(d.gold.spans) for d in docs), label_set)


# --- predictions ------------------------------------------------------------------------


def _first_difference(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _check_text(td: TextDocument, doc: Document) -> None:
    """Refuse a document whose text is not the corpus's, naming the line of the first
    difference when the format keeps token lines (CoNLL), else the document's line."""
    text = td.text
    if text != doc.text:
        k = _first_difference(text, doc.text)
        where = td.source
        if td.tokens and td.token_lines:
            i = next((i for i, (_, b) in enumerate(td.tokens) if b > k), len(td.tokens) - 1)
            where = f"{_split_source(td.source)[0]}:{td.token_lines[i]}"
        raise BenchError(
            f"{where}: text: differs from the corpus's document {doc.doc_id!r} at offset {k} "
            f"({text[k : k + 20]!r} != {doc.text[k : k + 20]!r})"
        )


def _span(source: str, start: int, end: int, label: str, value: object, text: str) -> PredictedSpan:
    try:
        return PredictedSpan(start=start, end=end, label=label, value=value, text=text)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise BenchError(f"{source}: {loc}: {err['msg'].removeprefix('Value error, ')}") from None


def import_predictions(
    fmt: str,
    path: Path | str,
    corpus: Path | str,
    out: Path | str,
    options: Mapping[str, str] | None = None,
) -> Imported:
    """A system's output in format ``fmt`` as a predictions JSONL file ``out`` for the corpus
    ``corpus``: every document's text must be the corpus's. ``timeml``: a directory (or file)
    of system ``.tml`` files, matched to the corpus by file name; ``conll``: a column file whose
    predicted tags are in ``tag_column``, matched to the corpus's documents in order."""
    path, out = Path(path), Path(out)
    opts = dict(options or {})
    if fmt not in PREDICTION_FORMATS:
        raise BenchError(f"unknown format {fmt!r} (one of {', '.join(PREDICTION_FORMATS)})")
    docs = {d.doc_id: d for d in open_corpus(corpus).documents()}
    records: dict[str, list[PredictedSpan]] = {}
    if fmt == "timeml":
        from bench.corpus.formats import timeml

        for td in timeml.read(path, opts, check_values=False):
            doc = docs.get(td.doc_id)
            if doc is None:
                raise BenchError(
                    f"{td.source}: doc_id: {td.doc_id!r} is not in the corpus {corpus}"
                )
            _check_text(td, doc)
            records[td.doc_id] = [
                _span(td.source, s.start, s.end, s.label, s.value, td.text[s.start : s.end])
                for s in td.spans
            ]
    else:
        from bench.corpus.formats import conll_columns

        read = conll_columns.read(path, opts)
        if len(read) != len(docs):
            raise BenchError(
                f"{path}: {len(read)} document(s), but the corpus {corpus} has {len(docs)}"
            )
        for td, doc in zip(read, docs.values(), strict=True):
            _check_text(td, doc)
            records[doc.doc_id] = [
                _span(td.source, s.start, s.end, s.label, None, td.text[s.start : s.end])
                for s in td.spans
            ]
    with open_atomic(out) as fh:
        for doc_id in docs:
            if doc_id in records:
                rec = PredictionRecord(doc_id=doc_id, spans=records[doc_id])
                line = strictjson.dumps(
                    rec.model_dump(mode="json", exclude_none=True), ensure_ascii=False
                )
                fh.write(line.encode("utf-8") + b"\n")
    return Imported(out, len(records), sum(len(v) for v in records.values()))
