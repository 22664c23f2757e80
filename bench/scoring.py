"""The scoring engine: gold and predictions in, a :class:`ScoreReport` out.

One pass over the whole corpus: spans become numpy arrays, every (document, layer) is laid
out on one axis so that a single sort-and-sweep finds all overlapping pairs, and each mode's
optimal alignment (:mod:`bench.align`) is tallied into additive counts per resampling unit.
Everything reported (overall, by layer, by label, by document, macro averages, values,
confidence intervals) is a sum or a ratio of those counts. Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench import __version__
from bench.align import max_weight_matching, mode_credit, overlap_pairs
from bench.errors import BenchError
from bench.metrics import (
    MODES,
    Counts,
    MacroScores,
    ModeScores,
    macro,
)
from bench.schema import ALL_LABELS, LABEL_LAYER, LAYER_LABELS, LAYERS, GoldDocument, PredictedSpan
from bench.stats import (
    Interval,
    bootstrap_sums,
    choose_unit,
    percentile_interval,
    safe_ratio,
    sentence_starts,
)

SCORING_VERSION = 1  # bump when a definition in docs/metrics.md changes
VALUE_LAYERS: tuple[str, ...] = ("time", "number")
NUMBER_RTOL = 1e-9
CONFIDENCE = 0.95

_LABEL_ID = {label: i for i, label in enumerate(ALL_LABELS)}
_LAYER_ID = {layer: i for i, layer in enumerate(LAYERS)}
_LABEL_LAYER_ID = np.array([_LAYER_ID[LABEL_LAYER[label]] for label in ALL_LABELS])


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueScore(_Frozen):
    """Value scores of one layer: accuracy over aligned pairs and a TempEval-3 style F1."""

    matched: int
    correct: int
    accuracy: float | None
    precision: float | None
    recall: float | None
    f1: float | None


class PRFInterval(_Frozen):
    """Confidence intervals of precision, recall and F1."""

    precision: Interval
    recall: Interval
    f1: Interval


class ModeIntervals(_Frozen):
    """One :class:`PRFInterval` per SemEval mode."""

    strict: PRFInterval
    exact: PRFInterval
    partial: PRFInterval
    type: PRFInterval


class ValueIntervals(_Frozen):
    """Confidence intervals of the value scores of one layer."""

    accuracy: Interval
    precision: Interval
    recall: Interval
    f1: Interval


class Intervals(_Frozen):
    """Percentile bootstrap confidence intervals, resampling sentences or documents."""

    method: Literal["percentile bootstrap"] = "percentile bootstrap"
    unit: Literal["sentence", "document"]
    units: int
    resamples: int
    seed: int
    confidence: float
    overall: ModeIntervals
    by_layer: dict[str, ModeIntervals]
    values: dict[str, ValueIntervals]


class Macro(_Frozen):
    """Macro averages over labels and over documents."""

    by_label: MacroScores
    by_doc: MacroScores


class ScoreReport(_Frozen):
    """Everything ``bench score`` reports; its JSON is byte-identical for identical inputs."""

    schema_version: Literal[1] = 1
    signature: str
    bench_version: str
    documents: int
    layers: list[str]
    missing_predictions: list[str]
    ignored_predictions: int
    overall: ModeScores
    by_layer: dict[str, ModeScores]
    by_label: dict[str, ModeScores]
    by_doc: dict[str, ModeScores]
    macro: Macro
    values: dict[str, ValueScore]
    ci: Intervals | None

    def to_json(self) -> str:
        """Stable, indented JSON with a final newline."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Signature:
    """What a score depends on besides the predictions; compare numbers only when equal."""

    gold: str
    documents: int
    layers: tuple[str, ...]
    ignore: bool
    unit: str
    resamples: int
    seed: int
    confidence: float = CONFIDENCE
    version: str = __version__
    scoring: int = SCORING_VERSION

    def __str__(self) -> str:
        return "|".join(
            [
                f"bench:{self.version}",
                f"scoring:{self.scoring}",
                f"gold:{self.gold}",
                f"docs:{self.documents}",
                f"layers:{'+'.join(self.layers)}",
                "align:optimal",
                f"ignore:{'on' if self.ignore else 'off'}",
                f"ci:{self.unit}",
                f"conf:{round(self.confidence * 100)}",
                f"boot:{self.resamples}",
                f"seed:{self.seed}",
            ]
        )


