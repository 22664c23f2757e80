"""A document with its gold: the one type every reader, importer, run and scorer can take.

``Document`` holds the gold annotation (:class:`~bench.schema.GoldDocument`: id, date, text
hash, spans, ignore regions), the exact text, a title and where it was read from.
:meth:`Document.from_text` builds one from a text and spans, computing the hash, so two
in-memory lists of spans can be scored without files (README, "Python API").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bench.corpus.texts import DOCUMENT_DATE, sha256_text
from bench.errors import BenchError
from bench.protocol import DocInput
from bench.schema import GoldDocument, GoldSpan, IgnoreRegion


@dataclass(frozen=True)
class Document:
    """A document of a corpus: its gold (id, date, text hash, spans, ignore regions), its exact
    text, a title, where it was read from (``FILE:LINE`` or ``FILE: row N``) and what an
    importer changed on the way. Every reader, importer and exporter of gold takes this type."""

    gold: GoldDocument
    text: str
    title: str = ""
    # Where it was read from: provenance, not content, so no part of equality (the same gold
    # read through another path is the same document).
    where: str = field(default="", compare=False)
    # What an import dropped or changed on the way (a value no span took), one line per span:
    # printed on stderr by `bench gold import`, never silently lost.
    notices: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[tuple[int, int], ...] | None:
        """Each token's (start, end) when the corpus records tokens (CoNLL, hf-tokens)."""
        t = self.gold.tokens
        return None if t is None else tuple((a, b) for a, b in t)

    @classmethod
    def from_text(
        cls,
        text: str,
        spans: Iterable[GoldSpan] = (),
        *,
        doc_id: str = "doc",
        document_date: dt.date = DOCUMENT_DATE,
        ignore: Iterable[IgnoreRegion] = (),
        title: str = "",
        tokens: Iterable[tuple[int, int]] | None = None,
        nested: Iterable[str] | None = None,
    ) -> Document:
        """A document from its text and gold spans; the text's sha256 is computed here.
        ``tokens`` (for token mode) and ``nested`` (layers whose spans may overlap) as in a
        gold file."""
        gold = GoldDocument(
            doc_id=doc_id,
            document_date=document_date,
            text_sha256=sha256_text(text),
            spans=sorted(spans, key=lambda s: (s.start, s.end)),
            ignore=list(ignore),
            tokens=None if tokens is None else list(tokens),
            nested=None if nested is None else list(nested),  # type: ignore[arg-type]
        )
        return cls(gold, text, title)

    @property
    def doc_id(self) -> str:
        """The document's id."""
        return self.gold.doc_id

    @property
    def document_date(self) -> dt.date:
        """The date relative expressions resolve against."""
        return self.gold.document_date

    def input(self) -> DocInput:
        """What a system sees of this document."""
        return DocInput(self.gold.doc_id, self.text, self.gold.document_date)


def by_id(docs: Mapping[str, Document] | Iterable[Document]) -> dict[str, Document]:
    """Documents by doc_id: a mapping (as ``load_gold_dir`` returns) as it is, a list keyed by
    each document's id (a repeated id is a BenchError)."""
    if isinstance(docs, Mapping):
        return dict(docs)
    out: dict[str, Document] = {}
    for d in docs:
        if d.doc_id in out:
            raise BenchError(f"documents: doc_id: {d.doc_id!r} is repeated")
        out[d.doc_id] = d
    return out
