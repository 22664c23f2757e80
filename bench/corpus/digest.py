"""The gold's digest: one sha256 that identifies a corpus's gold (:class:`GoldDigest`).

A result records it twice: in full as ``gold.sha256``, and its first 12 hex digits as the
signature's ``gold:`` field (docs/metrics.md, "Signature"). It changes when any document id,
text (through its sha256), document date, ignore region, token, span (offsets, label) or
value changes, and not when spans or ignore regions are merely listed in another order or a
span's notes change.

It is defined document by document, in order (doc_id order for gold in memory or a gold
directory, the corpus's order for a stream), as three byte streams, each hashed with sha256:

- headers: per document one line ``doc_id TAB text_sha256 TAB document_date TAB n_spans
  TAB ignore regions TAB tokens LF``, the regions sorted, as ``start-end`` separated by
  spaces, the tokens as JSON ``[[start,end],...]`` (empty when the document records none);
- records: per document its ``n_spans`` spans in canonical order (start, end, label id in
  ``bench.schema.ALL_LABELS``, ties broken by the value's JSON text), each three
  little-endian int64 (start, end, label id);
- values: the value of each of those spans as compact ASCII JSON followed by ``,``.

The digest is the sha256 of the three streams' sha256 digests, concatenated. Because every
stream is a concatenation of per-document pieces, a batch of documents can be digested on its
own (:meth:`GoldDigest.part`, in a worker) and the parts fed in order; the columns of a whole
corpus (:meth:`GoldDigest.table_part`, what ``bench score`` reads) give the same bytes without
an object per span.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.corpus.columns import SpanColumns

if TYPE_CHECKING:
    import datetime as dt

    import numpy as np

    from bench.corpus.document import Document
    from bench.corpus.goldtable import GoldTable

SIGNATURE_DIGITS = 12  # the signature's gold: field is the digest's first 12 hex digits

_encode_values = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


@dataclass(frozen=True)
class DigestPart:
    """What some consecutive documents add to each of the digest's three streams (small and
    picklable: a worker sends it back with its batch)."""

    headers: bytes
    records: bytes
    values: bytes


def _part(
    doc_ids: Sequence[str],
    text_sha256: Sequence[str],
    dates: Sequence[dt.date],
    ignore: Sequence[Sequence[tuple[int, int]]],
    tokens: Sequence[Sequence[tuple[int, int]] | None] | None,
    spans: SpanColumns,
) -> DigestPart:
    """The one definition of the bytes (see the module docstring); ``spans.doc`` indexes
    ``doc_ids``, whose order is the digest's."""
    import numpy as np

    n = len(spans)
    doc, start, end, label = spans.doc, spans.start, spans.end, spans.label
    values = spans.values
    order = _canonical_order(spans)
    rec = np.empty((n, 3), dtype="<i8")
    if order is None:
        rec[:, 0], rec[:, 1], rec[:, 2] = start, end, label
    else:
        rec[:, 0], rec[:, 1], rec[:, 2] = start[order], end[order], label[order]
        values = [values[i] for i in order.tolist()]
    counts = np.bincount(doc, minlength=len(doc_ids)).tolist()
    # (str of a date is its ISO form.)
    lines = [
        f"{doc_id}\t{sha}\t{date}\t{n}\t{_regions(regions) if regions else ''}"
        f"\t{'' if toks is None else _tokens(toks)}\n"
        for doc_id, sha, date, n, regions, toks in zip(
            doc_ids,
            text_sha256,
            dates,
            counts,
            ignore,
            [None] * len(doc_ids) if tokens is None else tokens,
            strict=True,
        )
    ]
    return DigestPart(
        headers="".join(lines).encode("utf-8"),
        records=rec.tobytes(),
        values=(_encode_values(values)[1:-1] + ",").encode("ascii") if n else b"",
    )


