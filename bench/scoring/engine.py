"""The scoring engine: gold and predictions in, a :class:`ScoreReport` out.

One pass over the whole corpus: spans become numpy arrays, every (document, layer) is laid
out on one axis so that a single sort-and-sweep finds all overlapping pairs, and each mode's
optimal alignment (:mod:`bench.scoring.align`) is tallied into additive counts per resampling unit.
Everything reported (overall, by layer, by label, by document, macro averages, values,
confidence intervals) is a sum or a ratio of those counts. Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path

import numpy as np

from bench.corpus.columns import SpanColumns, label_layers
from bench.corpus.digest import SIGNATURE_DIGITS, DigestPart, GoldDigest, table_sha256
from bench.corpus.document import Document, by_id
from bench.corpus.goldtable import GoldTable, load_gold_table
from bench.corpus.predictions import read_prediction_columns
from bench.errors import BenchError, ParameterError
from bench.limits import check_bootstrap
from bench.schema import (
    ALL_LABELS,
    LABEL_ID,
    LABEL_LAYER,
    LAYER_ID,
    LAYERS,
    SEED_LABEL_SET,
    VALUE_LAYERS,
    LabelSet,
    PredictedSpan,
)
from bench.scoring.align import max_weight_matching, mode_credit, overlap_pairs
from bench.scoring.metrics import (
    MODES,
    Counts,
    _prf_arrays,
    macro_rows,
    mode_score_dicts,
)
from bench.scoring.report import (
    CONFIDENCE,
    Intervals,
    ModeIntervals,
    PRFInterval,
    ScoreReport,
    Signature,
    ValueIntervals,
    build_report,
    labels_of,
)
from bench.scoring.resample import (
    Interval,
    Statistic,
    bootstrap_sums,
    choose_unit,
    percentile_interval,
    safe_ratio,
    sentence_starts,
)
from bench.scoring.values import normalized_string, same_values


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


def check_layers(
    layers: Sequence[str] | None, label_set: LabelSet = SEED_LABEL_SET
) -> tuple[str, ...]:
    """The layers to score in canonical order (by default every layer of ``label_set``); an
    unknown name, or a layer the label set does not have, is a BenchError."""
    have = tuple(layer for layer in LAYERS if layer in label_set.layers)
    if not layers:
        return have
    for name in layers:
        if name not in LAYERS:
            raise ParameterError("layers", f"unknown layer {name!r} (one of {', '.join(LAYERS)})")
        if name not in have:
            raise ParameterError(
                "layers",
                f"the corpus's label set {label_set.name!r} has no layer {name!r} "
                f"(its layers: {', '.join(have)})",
            )
    return tuple(layer for layer in LAYERS if layer in layers)


# ---------------------------------------------------------------------------------------
# Spans as arrays


@dataclass
class _Spans:
    """Spans of the whole corpus as parallel arrays."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    layer: np.ndarray  # index into LAYERS
    v_none: np.ndarray
    v_num: np.ndarray  # the value as a float, NaN when it is not a number
    v_str: np.ndarray  # rank of the normalised string value, -1 when not a string
    unit: np.ndarray | None = None
    strings: list[str] | None = None  # the string values, in order, until ranked

    def __len__(self) -> int:
        return len(self.start)

    def take(self, idx: np.ndarray) -> _Spans:
        return _Spans(
            self.doc[idx],
            self.start[idx],
            self.end[idx],
            self.label[idx],
            self.layer[idx],
            self.v_none[idx],
            self.v_num[idx],
            self.v_str[idx],
            None if self.unit is None else self.unit[idx],
        )


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return math.nan
    try:
        return float(v)
    except OverflowError:
        return math.copysign(math.inf, v)  # type: ignore[arg-type]


_VALUE_KIND = {type(None): 0, int: 1, float: 2, str: 3}


