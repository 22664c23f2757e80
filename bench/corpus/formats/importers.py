"""The corpus importers by format name: each reads text-with-gold into
:class:`~bench.corpus.formats.textdoc.TextDocument` lists, imported only when used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from bench.corpus.formats import load_registered
from bench.corpus.formats.textdoc import TextDocument
from bench.errors import BenchError

Reader = Callable[[Path, Mapping[str, str]], list[TextDocument]]

# name -> "module:function"; hf-tokens imports datasets only when used.
IMPORTERS: dict[str, str] = {
    "conll": "bench.corpus.formats.conll_columns:read",
    "timeml": "bench.corpus.formats.timeml:read",
    "hf-tokens": "bench.corpus.formats.hf_tokens:read",
}


def get_importer(name: str) -> Reader:
    """The reader registered as ``name``; an unknown name is a one-line error."""
    return load_registered(IMPORTERS, name)  # type: ignore[no-any-return]


def read_corpus(name: str, path: Path, options: Mapping[str, str]) -> list[TextDocument]:
    """The documents at ``path`` in format ``name``; ids must be unique across them."""
    docs = get_importer(name)(path, options)
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.doc_id in seen:
            raise BenchError(f"{doc.source}: doc_id: {doc.doc_id!r} repeats {seen[doc.doc_id]}")
        seen[doc.doc_id] = doc.source
    return docs