def parse_signature(signature: str) -> dict[str, str]:
    """The fields of a signature string, ``{"bench": "0.1.0", "gold": ..., ...}``."""
    out: dict[str, str] = {}
    for part in signature.split("|"):
        key, sep, val = part.partition(":")
        if not sep:
            raise ValueError(f"malformed signature field {part!r}")
        out[key] = val
    return out


def gold_digest(gold: Mapping[str, tuple[GoldDocument, str]]) -> str:
    """12 hex digits identifying the gold: texts, spans, values and ignore regions."""
    h = hashlib.sha256()
    for doc_id in sorted(gold):
        g, _text = gold[doc_id]
        item = {
            "doc_id": doc_id,
            "text": g.text_sha256,
            "spans": sorted(
                [s.start, s.end, s.layer, s.label, json.dumps(s.value)] for s in g.spans
            ),
            "ignore": sorted([r.start, r.end] for r in g.ignore),
        }
        h.update(json.dumps(item, sort_keys=True).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:12]


def check_layers(layers: Sequence[str] | None) -> tuple[str, ...]:
    """The layers to score in canonical order; an unknown name is a BenchError."""
    if not layers:
        return LAYERS
    for name in layers:
        if name not in LAYERS:
            raise BenchError(f"--layer: unknown layer {name!r} (one of {', '.join(LAYERS)})")
    return tuple(layer for layer in LAYERS if layer in layers)


# ---------------------------------------------------------------------------------------
# Spans as arrays


