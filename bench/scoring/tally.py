"""The tally engine: gold and prediction columns in, additive counts (:class:`Tallies`) out.

One pass over the whole corpus: every (document, layer) is laid out on one axis so that a single
sort-and-sweep finds all overlapping pairs, and each mode's optimal alignment
(:mod:`bench.scoring.align`) is tallied into counts per resampling unit. Everything reported
(overall, by layer, by label, by document, macro averages, values, confidence intervals) is a
sum or a ratio of those counts. Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from bench.corpus.columns import SpanColumns, label_layers
from bench.corpus.digest import SIGNATURE_DIGITS, table_sha256
from bench.corpus.document import Document
from bench.corpus.goldtable import GoldTable
from bench.errors import BenchError, ParameterError
from bench.schema import (
    ALL_LABELS,
    LABEL_LAYER,
    LAYER_ID,
    LAYERS,
    VALUE_LAYERS,
    PredictedSpan,
)
from bench.scoring.align import max_weight_matching, mode_credit, overlap_pairs
from bench.scoring.metrics import MODES
from bench.scoring.resample import sentence_starts
from bench.scoring.spans import (
    SpanArrays,
    canonical_order,
    rank_strings,
    span_arrays,
    values_equal,
)


@contextlib.contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector: building many small containers while a large
    corpus of span objects is alive would otherwise trigger full collections that walk the
    whole corpus again and again. Scoring creates no reference cycles.

    With ``freeze`` the objects still alive at the end (say, a corpus just read) move to the
    permanent generation, so the collections that follow never walk them either.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


_OUTCOME = np.array([1, 2, 0], dtype=np.int64)  # credit 0, 1, 2: incorrect, partial, correct


def tally_counts(
    n_keys: int,
    g_key: np.ndarray,
    p_key: np.ndarray,
    gi: np.ndarray,
    pi: np.ndarray,
    chosen: np.ndarray,
    credit: np.ndarray,
) -> np.ndarray:
    """Counts (correct, incorrect, partial, missed, spurious) per key; pairs go by gold key."""
    # Each gold span's outcome: missed unless in a chosen pair; one bincount of key and
    # outcome, and one of the predictions left over.
    g_code = np.full(len(g_key), 3, dtype=np.int64)
    g_code[gi[chosen]] = _OUTCOME[credit[chosen]]
    out = np.bincount(g_key * 5 + g_code, minlength=n_keys * 5).reshape(n_keys, 5)
    p_free = np.ones(len(p_key), dtype=bool)
    p_free[pi[chosen]] = False
    out[:, 4] = np.bincount(p_key[p_free], minlength=n_keys)
    return out


# Outcome (correct, incorrect, partial) per mode of a pair of class 1 (exact, same label),
# 2 (exact, other label), 3 (overlapping, same label), 4 (overlapping, other label).
_PAIR_OUTCOME = np.array(
    [
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]],  # strict
        [[0, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]],  # exact
        [[0, 0, 0], [1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]],  # partial
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]],  # type
    ],
    dtype=np.int64,
)


def simple_counts(
    n_keys: int,
    g_key: np.ndarray,
    p_key: np.ndarray,
    gi: np.ndarray,
    pi: np.ndarray,
    exact: np.ndarray,
    same: np.ndarray,
) -> np.ndarray:
    """Counts (mode, key, 5) when no span is in more than one pair: all pairs are aligned
    in every mode (what :func:`tally_counts` of :func:`max_weight_matching` gives there)."""
    cls = np.zeros(len(g_key), dtype=np.int64)
    cls[gi] = 1 + ~same + 2 * ~exact
    per_class = np.bincount(g_key * 5 + cls, minlength=n_keys * 5).reshape(n_keys, 5)
    paired = np.zeros(len(p_key), dtype=bool)
    paired[pi] = True
    spurious = np.bincount(p_key[~paired], minlength=n_keys)
    out = np.zeros((len(MODES), n_keys, 5), dtype=np.int64)
    out[:, :, :3] = np.einsum("kc,mco->mko", per_class, _PAIR_OUTCOME)
    out[:, :, 3] = per_class[:, 0]
    out[:, :, 4] = spurious
    return out


@dataclass
class Tallies:
    """Additive counts of one scoring run, the input to every reported number."""

    doc_ids: list[str]
    layers: tuple[str, ...]
    unit: str
    unit_doc: np.ndarray  # document of each resampling unit
    layer_counts: np.ndarray  # (mode, unit, layer, 5)
    label_counts: np.ndarray  # (mode, label, 5), labels in ALL_LABELS order
    value_counts: np.ndarray  # (unit, layer, 2): aligned pairs, pairs with the right value
    ignored: int
    missing: list[str]
    digest: str
    relaxed: np.ndarray  # (layer,): pairs of a largest matching of overlapping spans
    tokens_digest: str | None = None  # token mode: a digest of the tokens


def model_tables(
    gold: Mapping[str, Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
) -> tuple[GoldTable, SpanColumns, list[str]]:
    """Gold and predictions given as objects, as columns; the predictions checked for an
    unknown document, offsets outside the text and an explicit layer not the label's."""
    doc_ids = sorted(gold)
    unknown = sorted(set(predictions) - set(gold))
    if unknown:
        raise BenchError(
            f"predictions: doc_id: {unknown[0]!r} is not a gold document"
            + (f" (+{len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    table = GoldTable.from_documents(gold)
    groups = [predictions.get(d, ()) for d in doc_ids]
    cols = SpanColumns.from_spans(groups, "predictions", layers=True)
    text_len = np.array([len(t) for t in table.texts], dtype=np.int64)
    layer = label_layers(cols.label)
    bad = ~((cols.start >= 0) & (cols.start < cols.end) & (cols.end <= text_len[cols.doc]))
    wrong_layer = np.zeros(len(cols), dtype=bool)
    if cols.layers is not None:
        explicit = np.fromiter(
            map(LAYER_ID.get, cols.layers, repeat(-1)),  # type: ignore[arg-type]
            dtype=np.int64,
            count=len(cols),
        )
        wrong_layer = (explicit >= 0) & (explicit != layer)
    problems = np.flatnonzero(bad | wrong_layer)
    if len(problems):
        j = int(problems[0])
        k = int(cols.doc[j])
        i = j - int(np.searchsorted(cols.doc, k))
        sp = groups[k][i]
        where = f"predictions: {doc_ids[k]}: spans[{i}]"
        if bad[j]:
            raise BenchError(
                f"{where}.end: offsets {sp.start}:{sp.end} not within 0 <= start < end <= "
                f"{text_len[k]}"
            )
        raise BenchError(
            f"{where}.layer: {sp.label!r} is a label of layer "
            f"{LABEL_LAYER[sp.label]!r}, not {sp.layer!r}"
        )
    return table, cols, [d for d in doc_ids if d in predictions]


def collect(
    table: GoldTable,
    predictions: SpanColumns,
    present: Sequence[str],
    layers: tuple[str, ...],
    unit: str,
    ignore: bool,
    tokens: bool = False,
    min_overlap: float | None = None,
) -> Tallies:
    doc_ids = table.doc_ids
    has_line = set(present)
    missing = [d for d in doc_ids if d not in has_line]
    wanted = np.zeros(len(LAYERS), dtype=bool)
    wanted[[LAYER_ID[x] for x in layers]] = True
    layer_pos = np.full(len(LAYERS), -1, dtype=np.int64)
    layer_pos[[LAYER_ID[x] for x in layers]] = np.arange(len(layers))

    text_len = np.array([len(t) for t in table.texts], dtype=np.int64)
    if unit == "sentence":
        sent_starts = [sentence_starts(t) for t in table.texts]
    else:  # one unit per document, starting at offset 0
        sent_starts = [np.zeros(1, dtype=np.int64)] * len(doc_ids)
    n_units = sum(len(x) for x in sent_starts)
    r_doc = [k for k, regions in enumerate(table.ignore) for _ in regions]
    r_start = [s for regions in table.ignore for s, _ in regions]
    r_end = [e for regions in table.ignore for _, e in regions]

    gs, ps = span_arrays(table.spans), span_arrays(predictions)
    rank_strings(gs, ps)
    gs, ps = gs.take(canonical_order(gs)), ps.take(canonical_order(ps))
    digest = table_sha256(table)[:SIGNATURE_DIGITS]

    # Drop predictions of other layers, then those touching an ignore region.
    if not wanted.all():
        gs = gs.take(np.flatnonzero(wanted[gs.layer]))
        ps = ps.take(np.flatnonzero(wanted[ps.layer]))
    stride = int(text_len.max(initial=0)) + 1
    ignored = 0
    if ignore and r_doc and len(ps):
        rd = np.array(r_doc, dtype=np.int64) * stride
        _, hit = overlap_pairs(
            rd + np.array(r_start),
            rd + np.array(r_end),
            ps.doc * stride + ps.start,
            ps.doc * stride + ps.end,
        )
        drop = np.zeros(len(ps), dtype=bool)
        drop[hit] = True
        ignored = int(drop.sum())
        ps = ps.take(np.flatnonzero(~drop))
    tok_digest = None
    if tokens:
        ps, tok_digest = snap_to_tokens(table, ps, stride)

    # A span belongs to the unit (sentence or document) its start falls in.
    unit_doc = np.repeat(np.arange(len(doc_ids)), [len(s) for s in sent_starts])
    unit_pos = unit_doc * stride + np.concatenate(sent_starts) if sent_starts else unit_doc
    for spans in (gs, ps):
        if unit == "sentence":
            spans.unit = np.searchsorted(unit_pos, spans.doc * stride + spans.start, "right") - 1
        else:
            spans.unit = spans.doc

    # One axis for the corpus: group (document, layer) g occupies [g*stride, (g+1)*stride).
    n_lay = len(LAYERS)
    g_off = (gs.doc * n_lay + gs.layer) * stride
    p_off = (ps.doc * n_lay + ps.layer) * stride
    gi, pi = overlap_pairs(g_off + gs.start, g_off + gs.end, p_off + ps.start, p_off + ps.end)
    if min_overlap is not None:
        gi, pi = enough_overlap(gs, ps, gi, pi, min_overlap)
    exact = (gs.start[gi] == ps.start[pi]) & (gs.end[gi] == ps.end[pi])
    same = gs.label[gi] == ps.label[pi]

    n_l = len(layers)
    assert gs.unit is not None and ps.unit is not None  # set by collect for both sides
    g_key = gs.unit * n_l + layer_pos[gs.layer]
    p_key = ps.unit * n_l + layer_pos[ps.layer]
    layer_counts = np.zeros((len(MODES), n_units, n_l, 5), dtype=np.int64)
    label_counts = np.zeros((len(MODES), len(ALL_LABELS), 5), dtype=np.int64)
    lab_gi, lab_pi, lab_exact = gi[same], pi[same], exact[same]
    simple = len(gi) == 0 or (np.bincount(gi).max() == 1 and np.bincount(pi).max() == 1)
    if simple:
        # Every span overlaps at most one of the other side: every alignment takes all
        # pairs, and each mode's outcome of a pair follows from (exact, same label).
        layer_counts[:] = simple_counts(n_units * n_l, g_key, p_key, gi, pi, exact, same).reshape(
            len(MODES), n_units, n_l, 5
        )
        label_counts[:] = simple_counts(
            len(ALL_LABELS), gs.label, ps.label, lab_gi, lab_pi, lab_exact, np.ones_like(lab_exact)
        )
    for m, mode in enumerate(MODES if not simple else ()):
        credit = mode_credit(mode, exact, same)
        chosen = max_weight_matching(len(gs), len(ps), gi, pi, credit)
        layer_counts[m] = tally_counts(n_units * n_l, g_key, p_key, gi, pi, chosen, credit).reshape(
            n_units, n_l, 5
        )
        # by_label: gold and predictions filtered to one label, aligned on their own.
        lab_credit = mode_credit(mode, lab_exact, np.ones(len(lab_gi), dtype=bool))
        lab_chosen = max_weight_matching(len(gs), len(ps), lab_gi, lab_pi, lab_credit)
        label_counts[m] = tally_counts(
            len(ALL_LABELS), gs.label, ps.label, lab_gi, lab_pi, lab_chosen, lab_credit
        )

    # Values: pairs of the same layer with the right value are what counts.
    value_counts = np.zeros((n_units, n_l, 2), dtype=np.int64)
    is_val = np.isin(gs.layer[gi], [LAYER_ID[x] for x in VALUE_LAYERS])
    v_gi, v_pi = gi[is_val], pi[is_val]
    if len(v_gi):
        v_ok = values_equal(gs, v_gi, ps, v_pi)
        v_credit = 2 * v_ok.astype(np.int64)
        v_chosen = max_weight_matching(len(gs), len(ps), v_gi, v_pi, v_credit)
        keys = g_key[v_gi[v_chosen]]
        value_counts[:, :, 0] = np.bincount(keys, minlength=n_units * n_l).reshape(n_units, n_l)
        value_counts[:, :, 1] = np.bincount(keys[v_ok[v_chosen]], minlength=n_units * n_l).reshape(
            n_units, n_l
        )

    # Relaxed (TempEval-3): a largest one-to-one matching of overlapping spans, any label.
    r_chosen = (
        np.ones(len(gi), dtype=bool)
        if simple
        else max_weight_matching(len(gs), len(ps), gi, pi, np.zeros(len(gi), dtype=np.int64))
    )
    relaxed = np.bincount(layer_pos[gs.layer[gi[r_chosen]]], minlength=n_l)

    return Tallies(
        doc_ids=doc_ids,
        layers=layers,
        unit=unit,
        unit_doc=unit_doc,
        layer_counts=layer_counts,
        label_counts=label_counts,
        value_counts=value_counts,
        ignored=ignored,
        missing=missing,
        digest=digest,
        relaxed=relaxed,
        tokens_digest=tok_digest,
    )


def snap_to_tokens(table: GoldTable, ps: SpanArrays, stride: int) -> tuple[SpanArrays, str]:
    """Predictions snapped to the gold documents' tokens (:mod:`bench.scoring.tokens`): cut
    at line breaks, those over no token dropped, and of overlapping ones in a layer only the
    first kept. Every document must record tokens."""
    from bench.scoring.tokens import first_of_overlapping, snap, tokens_digest

    toks = table.tokens or [None] * len(table.doc_ids)
    for doc_id, t in zip(table.doc_ids, toks, strict=True):
        if t is None:
            raise ParameterError(
                "tokens",
                f"document {doc_id!r} records no tokens (token mode needs a corpus "
                "that records them, as `bench corpus import conll` writes)",
            )
    present = [t for t in toks if t is not None]
    source, start, end = snap(ps.doc, ps.start, ps.end, present, stride, table.texts)
    ps = ps.take(source)
    ps.start, ps.end = start, end
    ps = ps.take(canonical_order(ps))
    keep = first_of_overlapping(ps.doc * len(LAYERS) + ps.layer, ps.start, ps.end)
    return ps.take(np.flatnonzero(keep)), tokens_digest(table.doc_ids, present)


def enough_overlap(
    gs: SpanArrays, ps: SpanArrays, gi: np.ndarray, pi: np.ndarray, min_overlap: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose shared characters are at least ``min_overlap`` percent of the gold
    span's length (nervaluate's ``min_overlap_percentage``)."""
    shared = np.minimum(gs.end[gi], ps.end[pi]) - np.maximum(gs.start[gi], ps.start[pi])
    length = gs.end[gi] - gs.start[gi]
    keep = shared / length * 100.0 >= min_overlap  # nervaluate's very expression
    return gi[keep], pi[keep]