def _canonical_order(spans: SpanColumns) -> np.ndarray | None:
    """The order of the spans by document, start, end, label id and, for the same span twice,
    the value's JSON text; None when they are in that order already (the usual case: gold
    files list their spans sorted)."""
    import numpy as np

    doc, start, end, label = spans.doc, spans.start, spans.end, spans.label
    if len(doc) < 2:
        return None
    dd, ds, de, dl = (np.diff(x) for x in (doc, start, end, label))
    rising = (dd > 0) | (dd == 0) & ((ds > 0) | (ds == 0) & ((de > 0) | (de == 0) & (dl > 0)))
    if rising.all():  # strictly increasing: sorted, and no span twice
        return None
    order = np.lexsort((label, end, start, doc))
    s_doc, s_start, s_end, s_label = doc[order], start[order], end[order], label[order]
    tie = (
        (s_doc[1:] == s_doc[:-1])
        & (s_start[1:] == s_start[:-1])
        & (s_end[1:] == s_end[:-1])
        & (s_label[1:] == s_label[:-1])
    )
    if tie.any():  # the same span twice with other values (a nested layer): by value
        texts = [_encode_values(v) for v in spans.values]
        keys = list(
            zip(doc.tolist(), start.tolist(), end.tolist(), label.tolist(), texts, strict=True)
        )
        order = np.array(sorted(range(len(doc)), key=keys.__getitem__), dtype=np.int64)
    return order


def _regions(regions: Iterable[tuple[int, int]]) -> str:
    return " ".join(f"{s}-{e}" for s, e in sorted((int(s), int(e)) for s, e in regions))


def _tokens(tokens: Sequence[tuple[int, int]]) -> str:
    return json.dumps([[int(a), int(b)] for a, b in tokens])


class GoldDigest:
    """The gold's sha256 (module docstring), fed documents in order, in parts."""

    def __init__(self) -> None:
        self._h = [hashlib.sha256(), hashlib.sha256(), hashlib.sha256()]

    @staticmethod
    def part(docs: Sequence[Document]) -> DigestPart:
        """What ``docs`` (consecutive documents, in order) add."""
        return _part(
            [d.gold.doc_id for d in docs],
            [d.gold.text_sha256 for d in docs],
            [d.gold.document_date for d in docs],
            [[(r.start, r.end) for r in d.gold.ignore] for d in docs],
            [d.gold.tokens for d in docs],
            SpanColumns.from_spans([d.gold.spans for d in docs], "gold"),
        )

    @staticmethod
    def table_part(table: GoldTable) -> DigestPart:
        """What the documents of a gold table (in its doc_id order) add, from its columns."""
        return _part(
            table.doc_ids, table.text_sha256, table.dates, table.ignore, table.tokens, table.spans
        )

    def update(self, part: DigestPart) -> None:
        """Add the next documents' part."""
        self._h[0].update(part.headers)
        self._h[1].update(part.records)
        self._h[2].update(part.values)

    def add(self, docs: Sequence[Document]) -> None:
        """Add the next documents."""
        self.update(self.part(docs))

    def hexdigest(self) -> str:
        """The digest (64 hex digits) of the documents added so far."""
        return hashlib.sha256(b"".join(h.digest() for h in self._h)).hexdigest()

    def short(self) -> str:
        """The signature's ``gold:`` field: the first 12 hex digits."""
        return self.hexdigest()[:SIGNATURE_DIGITS]


def gold_sha256(gold: Mapping[str, Document]) -> str:
    """The digest of gold in memory, documents in doc_id order."""
    h = GoldDigest()
    h.add([gold[d] for d in sorted(gold)])
    return h.hexdigest()


def table_sha256(table: GoldTable) -> str:
    """The digest of a gold table (the same as :func:`gold_sha256` of its documents)."""
    h = GoldDigest()
    h.update(GoldDigest.table_part(table))
    return h.hexdigest()


def gold_digest(gold: Mapping[str, Document]) -> str:
    """The signature's ``gold:`` field for gold in memory (first 12 hex digits)."""
    return gold_sha256(gold)[:SIGNATURE_DIGITS]
