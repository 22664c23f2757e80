"""Adding a document to the corpus: its text copied byte for byte, its metadata, a draft gold.

``bench gold add`` checks everything before it writes anything, writes each file atomically,
and undoes the files it wrote if a later write fails, so the corpus is never half-updated.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from bench import strictjson
from bench.corpus.gold import dump_gold
from bench.corpus.texts import CORPUS_FILE, document_meta, load_corpus_meta, read_text, sha256_text
from bench.errors import BenchError, ParameterError
from bench.files import locked, write_atomic
from bench.protocol import DocInput, System
from bench.schema import (
    LAYER_LABELS,
    LAYERS,
    CorpusMeta,
    DocId,
    GoldDocument,
    GoldSpan,
    PredictedSpan,
    value_problem,
)


@dataclass
class AddResult:
    """What ``add_document`` wrote and what pre-annotation kept, dropped and left to do."""

    doc_id: str
    text_path: Path
    gold_path: Path
    corpus_path: Path
    spans: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    missing_values: int = 0  # time spans a person must give a TIMEX3 value


def check_doc_id(doc_id: str) -> str:
    """``doc_id`` when it is safe as a file name; else a one-line error."""
    try:
        return TypeAdapter(DocId).validate_python(doc_id)
    except ValidationError as exc:
        raise ParameterError(
            "doc_id", exc.errors()[0]["msg"].removeprefix("Value error, ")
        ) from None


def new_doc_id(text: str, corpus: CorpusMeta | None) -> str:
    """The next id in the seeds' style: a running number and 16 hex digits of the text's sha256."""
    numbers = [
        int(d.doc_id[:3]) for d in (corpus.documents if corpus else []) if d.doc_id[:3].isdigit()
    ]
    return f"{max(numbers, default=-1) + 1:03d}_{sha256_text(text)[:16]}"


def default_title(text: str) -> str:
    """The first non-blank line of the text: the headline in every seed."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def draft_spans(text: str, predicted: list[PredictedSpan]) -> tuple[list[GoldSpan], Counter[str]]:
    """Predicted spans made into gold spans that keep the gold rules, and why others were dropped.

    Offsets are trimmed of whitespace; a value that is not well-formed for its layer is
    removed (time spans then need one from the reviewer); within a layer, the longest of
    overlapping spans is kept (ties: the earliest).
    """
    dropped: Counter[str] = Counter()
    candidates: list[GoldSpan] = []
    for p in predicted:
        layer = p.span_layer
        if not (0 <= p.start < p.end <= len(text)):
            dropped["offsets outside the text"] += 1
            continue
        piece = text[p.start : p.end]
        start = p.start + (len(piece) - len(piece.lstrip()))
        end = p.end - (len(piece) - len(piece.rstrip()))
        if start >= end:
            dropped["only whitespace"] += 1
            continue
        if p.label not in LAYER_LABELS[layer]:
            dropped["label not of its layer"] += 1
            continue
        value = p.value if value_problem(layer, p.value) is None else None
        candidates.append(
            GoldSpan(
                start=start,
                end=end,
                text=text[start:end],
                layer=layer,  # type: ignore[arg-type]  # one of LAYERS, checked by pydantic
                label=p.label,
                value=value,
            )
        )
    kept: list[GoldSpan] = []
    taken: dict[str, list[tuple[int, int]]] = {layer: [] for layer in LAYERS}
    for sp in sorted(candidates, key=lambda s: (-(s.end - s.start), s.start, s.label)):
        if any(sp.start < b and a < sp.end for a, b in taken[sp.layer]):
            dropped["overlaps a longer span of its layer"] += 1
            continue
        taken[sp.layer].append((sp.start, sp.end))
        kept.append(sp)
    kept.sort(key=lambda s: (s.start, s.end, LAYERS.index(s.layer)))
    return kept, dropped


def pre_annotate(system: System, doc: DocInput) -> list[PredictedSpan]:
    """Run a system on one document: load, extract, close."""
    system.load()
    try:
        (spans,) = system.extract([doc])
    finally:
        system.close()
    return list(spans)


def add_document(
    source: Path,
    texts_dir: Path,
    gold_dir: Path,
    *,
    document_date: dt.date,
    doc_id: str | None = None,
    title: str | None = None,
    outlet: str | None = None,
    language: str = "en",
    system: System | None = None,
) -> AddResult:
    """Copy ``source`` into ``texts_dir``, register it in ``corpus.json``, write its draft gold.

    Holds the lock of ``texts_dir`` (:func:`bench.files.locked`) from reading ``corpus.json``
    to writing it back, so two ``bench gold add`` at once both land.
    """
    with locked(texts_dir):
        return _add_document(
            source,
            texts_dir,
            gold_dir,
            document_date=document_date,
            doc_id=doc_id,
            title=title,
            outlet=outlet,
            language=language,
            system=system,
        )


def _add_document(
    source: Path,
    texts_dir: Path,
    gold_dir: Path,
    *,
    document_date: dt.date,
    doc_id: str | None,
    title: str | None,
    outlet: str | None,
    language: str,
    system: System | None,
) -> AddResult:
    text = read_text(source)  # UTF-8, no BOM: the same rules as every seed
    raw = source.read_bytes()
    if not text.strip():
        raise BenchError(f"{source}: text: empty")
    corpus = load_corpus_meta(texts_dir)
    doc_id = check_doc_id(doc_id) if doc_id else new_doc_id(text, corpus)
    text_path = texts_dir / f"{doc_id}.txt"
    gold_path = gold_dir / f"{doc_id}.json"
    corpus_path = texts_dir / CORPUS_FILE
    digest = sha256_text(text)
    for path in (text_path, gold_path):
        if path.exists():
            raise ParameterError(
                "doc_id", f"{path}: exists; adding a document never overwrites (choose another)"
            )
    for d in corpus.documents if corpus else []:
        if d.doc_id == doc_id:
            raise BenchError(f"{corpus_path}: doc_id: {doc_id!r} is already registered")
        if d.sha256 == digest:
            raise BenchError(
                f"{source}: text: the same text is already in the corpus as {d.doc_id!r}"
            )
    meta = document_meta(
        doc_id, text, title or default_title(text), outlet, document_date, language
    )
    result = AddResult(doc_id, text_path, gold_path, corpus_path)
    spans: list[GoldSpan] = []
    annotator = None
    if system is not None:
        predicted = pre_annotate(system, DocInput(doc_id, text, document_date))
        spans, result.dropped = draft_spans(text, predicted)
        annotator = f"pre-annotated by {system.info.name} {system.info.version}"
    result.spans = len(spans)
    result.missing_values = sum(1 for s in spans if value_problem(s.layer, s.value))
    gold = GoldDocument(
        doc_id=doc_id,
        document_date=document_date,
        text_sha256=digest,
        annotator=annotator,
        status="draft",
        spans=spans,
    )
    documents = [*(corpus.documents if corpus else []), meta]
    new_corpus = CorpusMeta(name=corpus.name if corpus else texts_dir.name, documents=documents)
    written: list[Path] = []
    try:
        write_atomic(text_path, raw)
        written.append(text_path)
        write_atomic(gold_path, dump_gold(gold))
        written.append(gold_path)
        write_atomic(corpus_path, dump_corpus(new_corpus))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


def dump_corpus(corpus: CorpusMeta) -> str:
    """``corpus.json`` as the seeds have it: two-space indent, UTF-8, one trailing newline."""
    return strictjson.dumps(corpus.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