def _spans(cols: SpanColumns) -> _Spans:
    """The arrays of some span columns (string ranks not yet set: see :func:`_rank_strings`)."""
    n = len(cols)
    values = cols.values
    kind = np.frombuffer(bytes(map(_VALUE_KIND.get, map(type, values), repeat(4))), np.int8)
    v_num = np.full(n, math.nan)
    is_num = (kind == 1) | (kind == 2)
    n_num = int(is_num.sum())
    if n_num:
        try:
            v_num[is_num] = np.fromiter(compress(values, is_num.tolist()), np.float64, n_num)
        except OverflowError:  # an integer beyond float range
            v_num[is_num] = [_number(v) for v in compress(values, is_num.tolist())]
    is_str = kind == 3
    v_str = np.full(n, -1, dtype=np.int64)
    v_str[is_str] = -2  # to be ranked
    strings = list(compress(values, is_str.tolist()))
    return _Spans(
        doc=cols.doc,
        start=cols.start,
        end=cols.end,
        label=cols.label,
        layer=label_layers(cols.label),
        v_none=kind == 0,
        v_num=v_num,
        v_str=v_str,
        strings=strings,  # type: ignore[arg-type]
    )


def _rank_strings(*spans: _Spans) -> None:
    """Give equal normalised strings equal ids, ranked so the ids do not depend on order."""
    distinct = set().union(*(s.strings for s in spans if s.strings is not None))
    norm = {v: normalized_string(v) for v in distinct}
    rank = {v: i for i, v in enumerate(sorted(set(norm.values())))}
    by_raw = {v: rank[x] for v, x in norm.items()}
    for s in spans:
        if s.strings is not None and len(s.strings):
            s.v_str[s.v_str == -2] = np.fromiter(
                map(by_raw.__getitem__, s.strings), dtype=np.int64, count=len(s.strings)
            )
        s.strings = None


def _canonical_order(spans: _Spans) -> np.ndarray:
    """Order by document, layer, start, end, label and value, so input order cannot matter.

    Ranks of strings follow their sorted order, so the order is the same whatever other
    strings (say, of predictions) were ranked with them; spans equal up to that are
    interchangeable.
    """
    n = len(spans)
    group = spans.doc * len(LAYERS) + spans.layer
    width = int(max(spans.end.max(initial=0), spans.start.max(initial=0))) + 1
    n_lab = len(ALL_LABELS)
    if n and (int(group.max()) + 1) * width * width * n_lab < 2**62:
        # One int64 key in the common case; the value keys matter only for exact ties.
        key = ((group * width + spans.start) * width + spans.end) * n_lab + spans.label
        order = np.argsort(key, kind="stable")
        if not np.any(key[order][1:] == key[order][:-1]):
            return order
    keys = [
        spans.v_str,
        np.nan_to_num(spans.v_num, nan=np.inf),
        spans.v_none,
        spans.label,
        spans.end,
        spans.start,
        group,
    ]
    return np.lexsort(keys)


def _values_equal(g: _Spans, gi: np.ndarray, p: _Spans, pi: np.ndarray) -> np.ndarray:
    """Per pair: values equal (:func:`bench.scoring.values.same_values`)."""
    return same_values(
        g.v_num[gi], p.v_num[pi], g.v_str[gi], p.v_str[pi], g.v_none[gi], p.v_none[pi]
    )


# ---------------------------------------------------------------------------------------
# Tallies


_OUTCOME = np.array([1, 2, 0], dtype=np.int64)  # credit 0, 1, 2: incorrect, partial, correct