@dataclass
class _Spans:
    """Spans of the whole corpus as parallel arrays, in canonical order."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    layer: np.ndarray  # index into LAYERS
    v_none: np.ndarray
    v_num: np.ndarray
    v_str: np.ndarray  # rank of the normalised string, -1 when not a string
    unit: np.ndarray = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.start)

    def take(self, idx: np.ndarray) -> _Spans:
        return _Spans(
            *(getattr(self, f)[idx] for f in ("doc", "start", "end", "label", "layer")),
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


def _build(
    docs: list[int], starts: list[int], ends: list[int], labels: list[str], values: list[object]
) -> tuple[_Spans, list[str]]:
    n = len(starts)
    label_ids = np.fromiter((_LABEL_ID[x] for x in labels), dtype=np.int64, count=n)
    strings = [v.strip().upper() if isinstance(v, str) else None for v in values]
    spans = _Spans(
        doc=np.array(docs, dtype=np.int64),
        start=np.array(starts, dtype=np.int64),
        end=np.array(ends, dtype=np.int64),
        label=label_ids,
        layer=_LABEL_LAYER_ID[label_ids] if n else np.zeros(0, dtype=np.int64),
        v_none=np.fromiter((v is None for v in values), dtype=bool, count=n),
        v_num=np.fromiter((_number(v) for v in values), dtype=np.float64, count=n),
        v_str=np.full(n, -1, dtype=np.int64),
    )
    return spans, strings  # type: ignore[return-value]


def _rank_strings(*pairs: tuple[_Spans, list[str | None]]) -> None:
    """Give equal normalised strings equal ids, ranked so the ids do not depend on order."""
    vocab = sorted({s for _, strs in pairs for s in strs if s is not None})
    rank = {s: i for i, s in enumerate(vocab)}
    for spans, strs in pairs:
        spans.v_str = np.fromiter(
            (-1 if s is None else rank[s] for s in strs), dtype=np.int64, count=len(strs)
        )


def _canonical(spans: _Spans) -> _Spans:
    """Sort by document, layer, start, end, label and value, so input order cannot matter."""
    order = np.lexsort(
        (
            spans.v_str,
            np.nan_to_num(spans.v_num, nan=np.inf),
            spans.v_none,
            spans.label,
            spans.end,
            spans.start,
            spans.layer,
            spans.doc,
        )
    )
    return spans.take(order)


def _values_equal(g: _Spans, gi: np.ndarray, p: _Spans, pi: np.ndarray) -> np.ndarray:
    """Per pair: values equal (TIMEX3 strings case-insensitively, numbers within 1e-9 rel.)."""
    gn, pn = g.v_num[gi], p.v_num[pi]
    both_num = np.isfinite(gn) & np.isfinite(pn)
    with np.errstate(invalid="ignore"):
        close = np.abs(gn - pn) <= NUMBER_RTOL * np.maximum(np.abs(gn), np.abs(pn))
    same_str = (g.v_str[gi] >= 0) & (g.v_str[gi] == p.v_str[pi])
    both_none = g.v_none[gi] & p.v_none[pi]
    return (both_num & close) | same_str | both_none


# ---------------------------------------------------------------------------------------
# Tallies


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
    out = np.zeros((n_keys, 5), dtype=np.int64)
    mg, mp, c = gi[chosen], pi[chosen], credit[chosen]
    k = g_key[mg]
    out[:, 0] = np.bincount(k[c == 2], minlength=n_keys)
    out[:, 1] = np.bincount(k[c == 0], minlength=n_keys)
    out[:, 2] = np.bincount(k[c == 1], minlength=n_keys)
    g_free = np.ones(len(g_key), dtype=bool)
    g_free[mg] = False
    p_free = np.ones(len(p_key), dtype=bool)
    p_free[mp] = False
    out[:, 3] = np.bincount(g_key[g_free], minlength=n_keys)
    out[:, 4] = np.bincount(p_key[p_free], minlength=n_keys)
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


def _collect(
    gold: Mapping[str, tuple[GoldDocument, str]],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    layers: tuple[str, ...],
    unit: str,
    ignore: bool,
) -> _Tallies:
    doc_ids = sorted(gold)
    unknown = sorted(set(predictions) - set(gold))
    if unknown:
        raise BenchError(
            f"predictions: doc_id: {unknown[0]!r} is not a gold document"
            + (f" (+{len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    missing = [d for d in doc_ids if d not in predictions]
    wanted = np.zeros(len(LAYERS), dtype=bool)
    wanted[[_LAYER_ID[x] for x in layers]] = True
    layer_pos = np.full(len(LAYERS), -1, dtype=np.int64)
    layer_pos[[_LAYER_ID[x] for x in layers]] = np.arange(len(layers))

    g_cols: tuple[list, ...] = ([], [], [], [], [])
    p_cols: tuple[list, ...] = ([], [], [], [], [])
    r_doc: list[int] = []
    r_start: list[int] = []
    r_end: list[int] = []
    text_len = np.zeros(len(doc_ids), dtype=np.int64)
    sent_starts: list[np.ndarray] = []
    n_units = 0
    for k, doc_id in enumerate(doc_ids):
        g, text = gold[doc_id]
        text_len[k] = len(text)
        if unit == "sentence":
            ss = sentence_starts(text)
        else:
            ss = np.zeros(1, dtype=np.int64)
        sent_starts.append(ss)
        n_units += len(ss)
        for sp in g.spans:
            g_cols[0].append(k)
            g_cols[1].append(sp.start)
            g_cols[2].append(sp.end)
            g_cols[3].append(sp.label)
            g_cols[4].append(sp.value)
        for reg in g.ignore:
            r_doc.append(k)
            r_start.append(reg.start)
            r_end.append(reg.end)
        pred = predictions.get(doc_id, ())
        for i, sp in enumerate(pred):
            if sp.layer is not None and sp.layer != LABEL_LAYER[sp.label]:
                raise BenchError(
                    f"predictions: {doc_id}: spans[{i}].layer: {sp.label!r} is a label of "
                    f"layer {LABEL_LAYER[sp.label]!r}, not {sp.layer!r}"
                )
            if not (0 <= sp.start < sp.end <= len(text)):
                raise BenchError(
                    f"predictions: {doc_id}: spans[{i}].end: offsets {sp.start}:{sp.end} "
                    f"not within 0 <= start < end <= {len(text)}"
                )
        p_cols[0].extend([k] * len(pred))
        p_cols[1].extend(sp.start for sp in pred)
        p_cols[2].extend(sp.end for sp in pred)
        p_cols[3].extend(sp.label for sp in pred)
        p_cols[4].extend(sp.value for sp in pred)

    gs, g_str = _build(*g_cols)
    ps, p_str = _build(*p_cols)
    _rank_strings((gs, g_str), (ps, p_str))

    # Drop predictions of other layers, then those touching an ignore region.
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

    gs, ps = _canonical(gs), _canonical(ps)
    # A span belongs to the unit (sentence or document) its start falls in.
    unit_doc = np.repeat(np.arange(len(doc_ids)), [len(s) for s in sent_starts])
    unit_pos = unit_doc * stride + np.concatenate(sent_starts) if sent_starts else unit_doc
    for spans in (gs, ps):
        spans.unit = np.searchsorted(unit_pos, spans.doc * stride + spans.start, "right") - 1

    # One axis for the corpus: group (document, layer) g occupies [g*stride, (g+1)*stride).
    n_lay = len(LAYERS)
    g_off = (gs.doc * n_lay + gs.layer) * stride
    p_off = (ps.doc * n_lay + ps.layer) * stride
    gi, pi = overlap_pairs(g_off + gs.start, g_off + gs.end, p_off + ps.start, p_off + ps.end)
    exact = (gs.start[gi] == ps.start[pi]) & (gs.end[gi] == ps.end[pi])
    same = gs.label[gi] == ps.label[pi]

    n_l = len(layers)
    g_key = gs.unit * n_l + layer_pos[gs.layer]
    p_key = ps.unit * n_l + layer_pos[ps.layer]
    layer_counts = np.zeros((len(MODES), n_units, n_l, 5), dtype=np.int64)
    label_counts = np.zeros((len(MODES), len(ALL_LABELS), 5), dtype=np.int64)
    lab_gi, lab_pi, lab_exact = gi[same], pi[same], exact[same]
    for m, mode in enumerate(MODES):
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
    is_val = np.isin(gs.layer[gi], [_LAYER_ID[x] for x in VALUE_LAYERS])
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
    )


# ---------------------------------------------------------------------------------------
# Report


def _value_score(matched: int, correct: int, n_pred: int, n_gold: int) -> ValueScore:
    def r(a: float, b: float) -> float | None:
        return a / b if b else None

    return ValueScore(
        matched=matched,
        correct=correct,
        accuracy=r(correct, matched),
        precision=r(correct, n_pred),
        recall=r(correct, n_gold),
        f1=r(2 * correct, n_pred + n_gold),
    )


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
    n_l = len(t.layers)
    width = 2 + len(MODES)
    sums = bootstrap_sums(mat, resamples, seed)
    per_layer = sums[:, : n_l * width].reshape(resamples, n_l, width)
    vals = sums[:, n_l * width :].reshape(resamples, n_l, 2)

    def mode_iv(block: np.ndarray) -> ModeIntervals:
        return ModeIntervals(
            **{
                mode: _prf_samples(block[:, 2 + k], block[:, 0], block[:, 1])
                for k, mode in enumerate(MODES)
            }
        )

    by_layer = {layer: mode_iv(per_layer[:, j]) for j, layer in enumerate(t.layers)}
    values = {}
    for j, layer in enumerate(t.layers):
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
        unit=t.unit,  # type: ignore[arg-type]
        units=mat.shape[0],
        resamples=resamples,
        seed=seed,
        confidence=CONFIDENCE,
        overall=mode_iv(per_layer.sum(axis=1)),
        by_layer=by_layer,
        values=values,
    )


def _report(t: _Tallies, signature: Signature, resamples: int, seed: int) -> ScoreReport:
    lc = t.layer_counts  # (mode, unit, layer, 5)
    by_layer_tot = lc.sum(axis=1)  # (mode, layer, 5)
    doc_starts = np.searchsorted(t.unit_doc, np.arange(len(t.doc_ids)))
    by_doc_tot = np.add.reduceat(lc.sum(axis=2), doc_starts, axis=1)  # (mode, doc, 5)

    def scores(rows: np.ndarray) -> ModeScores:  # rows: (mode, 5)
        return ModeScores.of({mode: _counts(rows[m]) for m, mode in enumerate(MODES)})

    labels = [label for layer in t.layers for label in LAYER_LABELS[layer]]
    label_idx = [_LABEL_ID[x] for x in labels]
    macro_scores = Macro(
        by_label=MacroScores(
            **{
                mode: macro(_counts(t.label_counts[m, j]) for j in label_idx)
                for m, mode in enumerate(MODES)
            }
        ),
        by_doc=MacroScores(
            **{
                mode: macro(_counts(by_doc_tot[m, d]) for d in range(len(t.doc_ids)))
                for m, mode in enumerate(MODES)
            }
        ),
    )
    vc = t.value_counts.sum(axis=0)  # (layer, 2)
    values = {}
    for j, layer in enumerate(t.layers):
        if layer in VALUE_LAYERS:
            c0 = _counts(by_layer_tot[0, j])
            values[layer] = _value_score(int(vc[j, 0]), int(vc[j, 1]), c0.actual, c0.possible)
    return ScoreReport(
        signature=str(signature),
        bench_version=__version__,
        documents=len(t.doc_ids),
        layers=list(t.layers),
        missing_predictions=t.missing,
        ignored_predictions=t.ignored,
        overall=scores(by_layer_tot.sum(axis=1)),
        by_layer={layer: scores(by_layer_tot[:, j]) for j, layer in enumerate(t.layers)},
        by_label={label: scores(t.label_counts[:, _LABEL_ID[label]]) for label in labels},
        by_doc={doc: scores(by_doc_tot[:, d]) for d, doc in enumerate(t.doc_ids)},
        macro=macro_scores,
        values=values,
        ci=_intervals(t, resamples, seed) if resamples > 0 else None,
    )


def score(
    gold: Mapping[str, tuple[GoldDocument, str]],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    *,
    layers: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    ignore: bool = True,
    unit: str = "auto",
) -> ScoreReport:
    """Score predictions against gold (as from ``load_gold_dir``) in every SemEval mode.

    ``predictions`` maps doc_id to spans; a gold document without an entry predicts nothing
    (listed in ``missing_predictions``). ``bootstrap`` resamples (0: no intervals) drawn
    with ``seed``; ``unit`` is the resampling unit (auto, sentence, document); ``ignore``
    drops predictions touching an ignore region before matching.
    """
    if bootstrap < 0:
        raise BenchError(f"--bootstrap: must be >= 0, got {bootstrap}")
    chosen_layers = check_layers(layers)
    try:
        resampling_unit = choose_unit(len(gold), unit)
    except ValueError as exc:
        raise BenchError(f"--unit: {exc}") from None
    tallies = _collect(gold, predictions, chosen_layers, resampling_unit, ignore)
    signature = Signature(
        gold=gold_digest(gold),
        documents=len(gold),
        layers=chosen_layers,
        ignore=ignore,
        unit=resampling_unit,
        resamples=bootstrap,
        seed=seed,
    )
    return _report(tallies, signature, bootstrap, seed)


def unit_statistics(
    gold: Mapping[str, tuple[GoldDocument, str]],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    *,
    mode: str = "strict",
    metric: str = "f1",
    layers: Sequence[str] | None = None,
    unit: str = "auto",
    ignore: bool = True,
) -> tuple[np.ndarray, object, dict[str, str]]:
    """Per-unit (credit, actual, possible) of one score, with the function that turns their
    sums into the score; the input of :func:`bench.stats.paired_significance`.

    ``mode`` is a SemEval mode or ``value:<layer>`` (value precision, recall, F1 of a layer).
    """
    if metric not in ("precision", "recall", "f1"):
        raise BenchError(f"--metric: unknown metric {metric!r} (precision, recall or f1)")
    chosen_layers = check_layers(layers)
    resampling_unit = choose_unit(len(gold), unit)
    t = _collect(gold, predictions, chosen_layers, resampling_unit, ignore)
    lc = t.layer_counts.sum(axis=2)  # (mode, unit, 5)
    actual = lc[0][:, [0, 1, 2, 4]].sum(axis=1)
    possible = lc[0][:, [0, 1, 2, 3]].sum(axis=1)
    if mode in MODES:
        m = MODES.index(mode)
        credit = lc[m][:, 0] + 0.5 * lc[m][:, 2]
    elif mode.startswith("value:") and mode[6:] in VALUE_LAYERS and mode[6:] in chosen_layers:
        j = chosen_layers.index(mode[6:])
        layer_c = t.layer_counts[0, :, j]
        actual = layer_c[:, [0, 1, 2, 4]].sum(axis=1)
        possible = layer_c[:, [0, 1, 2, 3]].sum(axis=1)
        credit = t.value_counts[:, j, 1].astype(np.float64)
    else:
        raise BenchError(
            f"--mode: unknown mode {mode!r} ({', '.join(MODES)}, or value:<layer> with a "
            f"scored layer among {', '.join(VALUE_LAYERS)})"
        )
    stats = np.stack([credit, actual, possible], axis=1).astype(np.float64)

    def statistic(sums: np.ndarray) -> np.ndarray:
        c, a, p = sums[..., 0], sums[..., 1], sums[..., 2]
        if metric == "precision":
            return safe_ratio(c, a)
        if metric == "recall":
            return safe_ratio(c, p)
        return safe_ratio(2.0 * c, a + p)

    signature = Signature(
        gold=gold_digest(gold),
        documents=len(gold),
        layers=chosen_layers,
        ignore=ignore,
        unit=resampling_unit,
        resamples=0,
        seed=0,
    )
    return stats, statistic, {"unit": resampling_unit, "signature": str(signature)}
