"""The scoring entry points: gold and predictions in, a :class:`ScoreReport` out.

:func:`score` takes objects, :func:`score_files` a gold directory, texts and a predictions file
(read as columns, without an object per span), :func:`score_corpus` a corpus in any format
:func:`bench.corpus.stream.open_corpus` reads. All three count with the tally engine
(:mod:`bench.scoring.tally`) and build the report from those counts. A corpus too large for
memory goes through :class:`bench.scoring.streaming.StreamingScorer`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from bench.corpus.columns import SpanColumns
from bench.corpus.document import Document, by_id
from bench.corpus.goldtable import GoldTable, load_gold_table
from bench.corpus.predictions import read_prediction_columns
from bench.schema import LABEL_ID, SEED_LABEL_SET, LabelSet, PredictedSpan
from bench.scoring.intervals import bootstrap_intervals
from bench.scoring.metrics import MODES, macro_rows, mode_score_dicts
from bench.scoring.options import check_layers, check_min_overlap, scoring_options
from bench.scoring.report import ScoreReport, Signature, build_report, labels_of
from bench.scoring.tally import Tallies, collect, model_tables, paused_gc


def _report(
    t: Tallies, signature: Signature, resamples: int, seed: int, label_set: LabelSet
) -> ScoreReport:
    lc = t.layer_counts  # (mode, unit, layer, 5)
    by_layer_tot = lc.sum(axis=1).transpose(1, 0, 2)  # (layer, mode, 5)
    doc_starts = np.searchsorted(t.unit_doc, np.arange(len(t.doc_ids)))
    by_doc_tot = np.add.reduceat(lc.sum(axis=2), doc_starts, axis=1).transpose(1, 0, 2)
    labels = labels_of(t.layers, label_set)
    by_label_tot = t.label_counts.transpose(1, 0, 2)[[LABEL_ID[x] for x in labels]]
    return build_report(
        label_set=label_set,
        signature=str(signature),
        documents=len(t.doc_ids),
        layers=t.layers,
        missing=t.missing,
        ignored=t.ignored,
        by_layer_tot=by_layer_tot,
        by_label_tot=by_label_tot,
        value_counts=t.value_counts.sum(axis=0),
        by_doc=dict(zip(t.doc_ids, mode_score_dicts(by_doc_tot), strict=True)),
        macro_by_doc={m: macro_rows(by_doc_tot[:, k]) for k, m in enumerate(MODES)},
        ci=bootstrap_intervals(t, resamples, seed) if resamples > 0 else None,
        relaxed=t.relaxed,
    )


def _score(
    table: GoldTable,
    predictions: SpanColumns,
    present: Sequence[str],
    layers: tuple[str, ...],
    unit: str,
    *,
    bootstrap: int,
    seed: int,
    ignore: bool,
    tokens: bool = False,
    min_overlap: float | None = None,
    label_set: LabelSet = SEED_LABEL_SET,
    subset: str = "",
) -> ScoreReport:
    with paused_gc():
        tallies = collect(table, predictions, present, layers, unit, ignore, tokens, min_overlap)
        signature = Signature(
            gold=tallies.digest,
            documents=len(table.doc_ids),
            layers=layers,
            ignore=ignore,
            unit=unit,
            resamples=bootstrap,
            seed=seed,
            tokens=tallies.tokens_digest,
            min_overlap=min_overlap,
            labels=label_set.digest(),
            subset=subset,
        )
        return _report(tallies, signature, bootstrap, seed, label_set)


def score(
    gold: Mapping[str, Document] | Iterable[Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    *,
    layers: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    ignore: bool = True,
    unit: str = "auto",
    tokens: bool = False,
    min_overlap: float | None = None,
    label_set: LabelSet = SEED_LABEL_SET,
    subset: str = "",
) -> ScoreReport:
    """Score predictions against gold (as from ``load_gold_dir``) in every SemEval mode.

    ``gold`` is :class:`~bench.corpus.document.Document` objects, by doc_id (as
    ``load_gold_dir`` returns them) or in a list. ``predictions`` maps doc_id to spans; a
    gold document without an entry predicts nothing (listed in ``missing_predictions``).
    ``bootstrap`` resamples (0: no intervals) drawn with ``seed``; ``unit`` is the
    resampling unit (auto, sentence, document); ``ignore`` drops predictions touching an
    ignore region before matching.
    ``tokens`` snaps predictions to the gold documents' tokens (every document must record
    them); ``min_overlap`` (percent of the gold span's length) is the least overlap that lets
    two spans pair. Both are defined in docs/metrics.md.
    ``label_set`` is the corpus's (the seeds' by default): its layers are scored unless
    ``layers`` says otherwise, its labels are the ``by_label`` rows, its digest is in the
    signature.
    ``subset`` says how ``gold`` was chosen from a larger corpus (:mod:`bench.corpus.subset`);
    it goes into the signature.
    """
    check_min_overlap(min_overlap)
    gold = by_id(gold)
    chosen_layers, resampling_unit = scoring_options(len(gold), layers, bootstrap, unit, label_set)
    with paused_gc():
        table, cols, present = model_tables(gold, predictions)
    return _score(
        table,
        cols,
        present,
        chosen_layers,
        resampling_unit,
        bootstrap=bootstrap,
        seed=seed,
        ignore=ignore,
        tokens=tokens,
        min_overlap=min_overlap,
        label_set=label_set,
        subset=subset,
    )


def score_files(
    gold_dir: Path | str,
    texts_dir: Path | str,
    predictions: Path | str,
    *,
    layers: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    ignore: bool = True,
    unit: str = "auto",
    tokens: bool = False,
    min_overlap: float | None = None,
    limit: int | None = None,
    sample: int | None = None,
    only_present: bool = False,
) -> ScoreReport:
    """:func:`score` from files: gold and texts as ``load_gold_dir`` reads and validates
    them, predictions as ``read_predictions`` reads and checks them (the same rules and
    errors), but as columns, without an object per span. The options are :func:`score`'s.

    ``limit`` scores the first N gold documents, ``sample`` N drawn with ``seed``, and
    ``only_present`` only the gold documents the predictions have a line for
    (:mod:`bench.corpus.subset`); the signature records the subset.
    """
    check_layers(layers)
    check_min_overlap(min_overlap)
    gold_dir, texts_dir, predictions = Path(gold_dir), Path(texts_dir), Path(predictions)
    if limit is not None or sample is not None or only_present:
        from bench.corpus.gold import load_gold_dir
        from bench.corpus.predictions import read_predictions
        from bench.corpus.subset import present_ids, subset_ids, take

        gold = load_gold_dir(gold_dir, texts_dir)
        preds = read_predictions(predictions, {d: doc.text for d, doc in gold.items()})
        ids, how = subset_ids(gold, limit=limit, sample=sample, seed=seed)
        if only_present:
            ids, how = present_ids(ids, preds, how)
        return score(
            take(gold, ids),
            take(preds, ids),
            layers=layers,
            bootstrap=bootstrap,
            seed=seed,
            ignore=ignore,
            unit=unit,
            tokens=tokens,
            min_overlap=min_overlap,
            subset=how,
        )
    with paused_gc():
        table = load_gold_table(gold_dir, texts_dir)
        cols, present = read_prediction_columns(predictions, table.doc_ids, table.texts)
    chosen_layers, resampling_unit = scoring_options(len(table.doc_ids), layers, bootstrap, unit)
    return _score(
        table,
        cols,
        present,
        chosen_layers,
        resampling_unit,
        bootstrap=bootstrap,
        seed=seed,
        ignore=ignore,
        tokens=tokens,
        min_overlap=min_overlap,
    )


def score_corpus(
    corpus: Path | str,
    predictions: Path | str,
    *,
    layers: Sequence[str] | None = None,
    label_map: str | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    ignore: bool = True,
    unit: str = "auto",
    tokens: bool = False,
    min_overlap: float | None = None,
) -> ScoreReport:
    """:func:`score` of a predictions JSONL file against a corpus (JSON Lines, Parquet, a
    dataset or a gold directory, :func:`bench.corpus.stream.open_corpus`), with the corpus's
    label set; ``label_map`` (a preset name or a file, :mod:`bench.corpus.labels`) maps the
    predicted labels onto the corpus's first."""
    from bench.corpus.labels import apply_label_map, load_label_map
    from bench.corpus.predictions import read_predictions
    from bench.corpus.stream import open_corpus

    source = open_corpus(corpus)
    label_set = source.label_set()
    check_layers(layers, label_set)
    spec = load_label_map(label_map) if label_map else None
    docs = list(source.documents())
    preds = read_predictions(predictions, {d.doc_id: d.text for d in docs})
    if spec is not None:
        preds = {k: apply_label_map(spec, v) for k, v in preds.items()}
    return score(
        docs,
        preds,
        layers=layers,
        bootstrap=bootstrap,
        seed=seed,
        ignore=ignore,
        unit=unit,
        tokens=tokens,
        min_overlap=min_overlap,
        label_set=label_set,
    )
