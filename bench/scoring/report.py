"""What scoring reports: the report models, the signature, and the one report builder.

:func:`build_report` turns summed counts into a :class:`ScoreReport` for both the in-memory
engine and :class:`~bench.scoring.streaming.StreamingScorer`, so the two cannot drift apart.
The models are the file format of ``bench score --json`` and of a result's ``metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench import __version__
from bench.schema import SEED_LABEL_SET, VALUE_LAYERS, LabelSet
from bench.scoring.metrics import (
    MODES,
    Counts,
    MacroScores,
    ModeScores,
    macro_rows,
    mode_score_dicts,
)
from bench.scoring.resample import Interval

# Bump when a definition in docs/metrics.md changes (2: labels field; 3: one gold digest).
SCORING_VERSION = 3
CONFIDENCE = 0.95


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


class RelaxedScore(_Frozen):
    """TempEval-3's relaxed match of one layer: spans paired one-to-one when they share a
    character, whatever their labels and boundaries (docs/metrics.md)."""

    matched: int
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

    method: Literal["percentile bootstrap", "percentile Poisson bootstrap"] = "percentile bootstrap"
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
    relaxed: dict[str, RelaxedScore] = {}
    ci: Intervals | None

    def to_json(self) -> str:
        """Stable, indented JSON with a final newline (keys in field order)."""
        return self.model_dump_json(indent=2) + "\n"


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
    tokens: str | None = None  # token mode: digest of the tokens
    min_overlap: float | None = None
    confidence: float = CONFIDENCE
    version: str = __version__
    scoring: int = SCORING_VERSION
    labels: str = SEED_LABEL_SET.digest()  # digest of the corpus's label set
    subset: str = ""  # how a subset of the gold was chosen ("first:5"); "" for all of it

    def __str__(self) -> str:
        # ``subset`` comes last and only when set, so a full run's signature is unchanged.
        return "|".join(
            [
                f"bench:{self.version}",
                f"scoring:{self.scoring}",
                f"gold:{self.gold}",
                f"docs:{self.documents}",
                f"layers:{'+'.join(self.layers)}",
                f"labels:{self.labels}",
                "align:optimal",
                f"ignore:{'on' if self.ignore else 'off'}",
                f"ci:{self.unit}",
                f"conf:{round(self.confidence * 100)}",
                f"boot:{self.resamples}",
                f"seed:{self.seed}",
                *([f"subset:{self.subset}"] if self.subset else []),
            ]
            + ([f"tokens:{self.tokens}"] if self.tokens is not None else [])
            + ([f"overlap:{self.min_overlap:g}"] if self.min_overlap is not None else [])
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


def value_score(matched: int, correct: int, n_pred: int, n_gold: int) -> ValueScore:
    """Value accuracy over aligned pairs, and value P/R/F1 over all predictions and gold."""

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


def labels_of(layers: Sequence[str], label_set: LabelSet = SEED_LABEL_SET) -> list[str]:
    """The labels of ``layers`` in ``label_set``, layer by layer in canonical order (the
    ``by_label`` keys)."""
    return [label for layer in layers for label in label_set.labels_of(layer)]


def build_report(
    *,
    signature: str,
    documents: int,
    layers: Sequence[str],
    missing: list[str],
    ignored: int,
    by_layer_tot: np.ndarray,
    by_label_tot: np.ndarray,
    value_counts: np.ndarray,
    by_doc: Mapping[str, object],
    macro_by_doc: Mapping[str, object],
    ci: Intervals | None,
    relaxed: np.ndarray | None = None,
    label_set: LabelSet = SEED_LABEL_SET,
) -> ScoreReport:
    """The report from summed counts: ``by_layer_tot`` (layer, mode, 5), ``by_label_tot``
    (label, mode, 5) over :func:`labels_of`, ``value_counts`` (layer, 2: matched, correct)."""
    values = {}
    for j, layer in enumerate(layers):
        if layer in VALUE_LAYERS:
            c0 = Counts(*(int(x) for x in by_layer_tot[j, 0]))
            vc = value_counts[j]
            values[layer] = value_score(int(vc[0]), int(vc[1]), c0.actual, c0.possible)
    relaxed_scores = {}
    if relaxed is not None:
        for j, layer in enumerate(layers):
            c0 = Counts(*(int(x) for x in by_layer_tot[j, 0]))
            m = int(relaxed[j])
            relaxed_scores[layer] = {
                "matched": m,
                "precision": m / c0.actual if c0.actual else None,
                "recall": m / c0.possible if c0.possible else None,
                "f1": 2 * m / (c0.actual + c0.possible) if c0.actual + c0.possible else None,
            }
    # Plain dicts validated once: far faster than a model object per count.
    data = {
        "signature": signature,
        "bench_version": __version__,
        "documents": documents,
        "layers": list(layers),
        "missing_predictions": missing,
        "ignored_predictions": ignored,
        "overall": mode_score_dicts(by_layer_tot.sum(axis=0, keepdims=True))[0],
        "by_layer": dict(zip(layers, mode_score_dicts(by_layer_tot), strict=True)),
        "by_label": dict(
            zip(labels_of(layers, label_set), mode_score_dicts(by_label_tot), strict=True)
        ),
        "by_doc": dict(by_doc),
        "macro": {
            "by_label": {m: macro_rows(by_label_tot[:, k]) for k, m in enumerate(MODES)},
            "by_doc": dict(macro_by_doc),
        },
        "values": values,
        "relaxed": relaxed_scores,
        "ci": ci,
    }
    return ScoreReport.model_validate(data)
