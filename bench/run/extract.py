"""Running a loaded system over documents in batches, so that one bad document ends nothing.

A batch that raises (or returns something malformed) is retried one document at a time;
each document that still fails is recorded with a one-line error and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.errors import BenchError, one_line
from bench.protocol import DocInput, System
from bench.schema import PredictedSpan, PredictionRecord


@dataclass(frozen=True)
class Failure:
    """A document the system could not process: its id and a one-line error."""

    doc_id: str
    error: str


@dataclass
class Extraction:
    """Predictions of the documents that succeeded (in input order) and those that failed."""

    predictions: dict[str, list[PredictedSpan]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no document failed."""
        return not self.failures

    def records(self, docs: Sequence[DocInput]) -> list[PredictionRecord]:
        """One prediction record per document, in ``docs`` order; failed ones carry the error."""
        errors = {f.doc_id: f.error for f in self.failures}
        return [
            PredictionRecord(doc_id=d.doc_id, spans=[], error=errors[d.doc_id])
            if d.doc_id in errors
            else PredictionRecord(doc_id=d.doc_id, spans=self.predictions[d.doc_id])
            for d in docs
        ]


def check_batch_size(batch_size: int) -> int:
    """``batch_size`` when it is within 1 and :data:`bench.limits.MAX_BATCH_SIZE`; else a
    :class:`ParameterError`. The one check of it (settings, streamed runs, extraction)."""
    from bench.limits import MAX_BATCH_SIZE, check_range

    return check_range("batch_size", batch_size, 1, MAX_BATCH_SIZE)


def load_system(system: System, name: str | None = None) -> float:
    """Load ``system`` and return the seconds it took; a failure is a one-line BenchError."""
    t0 = time.perf_counter()
    try:
        system.load()
    except BenchError:
        raise
    except Exception as exc:
        who = name or system.info.name
        raise BenchError(f"system {who!r}: load failed: {one_line(exc)}") from None
    return time.perf_counter() - t0


def _check(result: object, batch: Sequence[DocInput]) -> list[list[PredictedSpan]]:
    """The system's output for a batch, or ValueError saying what is wrong with it."""
    if not isinstance(result, list) or len(result) != len(batch):
        n = len(result) if isinstance(result, list) else type(result).__name__
        raise ValueError(f"extract returned {n} results for {len(batch)} documents")
    for doc, spans in zip(batch, result, strict=True):
        if not isinstance(spans, list):
            raise ValueError(f"extract returned {type(spans).__name__}, not a list of spans")
        for sp in spans:
            if not isinstance(sp, PredictedSpan):
                raise ValueError(f"extract returned {type(sp).__name__}, not a PredictedSpan")
            if not sp.start < sp.end <= len(doc.text):
                raise ValueError(
                    f"span {sp.start}:{sp.end} ({sp.label}) is not inside 0:{len(doc.text)}"
                )
    return result  # type: ignore[return-value]


def extract_documents(
    system: System,
    docs: Sequence[DocInput],
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> Extraction:
    """Run ``system.extract`` over ``docs`` in batches, isolating failing documents."""
    check_batch_size(batch_size)
    out = Extraction()
    for i in range(0, len(docs), batch_size):
        batch = list(docs[i : i + batch_size])
        try:
            result = _check(system.extract(batch), batch)
        except Exception:
            # Retry one by one: only the documents that fail alone are recorded as failed.
            for doc in batch:
                try:
                    spans = _check(system.extract([doc]), [doc])[0]
                except Exception as exc:
                    out.failures.append(Failure(doc.doc_id, one_line(exc)))
                    continue
                out.predictions[doc.doc_id] = spans
        else:
            for doc, spans in zip(batch, result, strict=True):
                out.predictions[doc.doc_id] = spans
        if progress is not None:
            progress(len(batch))
    return out
