"""Streaming: a corpus scored batch by batch from additive counts, in bounded memory."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.corpus.digest import DigestPart, GoldDigest
from bench.corpus.document import Document
from bench.errors import BenchError
from bench.limits import check_bootstrap
from bench.schema import (
    ALL_LABELS,
    LABEL_ID,
    SEED_LABEL_SET,
    LabelSet,
    PredictedSpan,
)
from bench.scoring.intervals import intervals_of_sums, unit_matrix
from bench.scoring.metrics import MODES, prf_arrays
from bench.scoring.options import check_layers, check_min_overlap
from bench.scoring.report import ScoreReport, Signature, build_report, labels_of
from bench.scoring.tally import collect, model_tables, paused_gc


@dataclass(frozen=True)
class BatchTally:
    """The sufficient statistics of one batch of a streamed corpus: counts, the per-document
    macro terms (in corpus order), the batch's bootstrap sums and its part of the gold digest.
    Small and picklable: a worker process sends it back instead of predictions to score."""

    documents: int
    layer: np.ndarray  # (mode, layer, 5)
    label: np.ndarray  # (mode, label, 5)
    value: np.ndarray  # (layer, 2)
    ignored: int
    missing: list[str]
    macro_docs: list[int]  # documents kept per mode
    macro_values: list[list[list[float]]]  # [mode][precision, recall, F1]: defined values
    boot: np.ndarray | None  # (resamples, columns), None without a bootstrap
    digest: DigestPart  # what the batch adds to the gold digest (GoldDigest)
    relaxed: np.ndarray  # (layer,): the relaxed matches of the batch
    tokens_digest: str | None  # token mode: the batch's digest of its tokens


class StreamingScorer:
    """Scores a corpus batch by batch from additive counts, in memory independent of its size.

    Every count of :func:`bench.scoring.engine.score` is a sum over documents, so each batch
    is aligned alone (:func:`bench.scoring.tally.collect`, unit ``document``) and only totals
    are kept. What cannot be a running total changes (docs/scale.md, "Scoring a streamed
    corpus"): ``by_doc`` is left empty, the macro average over documents is a running mean in
    corpus order, intervals come from a Poisson bootstrap (document ``i`` is drawn
    ``Poisson(1)`` times in each resample, from a generator seeded with ``(seed, i)``), and the
    gold digest (:class:`~bench.corpus.digest.GoldDigest`) is fed in corpus order. None of this
    depends on how the corpus is cut into batches.
    """

    def __init__(
        self,
        layers: Sequence[str] | None = None,
        *,
        bootstrap: int = 1000,
        seed: int = 0,
        ignore: bool = True,
        tokens: bool = False,
        min_overlap: float | None = None,
        label_set: LabelSet = SEED_LABEL_SET,
    ) -> None:
        check_bootstrap(bootstrap)
        check_min_overlap(min_overlap)
        self.tokens = tokens
        self.min_overlap = min_overlap
        self._tokens_digest = hashlib.sha256()
        self.layers = check_layers(layers, label_set)
        self.label_set = label_set
        self.bootstrap = bootstrap
        self.seed = seed
        self.ignore = ignore
        n_l, n_m = len(self.layers), len(MODES)
        self.documents = 0
        self.ignored = 0
        self.missing: list[str] = []
        self._layer = np.zeros((n_m, n_l, 5), dtype=np.int64)
        self._label = np.zeros((n_m, len(ALL_LABELS), 5), dtype=np.int64)
        self._value = np.zeros((n_l, 2), dtype=np.int64)
        self._relaxed = np.zeros(n_l, dtype=np.int64)
        # Running sums (precision, recall, F1) and defined counts per mode, and classes kept.
        self._macro_sum = [[0.0, 0.0, 0.0] for _ in MODES]
        self._macro_n = [[0, 0, 0] for _ in MODES]
        self._macro_docs = [0] * n_m
        self._boot = np.zeros((bootstrap, n_l * (2 + n_m) + n_l * 2), dtype=np.int64)
        self._digest = GoldDigest()

    def add(
        self,
        docs: Sequence[Document],
        predictions: Mapping[str, Sequence[PredictedSpan]],
    ) -> None:
        """Count one batch: its gold documents (in corpus order) and their predictions."""
        self.merge(self.tally(docs, predictions, self.documents))

    def tally(
        self,
        docs: Sequence[Document],
        predictions: Mapping[str, Sequence[PredictedSpan]],
        first: int,
    ) -> BatchTally:
        """What one batch adds, without adding it: its documents are the corpus's
        ``first``, ``first + 1``, ... (which seeds their bootstrap draws). Depends on nothing
        counted so far, so a worker process can compute it and the caller :meth:`merge` it,
        in corpus order, with the very sums :meth:`add` makes."""
        gold = {d.doc_id: d for d in docs}
        if len(gold) != len(docs):
            raise BenchError("batch: doc_id: repeated within a batch")
        with paused_gc():
            table, cols, present = model_tables(gold, predictions)
            t = collect(
                table,
                cols,
                present,
                self.layers,
                "document",
                self.ignore,
                self.tokens,
                self.min_overlap,
            )
        # collect orders documents by id; back to corpus order, so sums run in corpus order.
        pos = {d: k for k, d in enumerate(t.doc_ids)}
        order = np.array([pos[d.doc_id] for d in docs], dtype=np.int64)
        missing = set(t.missing)
        per_doc = t.layer_counts.sum(axis=2)[:, order]  # (mode, doc, 5); one unit per doc
        macro_docs: list[int] = []
        macro_values: list[list[list[float]]] = []
        for m in range(len(MODES)):
            arrs = prf_arrays(per_doc[m])
            kept = (arrs[5] > 0) | (arrs[6] > 0)
            macro_docs.append(int(kept.sum()))
            # NaN: undefined for this document
            macro_values.append(
                [[x for x in arrs[7 + j][kept].tolist() if x == x] for j in range(3)]
            )
        boot = None
        if self.bootstrap:
            mat = unit_matrix(t)[order].astype(np.int64)
            weights = np.empty((self.bootstrap, len(docs)), dtype=np.int64)
            for k in range(len(docs)):
                rng = np.random.default_rng([self.seed, first + k])
                weights[:, k] = rng.poisson(1.0, self.bootstrap)
            boot = weights @ mat  # integers: exact, whatever the batching
        return BatchTally(
            documents=len(docs),
            layer=t.layer_counts.sum(axis=1),
            label=t.label_counts,
            value=t.value_counts.sum(axis=0),
            ignored=t.ignored,
            missing=[d.doc_id for d in docs if d.doc_id in missing],
            macro_docs=macro_docs,
            macro_values=macro_values,
            boot=boot,
            digest=GoldDigest.part(docs),
            relaxed=t.relaxed,
            tokens_digest=t.tokens_digest,
        )

    def merge(self, t: BatchTally) -> None:
        """Add a batch's :meth:`tally` (batches in corpus order)."""
        if t.tokens_digest is not None:
            self._tokens_digest.update(t.tokens_digest.encode())
        self._relaxed += t.relaxed
        self._layer += t.layer
        self._label += t.label
        self._value += t.value
        self.ignored += t.ignored
        self.missing.extend(t.missing)
        for m in range(len(MODES)):
            self._macro_docs[m] += t.macro_docs[m]
            for j in range(3):
                for x in t.macro_values[m][j]:
                    self._macro_sum[m][j] += x
                    self._macro_n[m][j] += 1
        if t.boot is not None:
            self._boot += t.boot
        self._digest.update(t.digest)
        self.documents += t.documents

    @property
    def digest(self) -> str:
        """The signature's gold field: the gold digest of the documents seen so far (in
        corpus order), its first 12 hex digits."""
        return self._digest.short()

    @property
    def gold_sha256(self) -> str:
        """The whole gold digest (``gold.sha256`` of a result) of the documents seen so far."""
        return self._digest.hexdigest()

    def signature(self) -> Signature:
        """The signature of the report (unit ``document``, Poisson bootstrap)."""
        return Signature(
            gold=self.digest,
            documents=self.documents,
            layers=self.layers,
            ignore=self.ignore,
            unit="document/poisson" if self.bootstrap else "document",
            resamples=self.bootstrap,
            seed=self.seed,
            tokens=self._tokens_digest.hexdigest()[:12] if self.tokens else None,
            min_overlap=self.min_overlap,
            labels=self.label_set.digest(),
        )

    def report(self) -> ScoreReport:
        """The report of everything added so far."""
        by_layer_tot = self._layer.transpose(1, 0, 2)  # (layer, mode, 5)
        labels = labels_of(self.layers, self.label_set)
        by_label_tot = self._label.transpose(1, 0, 2)[[LABEL_ID[x] for x in labels]]

        def doc_macro(m: int) -> dict[str, float | int | None]:
            s, n = self._macro_sum[m], self._macro_n[m]
            prf = [s[j] / n[j] if n[j] else None for j in range(3)]
            return {
                "precision": prf[0],
                "recall": prf[1],
                "f1": prf[2],
                "classes": self._macro_docs[m],
            }

        ci = None
        if self.bootstrap:
            ci = intervals_of_sums(
                self._boot.astype(np.float64),
                self.layers,
                "document",
                self.documents,
                self.seed,
                method="percentile Poisson bootstrap",
            )
        return build_report(
            label_set=self.label_set,
            signature=str(self.signature()),
            documents=self.documents,
            layers=self.layers,
            missing=self.missing,
            ignored=self.ignored,
            by_layer_tot=by_layer_tot,
            by_label_tot=by_label_tot,
            value_counts=self._value,
            by_doc={},
            macro_by_doc={m: doc_macro(k) for k, m in enumerate(MODES)},
            ci=ci,
            relaxed=self._relaxed,
        )
