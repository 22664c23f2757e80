"""Gold as columns, for scoring: :class:`GoldTable` and :func:`load_gold_table`, which reads
a gold directory with every rule of :mod:`bench.corpus.rules` checked on all its spans at
once; anything off and the directory goes through :func:`bench.corpus.gold.load_gold_dir`,
which names the problem."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import from_json

from bench.corpus.columns import SpanColumns, dict_columns, label_ids, only_types
from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir
from bench.corpus.rules import region_problems, span_faults
from bench.corpus.texts import BOM, registered_documents
from bench.errors import BenchError
from bench.schema import LAYER_ID, GoldDocument


@dataclass(frozen=True)
class GoldTable:
    """Gold documents as scoring needs them: ids (sorted), texts, text hashes, document
    dates, ignore regions, and all spans as columns."""

    doc_ids: list[str]
    texts: list[str]
    text_sha256: list[str]
    dates: list[dt.date]
    ignore: list[list[tuple[int, int]]]  # (start, end) of each ignore region, as given
    spans: SpanColumns
    tokens: list[list[tuple[int, int]] | None] | None = None  # per document, when recorded

    @classmethod
    def from_documents(cls, gold: Mapping[str, Document]) -> GoldTable:
        """The table of documents as ``load_gold_dir`` returns them."""
        doc_ids = sorted(gold)
        docs = [gold[d].gold for d in doc_ids]
        return cls(
            doc_ids=doc_ids,
            texts=[gold[d].text for d in doc_ids],
            text_sha256=[g.text_sha256 for g in docs],
            dates=[g.document_date for g in docs],
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
    dates: list[dt.date] = []
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
        if doc_regions and region_problems(doc_regions, len(text)):
            return None
        doc_ids.append(doc_id)
        texts.append(text)
        hashes.append(gold.text_sha256)
        dates.append(gold.document_date)
        regions.append(doc_regions)
        if gold.nested or gold.tokens is not None:  # read through the models (load_gold_dir)
            return None
        counts.append(len(spans))
        items += spans
    spans_ok = _quick_gold_spans(items, texts, counts, regions)
    if spans_ok is None:
        return None
    table = GoldTable(doc_ids, texts, hashes, dates, regions, spans_ok)
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
        dates=[table.dates[k] for k in order],
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
    """Columns of the gold spans of all files when every span has the types ``GoldSpan``
    requires and breaks none of :func:`bench.corpus.rules.span_faults`; None otherwise."""
    import numpy as np

    cols = dict_columns(
        items, ("start", "end", "text", "layer", "label"), ("value", "notes"), usual=1
    )
    if cols is None:
        return None
    starts, ends, pieces, layers, labels, values, notes = cols
    # (The texts are compared with slices by the rules, which only a string can equal.)
    if not (
        only_types(starts, int)
        and only_types(ends, int)
        and (notes.count(None) == len(notes) or only_types(notes, str, type(None)))
    ):
        return None
    try:
        start = np.array(starts, dtype=np.int64)
        end = np.array(ends, dtype=np.int64)
        label = label_ids(labels)
        layer = np.array([LAYER_ID.get(x, -1) for x in layers], dtype=np.int64)  # type: ignore[call-overload]
    except (OverflowError, TypeError):  # an offset beyond int64; an unhashable label or layer
        return None
    if len(layer) and layer.min() < 0:  # not a layer at all
        return None
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    if span_faults(texts, doc, start, end, pieces, layer, label, values, regions).any():
        return None
    return SpanColumns(doc=doc, start=start, end=end, label=label, values=values)  # type: ignore[arg-type]
