"""What one batch of a streamed run adds to the run, computed wherever the batch was extracted.

A worker process (or Dask worker) extracts a batch and then turns its records into
:class:`BatchTotals`: the batch's lines of the predictions file, its failures, its part of
the gold hash, its word and character counts, and the scorer's sufficient statistics
(:class:`~bench.scoring.engine.BatchTally`). The main process only appends, hashes and adds
them, in corpus order, so a run gives the same bytes whatever did the work (docs/scale.md,
"Parallel and distributed runs").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.corpus.digest import DigestPart
from bench.corpus.document import Document
from bench.corpus.predictions import prediction_line
from bench.corpus.texts import word_count
from bench.errors import BenchError
from bench.run.pipeline import map_records
from bench.schema import LabelMapSpec, PredictionRecord
from bench.scoring.engine import BatchTally, StreamingScorer


@dataclass(frozen=True)
class Scoring:
    """How a streamed run scores (the options of its :class:`StreamingScorer`): small and
    picklable, sent with each batch."""

    layers: tuple[str, ...]
    bootstrap: int
    seed: int
    ignore: bool = True
    tokens: bool = False
    label_set: Any = None  # the corpus's label set (None: bench's own labels)
    label_map: LabelMapSpec | None = None  # applied to the predictions before anything else

    def scorer(self) -> StreamingScorer:
        """A scorer with these options."""
        return StreamingScorer(
            self.layers,
            bootstrap=self.bootstrap,
            seed=self.seed,
            ignore=self.ignore,
            tokens=self.tokens,
            label_set=self.label_set,
        )


@dataclass(frozen=True)
class BatchTotals:
    """One batch's contribution to a streamed run (see the module docstring)."""

    lines: bytes  # its lines of the predictions file, UTF-8
    failures: list[tuple[str, str]]  # (doc_id, error), in batch order
    gold_hash: DigestPart  # what it adds to the gold digest (the scorer's tally's part)
    spans: int
    words: int
    chars: int
    tally: BatchTally


def batch_totals(
    docs: Sequence[Document],
    records: Sequence[PredictionRecord],
    scoring: Scoring,
    first: int,
    scorer: StreamingScorer | None = None,
) -> BatchTotals:
    """The totals of ``docs`` (the corpus's documents ``first``, ``first + 1``, ...) and
    their records, one per document in the same order."""
    records = map_records(list(records), scoring.label_map)
    lines = []
    failures = []
    spans = words = chars = 0
    for doc, rec in zip(docs, records, strict=True):
        if rec.doc_id != doc.doc_id:  # a worker must answer for the batch it got
            raise BenchError(f"worker answered {rec.doc_id!r} for {doc.doc_id!r}")
        lines.append(prediction_line(rec.doc_id, rec.spans, rec.error) + "\n")
        if rec.error is not None:
            failures.append((rec.doc_id, rec.error))
        spans += len(doc.gold.spans)
        words += word_count(doc.text)
        chars += len(doc.text)
    preds = {r.doc_id: r.spans for r in records if r.error is None}
    tally = (scorer or scoring.scorer()).tally(docs, preds, first)
    return BatchTotals(
        lines="".join(lines).encode("utf-8"),
        failures=failures,
        gold_hash=tally.digest,
        spans=spans,
        words=words,
        chars=chars,
        tally=tally,
    )
