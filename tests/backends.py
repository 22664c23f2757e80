"""What the library-backend tests share: a system run as the runner runs it, on the real seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.protocol import BaseSystem, DocInput
from bench.schema import PredictedSpan


def run_system(
    cls: type[BaseSystem], docs: Sequence[DocInput], **options: str
) -> list[list[PredictedSpan]]:
    """Load a system of class ``cls`` with ``options``, extract ``docs``, close it."""
    system = cls(options)
    system.load()
    try:
        return system.extract(docs)
    finally:
        system.close()


def seed_spans(
    cls: type[BaseSystem], seed_docs: Mapping[str, DocInput]
) -> dict[str, tuple[str, list[PredictedSpan]]]:
    """(text, spans) of every seed document by doc_id, from a default-options run."""
    docs = list(seed_docs.values())
    return {d.doc_id: (d.text, spans) for d, spans in zip(docs, run_system(cls, docs), strict=True)}


def nth_index(body: str, text: str, nth: int = 0) -> int:
    """Where the ``nth`` (from 0) occurrence of ``text`` starts in ``body``."""
    start = -1
    for _ in range(nth + 1):
        start = body.index(text, start + 1)
    return start