def _tally(
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


def _simple_counts(
    n_keys: int,
    g_key: np.ndarray,
    p_key: np.ndarray,
    gi: np.ndarray,
    pi: np.ndarray,
    exact: np.ndarray,
    same: np.ndarray,
) -> np.ndarray:
    """Counts (mode, key, 5) when no span is in more than one pair: all pairs are aligned
    in every mode (what :func:`_tally` of :func:`max_weight_matching` gives there)."""
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


def _counts(row: np.ndarray) -> Counts:
    return Counts(*(int(x) for x in row))


@dataclass
class _Tallies:
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


def _model_tables(
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


def _collect(
    table: GoldTable,
    predictions: SpanColumns,
    present: Sequence[str],
    layers: tuple[str, ...],
    unit: str,
    ignore: bool,
    tokens: bool = False,
    min_overlap: float | None = None,
) -> _Tallies:
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

    gs, ps = _spans(table.spans), _spans(predictions)
    _rank_strings(gs, ps)
    gs, ps = gs.take(_canonical_order(gs)), ps.take(_canonical_order(ps))
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
        ps, tok_digest = _snap_to_tokens(table, ps, stride)

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
        gi, pi = _enough_overlap(gs, ps, gi, pi, min_overlap)
    exact = (gs.start[gi] == ps.start[pi]) & (gs.end[gi] == ps.end[pi])
    same = gs.label[gi] == ps.label[pi]

    n_l = len(layers)
    assert gs.unit is not None and ps.unit is not None  # set by _collect for both sides
    g_key = gs.unit * n_l + layer_pos[gs.layer]
    p_key = ps.unit * n_l + layer_pos[ps.layer]
    layer_counts = np.zeros((len(MODES), n_units, n_l, 5), dtype=np.int64)
    label_counts = np.zeros((len(MODES), len(ALL_LABELS), 5), dtype=np.int64)
    lab_gi, lab_pi, lab_exact = gi[same], pi[same], exact[same]
    simple = len(gi) == 0 or (np.bincount(gi).max() == 1 and np.bincount(pi).max() == 1)
    if simple:
        # Every span overlaps at most one of the other side: every alignment takes all
        # pairs, and each mode's outcome of a pair follows from (exact, same label).
        layer_counts[:] = _simple_counts(n_units * n_l, g_key, p_key, gi, pi, exact, same).reshape(
            len(MODES), n_units, n_l, 5
        )
        label_counts[:] = _simple_counts(
            len(ALL_LABELS), gs.label, ps.label, lab_gi, lab_pi, lab_exact, np.ones_like(lab_exact)
        )
    for m, mode in enumerate(MODES if not simple else ()):
        credit = mode_credit(mode, exact, same)
        chosen = max_weight_matching(len(gs), len(ps), gi, pi, credit)
        layer_counts[m] = _tally(n_units * n_l, g_key, p_key, gi, pi, chosen, credit).reshape(
            n_units, n_l, 5
        )
        # by_label: gold and predictions filtered to one label, aligned on their own.
        lab_credit = mode_credit(mode, lab_exact, np.ones(len(lab_gi), dtype=bool))
        lab_chosen = max_weight_matching(len(gs), len(ps), lab_gi, lab_pi, lab_credit)
        label_counts[m] = _tally(
            len(ALL_LABELS), gs.label, ps.label, lab_gi, lab_pi, lab_chosen, lab_credit
        )

    # Values: pairs of the same layer with the right value are what counts.
    value_counts = np.zeros((n_units, n_l, 2), dtype=np.int64)
    is_val = np.isin(gs.layer[gi], [LAYER_ID[x] for x in VALUE_LAYERS])
    v_gi, v_pi = gi[is_val], pi[is_val]
    if len(v_gi):
        v_ok = _values_equal(gs, v_gi, ps, v_pi)
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

    return _Tallies(
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


def _snap_to_tokens(table: GoldTable, ps: _Spans, stride: int) -> tuple[_Spans, str]:
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
    ps = ps.take(_canonical_order(ps))
    keep = first_of_overlapping(ps.doc * len(LAYERS) + ps.layer, ps.start, ps.end)
    return ps.take(np.flatnonzero(keep)), tokens_digest(table.doc_ids, present)


def _enough_overlap(
    gs: _Spans, ps: _Spans, gi: np.ndarray, pi: np.ndarray, min_overlap: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose shared characters are at least ``min_overlap`` percent of the gold
    span's length (nervaluate's ``min_overlap_percentage``)."""
    shared = np.minimum(gs.end[gi], ps.end[pi]) - np.maximum(gs.start[gi], ps.start[pi])
    length = gs.end[gi] - gs.start[gi]
    keep = shared / length * 100.0 >= min_overlap  # nervaluate's very expression
    return gi[keep], pi[keep]


# ---------------------------------------------------------------------------------------
# Report


def _interval(samples: np.ndarray) -> Interval:
    low, high = percentile_interval(samples, CONFIDENCE)
    return Interval(low=low, high=high)


def _prf_samples(credit2: np.ndarray, actual: np.ndarray, possible: np.ndarray) -> PRFInterval:
    credit = credit2 / 2.0
    return PRFInterval(
        precision=_interval(safe_ratio(credit, actual)),
        recall=_interval(safe_ratio(credit, possible)),
        f1=_interval(safe_ratio(2.0 * credit, actual + possible)),
    )


def _unit_matrix(t: _Tallies) -> np.ndarray:
    """Per-unit columns: for each layer actual, possible, credit*2 of each mode; then for
    each layer aligned value pairs and right values."""
    lc = t.layer_counts  # (mode, unit, layer, 5)
    c, i, p, m, s = (lc[..., j] for j in range(5))
    actual = (c + i + p + s)[0]  # (unit, layer): the same in every mode
    possible = (c + i + p + m)[0]
    credit2 = 2 * c + p  # (mode, unit, layer)
    cols = [actual, possible, *credit2]  # each (unit, layer)
    stacked = np.stack(cols, axis=2)  # (unit, layer, 2 + modes)
    n_units = lc.shape[1]
    return np.concatenate(
        [stacked.reshape(n_units, -1), t.value_counts.reshape(n_units, -1)], axis=1
    ).astype(np.float64)


def _intervals(t: _Tallies, resamples: int, seed: int) -> Intervals:
    mat = _unit_matrix(t)
    sums = bootstrap_sums(mat, resamples, seed)
    return _intervals_of_sums(sums, t.layers, t.unit, mat.shape[0], seed)


def _intervals_of_sums(
    sums: np.ndarray,
    layers: tuple[str, ...],
    unit: str,
    units: int,
    seed: int,
    method: str = "percentile bootstrap",
) -> Intervals:
    """Intervals from the column sums of :func:`_unit_matrix` in each resample."""
    resamples = sums.shape[0]
    n_l = len(layers)
    width = 2 + len(MODES)
    per_layer = sums[:, : n_l * width].reshape(resamples, n_l, width)
    vals = sums[:, n_l * width :].reshape(resamples, n_l, 2)

    def mode_iv(block: np.ndarray) -> ModeIntervals:
        return ModeIntervals(
            **{
                mode: _prf_samples(block[:, 2 + k], block[:, 0], block[:, 1])
                for k, mode in enumerate(MODES)
            }
        )

    by_layer = {layer: mode_iv(per_layer[:, j]) for j, layer in enumerate(layers)}
    values = {}
    for j, layer in enumerate(layers):
        if layer not in VALUE_LAYERS:
            continue
        matched, correct = vals[:, j, 0], vals[:, j, 1]
        n_pred, n_gold = per_layer[:, j, 0], per_layer[:, j, 1]
        values[layer] = ValueIntervals(
            accuracy=_interval(safe_ratio(correct, matched)),
            precision=_interval(safe_ratio(correct, n_pred)),
            recall=_interval(safe_ratio(correct, n_gold)),
            f1=_interval(safe_ratio(2.0 * correct, n_pred + n_gold)),
        )
    return Intervals(
        method=method,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        units=units,
        resamples=resamples,
        seed=seed,
        confidence=CONFIDENCE,
        overall=mode_iv(per_layer.sum(axis=1)),
        by_layer=by_layer,
        values=values,
    )


def _report(
    t: _Tallies, signature: Signature, resamples: int, seed: int, label_set: LabelSet
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
        ci=_intervals(t, resamples, seed) if resamples > 0 else None,
        relaxed=t.relaxed,
    )


def check_min_overlap(min_overlap: float | None) -> None:
    """A minimum overlap is a percentage in (0, 100]; None means any shared character."""
    if min_overlap is not None and not (0 < min_overlap <= 100):
        raise ParameterError("min_overlap", f"must be > 0 and <= 100, got {min_overlap:g}")


def _options(
    n_docs: int,
    layers: Sequence[str] | None,
    bootstrap: int,
    unit: str,
    label_set: LabelSet = SEED_LABEL_SET,
) -> tuple[tuple[str, ...], str]:
    """The layers and resampling unit to use; a bad option is a BenchError."""
    check_bootstrap(bootstrap)
    chosen_layers = check_layers(layers, label_set)
    try:
        return chosen_layers, choose_unit(n_docs, unit)
    except ValueError as exc:
        raise ParameterError("unit", str(exc)) from None


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
        tallies = _collect(table, predictions, present, layers, unit, ignore, tokens, min_overlap)
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
    chosen_layers, resampling_unit = _options(len(gold), layers, bootstrap, unit, label_set)
    with paused_gc():
        table, cols, present = _model_tables(gold, predictions)
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
    chosen_layers, resampling_unit = _options(len(table.doc_ids), layers, bootstrap, unit)
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


def unit_statistics(
    gold: Mapping[str, Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    *,
    mode: str = "strict",
    metric: str = "f1",
    layers: Sequence[str] | None = None,
    unit: str = "auto",
    ignore: bool = True,
    resamples: int = 0,
    seed: int = 0,
) -> tuple[np.ndarray, Statistic, dict[str, str]]:
    """Per-unit (credit, actual, possible) of one score, with the function that turns their
    sums into the score; the input of :func:`bench.scoring.significance.paired_significance`.

    ``mode`` is a SemEval mode or ``value:<layer>`` (value precision, recall, F1 of a layer);
    ``resamples`` and ``seed`` only go into the signature.
    """
    t = unit_tallies(gold, predictions, layers=layers, unit=unit, ignore=ignore)
    stats, statistic = t.statistics(mode, metric)
    signature = Signature(
        gold=t.digest,
        documents=len(gold),
        layers=t.layers,
        ignore=ignore,
        unit=t.unit,
        resamples=resamples,
        seed=seed,
        labels=SEED_LABEL_SET.digest(),
    )
    return stats, statistic, {"unit": t.unit, "signature": str(signature)}


@dataclass(frozen=True)
class UnitTallies:
    """Counts per resampling unit from one alignment pass, from which the per-unit statistics
    of any mode, metric and subset of the scored layers are sums (no re-alignment)."""

    layers: tuple[str, ...]
    unit: str
    digest: str
    layer_counts: np.ndarray  # (mode, unit, layer, 5)
    value_counts: np.ndarray  # (unit, layer, 2)

    def statistics(
        self, mode: str, metric: str, layers: Sequence[str] | None = None
    ) -> tuple[np.ndarray, Statistic]:
        """Per-unit (credit, actual, possible) of one score over ``layers`` (default: all
        scored), and the function that turns their sums into the score."""
        if metric not in ("precision", "recall", "f1"):
            raise ParameterError("metric", f"unknown metric {metric!r} (precision, recall or f1)")
        idx = [self.layers.index(x) for x in layers] if layers else list(range(len(self.layers)))
        chosen = [self.layers[j] for j in idx]
        lc = self.layer_counts[:, :, idx].sum(axis=2)  # (mode, unit, 5)
        actual = lc[0][:, [0, 1, 2, 4]].sum(axis=1)
        possible = lc[0][:, [0, 1, 2, 3]].sum(axis=1)
        if mode in MODES:
            m = MODES.index(mode)
            credit = lc[m][:, 0] + 0.5 * lc[m][:, 2]
        elif mode.startswith("value:") and mode[6:] in VALUE_LAYERS and mode[6:] in chosen:
            j = self.layers.index(mode[6:])
            layer_c = self.layer_counts[0, :, j]
            actual = layer_c[:, [0, 1, 2, 4]].sum(axis=1)
            possible = layer_c[:, [0, 1, 2, 3]].sum(axis=1)
            credit = self.value_counts[:, j, 1].astype(np.float64)
        else:
            raise ParameterError(
                "mode",
                f"unknown mode {mode!r} ({', '.join(MODES)}, or value:<layer> with a "
                f"scored layer among {', '.join(VALUE_LAYERS)})",
            )
        stats = np.stack([credit, actual, possible], axis=1).astype(np.float64)

        def statistic(sums: np.ndarray) -> np.ndarray:
            c, a, p = sums[..., 0], sums[..., 1], sums[..., 2]
            if metric == "precision":
                return safe_ratio(c, a)
            if metric == "recall":
                return safe_ratio(c, p)
            return safe_ratio(2.0 * c, a + p)

        return stats, statistic


def unit_tallies(
    gold: Mapping[str, Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    *,
    layers: Sequence[str] | None = None,
    unit: str = "auto",
    ignore: bool = True,
) -> UnitTallies:
    """One alignment pass over ``gold`` and ``predictions``: :class:`UnitTallies`."""
    chosen_layers, resampling_unit = _options(len(gold), layers, 0, unit)
    with paused_gc():
        table, cols, present = _model_tables(gold, predictions)
        t = _collect(table, cols, present, chosen_layers, resampling_unit, ignore)
    return UnitTallies(
        tuple(chosen_layers), resampling_unit, t.digest, t.layer_counts, t.value_counts
    )


# ---------------------------------------------------------------------------------------
# Streaming: a corpus scored batch by batch


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

    Every count of :func:`score` is a sum over documents, so each batch is aligned alone
    (:func:`_collect`, unit ``document``) and only totals are kept. What cannot be a running
    total changes (docs/scale.md, "Scoring a streamed corpus"): ``by_doc`` is left empty,
    the macro average over documents is a running mean in corpus order, intervals come from
    a Poisson bootstrap (document ``i`` is drawn ``Poisson(1)`` times in each resample, from
    a generator seeded with ``(seed, i)``), and the gold digest (:class:`GoldDigest`) is fed
    in corpus order. None of this depends on how the corpus is cut into batches.
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
            table, cols, present = _model_tables(gold, predictions)
            t = _collect(
                table,
                cols,
                present,
                self.layers,
                "document",
                self.ignore,
                self.tokens,
                self.min_overlap,
            )
        # _collect orders documents by id; back to corpus order, so sums run in corpus order.
        pos = {d: k for k, d in enumerate(t.doc_ids)}
        order = np.array([pos[d.doc_id] for d in docs], dtype=np.int64)
        missing = set(t.missing)
        per_doc = t.layer_counts.sum(axis=2)[:, order]  # (mode, doc, 5); one unit per doc
        macro_docs: list[int] = []
        macro_values: list[list[list[float]]] = []
        for m in range(len(MODES)):
            arrs = _prf_arrays(per_doc[m])
            kept = (arrs[5] > 0) | (arrs[6] > 0)
            macro_docs.append(int(kept.sum()))
            # NaN: undefined for this document
            macro_values.append(
                [[x for x in arrs[7 + j][kept].tolist() if x == x] for j in range(3)]
            )
        boot = None
        if self.bootstrap:
            mat = _unit_matrix(t)[order].astype(np.int64)
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
            ci = _intervals_of_sums(
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
