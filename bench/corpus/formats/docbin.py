"""spaCy DocBin (``gold.spacy``): one Doc per document, a span group per layer.

The Doc's tokens are split at every span boundary and keep the text exactly (whitespace
runs become whitespace tokens), so ``doc.text`` is the seed text and every span is a token
span. Groups ``doc.spans["entity" | "time" | "number"]`` hold the layers (they may overlap),
``doc.spans["ignore"]`` the ignore regions (label ``IGNORE``), and ``doc.ents`` the entity
layer for NER training, the ignore regions marked as missing annotation (so that spaCy's
NER scorer skips them as bench does). ``doc.user_data["bench"]`` carries the header, the
title, and the values, span notes and ignore reasons keyed by character offsets. Needs the
``spacy`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.corpus.formats.base import (
    IGNORE_LABEL,
    ExtrasIndex,
    GoldFormat,
    GoldRecord,
    gold_record,
    header,
    make_span,
    reject_options,
    span_extras,
)
from bench.corpus.formats.tokens import tokenize
from bench.corpus.gold import write_atomic
from bench.errors import BenchError, one_line
from bench.schema import LAYERS, IgnoreRegion

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

DATA_FILE = "gold.spacy"
USER_DATA_KEY = "bench"
IGNORE_GROUP = "ignore"


def _import_spacy() -> Any:
    try:
        import spacy
    except ImportError:
        raise BenchError("the docbin format needs spaCy: pip install 'bench[spacy]'") from None
    return spacy


def to_doc(record: GoldRecord, vocab: Vocab) -> Doc:
    """A spaCy Doc of the exact text with the gold as span groups and user data."""
    from spacy.tokens import Doc, Span

    gold, text = record.gold, record.text
    cuts = [p for s in gold.spans for p in (s.start, s.end)]
    cuts += [p for r in gold.ignore for p in (r.start, r.end)]
    words: list[str] = []
    spaces: list[bool] = []
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    pos = 0
    for a, b in [*tokenize(text, cuts), (len(text), len(text))]:
        gap = text[pos:a]
        if gap.startswith(" ") and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True  # one plain space after a token is spaCy's trailing whitespace
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)
        if a == b:
            break
        starts[a], ends[b] = len(words), len(words) + 1
        words.append(text[a:b])
        spaces.append(False)
        pos = b
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != text:
        raise BenchError(f"{record.where}: docbin: could not rebuild the text from tokens")
    for layer in LAYERS:
        doc.spans[layer] = [
            Span(doc, starts[s.start], ends[s.end], label=s.label)
            for s in gold.spans
            if s.layer == layer
        ]
    doc.spans[IGNORE_GROUP] = [
        Span(doc, starts[r.start], ends[r.end], label=IGNORE_LABEL) for r in gold.ignore
    ]
    # Ignore regions are "missing" NER annotation (ent_iob 0): spaCy's NER scorer then
    # skips predictions touching them, as bench does (docs/metrics.md, "spaCy's figures").
    ents = list(doc.spans["entity"])
    missing = [
        r
        for r in doc.spans[IGNORE_GROUP]
        if not any(e.start < r.end and r.start < e.end for e in ents)
    ]
    doc.set_ents(ents, missing=missing, default="outside")
    doc.user_data[USER_DATA_KEY] = {
        **{k: v for k, v in header(gold).items() if v is not None},
        "title": record.title,
        **span_extras(gold),
    }
    return doc


def write(records: Sequence[GoldRecord], out_dir: Path) -> None:
    """Write ``gold.spacy``, a DocBin with user data."""
    _import_spacy()
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    vocab = Vocab()
    docbin = DocBin(store_user_data=True)
    for rec in records:
        docbin.add(to_doc(rec, vocab))
    write_atomic(out_dir / DATA_FILE, docbin.to_bytes())


def from_doc(doc: Doc, where: str, texts_dir: Path) -> GoldRecord:
    """A record from a Doc written by :func:`to_doc` (or any Doc with ``bench`` user data)."""
    data = doc.user_data.get(USER_DATA_KEY)
    if not isinstance(data, dict) or "doc_id" not in data:
        raise BenchError(f"{where}: user_data: no {USER_DATA_KEY!r} entry with a doc_id")
    where = f"{where} ({data['doc_id']})"
    text = doc.text
    extras = ExtrasIndex.parse(data, where)
    groups = [g for g in LAYERS if g in doc.spans]
    # A DocBin from elsewhere may carry only doc.ents: take them as they are.
    found = [s for g in groups for s in doc.spans[g]] if groups else list(doc.ents)
    spans = []
    for sp in found:
        a, b = sp.start_char, sp.end_char
        here = f"{where}: span {sp.start_char}:{sp.end_char}"
        spans.append(
            make_span(
                text,
                sp.start_char,
                sp.end_char,
                sp.label_,
                here,
                extras.value(a, b, sp.label_),
                extras.note(a, b, sp.label_),
            )
        )
    ignore = [
        IgnoreRegion(
            start=sp.start_char,
            end=sp.end_char,
            reason=extras.reasons.get((sp.start_char, sp.end_char), ""),
        )
        for sp in (doc.spans[IGNORE_GROUP] if IGNORE_GROUP in doc.spans else [])
    ]
    return gold_record(data, text, spans, ignore, where, texts_dir, extras.dropped(where))


def read(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[GoldRecord]:
    """Read a DocBin file (or our export directory)."""
    reject_options("docbin", options)
    _import_spacy()
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    if path.is_dir():
        path = path / DATA_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BenchError(f"{path}: file not found (a docbin export holds {DATA_FILE})") from None
    except OSError as exc:
        raise BenchError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
        docs = list(docbin.get_docs(Vocab()))
    except Exception as exc:  # zlib, msgpack and spaCy raise many types for a broken file
        raise BenchError(f"{path}: not a spaCy DocBin: {one_line(exc)}") from None
    return [from_doc(doc, f"{path}: doc {i}", texts_dir) for i, doc in enumerate(docs)]


FORMAT = GoldFormat(
    name="docbin",
    summary=f"spaCy DocBin ({DATA_FILE}): span groups per layer, doc.ents = entity layer",
    write=write,
    read=read,
    carries_values="doc.user_data['bench']: values / span_notes / ignore_reasons keyed by offsets",
)
