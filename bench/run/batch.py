"""What one batch adds to a run, computed wherever the batch was extracted.

The records of a batch (labels mapped onto the corpus's first, :func:`map_records`) are turned
into :class:`BatchTotals`: the batch's lines of the predictions file, its failures, its part of
the gold hash, its word and character counts, and what the scorer needs. A worker process (or
Dask worker) of a streamed run does this where it extracted the batch; the driver
(:mod:`bench.run.driver`) does it for a batch extracted in process or taken from the cache. The
driver only appends, hashes and adds the totals, in corpus order, so a run gives the same bytes
whatever did the work (docs/scale.md, "Parallel and distributed runs").

How a run scores is :class:`Scoring`: a stream with a
:class:`~bench.scoring.streaming.StreamingScorer` (sufficient statistics per batch, the document
bootstrap), a corpus in memory (the seeds) with :class:`WholeScorer`, which keeps the batches
and scores them at the end with :func:`~bench.scoring.engine.score` (the sentence bootstrap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.corpus.digest import DigestPart, GoldDigest
from bench.corpus.document import Document
from bench.corpus.predictions import prediction_line
from bench.corpus.texts import word_count
from bench.errors import BenchError
from bench.schema import SEED_LABEL_SET, LabelMapSpec, PredictedSpan, PredictionRecord
from bench.scoring.engine import score
from bench.scoring.report import ScoreReport
from bench.scoring.streaming import BatchTally, StreamingScorer


def map_records(
    records: list[PredictionRecord], label_map: LabelMapSpec | None
) -> list[PredictionRecord]:
    """``records`` with their spans' labels mapped onto the corpus's (unchanged without a map)."""
    if label_map is None:
        return records
    from bench.corpus.labels import apply_label_map

    return [r.model_copy(update={"spans": apply_label_map(label_map, r.spans)}) for r in records]


@dataclass(frozen=True)
class WholeTally:
    """A batch as :class:`WholeScorer` keeps it: its documents and their mapped records."""

    docs: Sequence[Document]
    records: list[PredictionRecord]
    digest: DigestPart  # what the batch adds to the gold digest (GoldDigest)


class WholeScorer:
    """Scoring a corpus held in memory: the batches are kept and scored together at the end
    with :func:`~bench.scoring.engine.score` (the sentence bootstrap, per-document rows), as
    the committed seeds results are. The same ``tally``/``merge``/``report`` as a
    :class:`~bench.scoring.streaming.StreamingScorer`."""

    def __init__(self, scoring: Scoring) -> None:
        self.scoring = scoring
        self.gold: dict[str, Document] = {}
        self.predictions: dict[str, list[PredictedSpan]] = {}
        self.records: list[PredictionRecord] = []

    @property
    def documents(self) -> int:
        """Documents merged so far."""
        return len(self.gold)

    def tally(self, docs: Sequence[Document], records: list[PredictionRecord]) -> WholeTally:
        """What a batch adds: itself."""
        return WholeTally(docs, records, GoldDigest.part(docs))

    def merge(self, tally: BatchTally | WholeTally) -> None:
        """Keep a batch (in corpus order)."""
        assert isinstance(tally, WholeTally)
        for doc in tally.docs:
            self.gold[doc.doc_id] = doc
        self.records.extend(tally.records)
        self.predictions.update((r.doc_id, r.spans) for r in tally.records if r.error is None)

    def report(self) -> ScoreReport:
        """The scores of every batch merged."""
        s = self.scoring
        return score(
            self.gold,
            self.predictions,
            layers=s.layers,
            bootstrap=s.bootstrap,
            seed=s.seed,
            ignore=s.ignore,
            tokens=s.tokens,
            label_set=s.label_set or SEED_LABEL_SET,
            subset=s.subset,
        )


@dataclass(frozen=True)
class Scoring:
    """How a run scores: small and picklable, sent with each batch of a stream. ``whole``:
    the corpus is in memory and scored at the end (:class:`WholeScorer`), else each batch is
    tallied where it is extracted (:class:`StreamingScorer`)."""

    layers: tuple[str, ...]
    bootstrap: int
    seed: int
    ignore: bool = True
    tokens: bool = False
    label_set: Any = None  # the corpus's label set (None: bench's own labels)
    label_map: LabelMapSpec | None = None  # applied to the predictions before anything else
    whole: bool = False
    subset: str = ""  # how the documents were chosen from a larger corpus (bench.corpus.subset)

    def scorer(self) -> StreamingScorer | WholeScorer:
        """A scorer with these options."""
        if self.whole:
            return WholeScorer(self)
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
    """One batch's contribution to a run (see the module docstring)."""

    lines: bytes  # its lines of the predictions file, UTF-8
    failures: list[tuple[str, str]]  # (doc_id, error), in batch order
    gold_hash: DigestPart  # what it adds to the gold digest (the scorer's tally's part)
    spans: int
    words: int
    chars: int
    tally: BatchTally | WholeTally


def batch_totals(
    docs: Sequence[Document],
    records: Sequence[PredictionRecord],
    scoring: Scoring,
    first: int,
    scorer: StreamingScorer | WholeScorer | None = None,
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
    scorer = scorer or scoring.scorer()
    if isinstance(scorer, WholeScorer):
        tally: BatchTally | WholeTally = scorer.tally(docs, records)
    else:
        preds = {r.doc_id: r.spans for r in records if r.error is None}
        tally = scorer.tally(docs, preds, first)
    return BatchTotals(
        lines="".join(lines).encode("utf-8"),
        failures=failures,
        gold_hash=tally.digest,
        spans=spans,
        words=words,
        chars=chars,
        tally=tally,
    )
