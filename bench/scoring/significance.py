"""Paired significance tests of two systems on the same gold: approximate randomization and
paired bootstrap over per-unit counts (:mod:`bench.scoring.resample`), as ``bench compare`` uses
them; the method is in docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench.corpus.document import Document
from bench.schema import PredictedSpan
from bench.scoring.resample import (
    Interval,
    Statistic,
    percentile_interval,
    resample_weights,
)
from bench.scoring.units import unit_statistics


class PairedResult(BaseModel):
    """Outcome of a paired significance test of system B against system A on the same gold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["ar", "bootstrap"]
    metric: str
    score_a: float | None
    score_b: float | None
    delta: float | None  # score_b - score_a
    p_value: float | None
    delta_interval: Interval | None  # bootstrap percentile interval of score_b - score_a
    unit: str
    units: int
    resamples: int
    seed: int
    signature: str = ""


def paired_test(
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    statistic: Statistic,
    *,
    method: Literal["ar", "bootstrap"] = "ar",
    resamples: int | None = None,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float | None, float | None, float | None, Interval | None]:
    """Two-sided paired test on per-unit counts of two systems (rows are the same units).

    ``ar`` (approximate randomization): each unit's counts are swapped between the systems
    with probability 1/2; p = (1 + #{|delta*| >= |delta|}) / (1 + R). ``bootstrap``
    (paired bootstrap): units are resampled jointly; the bootstrap deltas, shifted to mean
    zero, estimate the null distribution; p = (1 + #{|delta* - mean| >= |delta|}) / (1 + R),
    and the percentile interval of delta* is returned too. Returns
    (score_a, score_b, p_value, interval); p is None when the statistic is undefined.
    """
    a = np.asarray(stats_a, dtype=np.float64)
    b = np.asarray(stats_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"per-unit counts differ in shape: {a.shape} != {b.shape}")
    if resamples is None:
        resamples = 10_000 if method == "ar" else 1000
    score_a = float(statistic(a.sum(axis=0)))
    score_b = float(statistic(b.sum(axis=0)))
    sa = None if np.isnan(score_a) else score_a
    sb = None if np.isnan(score_b) else score_b
    if sa is None or sb is None or resamples <= 0:
        return sa, sb, None, None
    observed = abs(score_b - score_a)
    rng = np.random.default_rng(seed)
    n_units = a.shape[0]
    if method == "ar":
        swap = rng.integers(0, 2, size=(resamples, n_units)).astype(np.float64)
        keep = 1.0 - swap
        da = statistic(keep @ a + swap @ b)
        db = statistic(swap @ a + keep @ b)
        deltas = np.abs(db - da)
        deltas = deltas[~np.isnan(deltas)]
        # >= so that a system compared with itself gets p = 1, not a spurious 1/(R+1).
        hits = int(np.sum(deltas >= observed - 1e-12))
        return sa, sb, (hits + 1) / (len(deltas) + 1), None
    if method == "bootstrap":
        block = max(1, min(resamples, 1_000_000 // max(n_units, 1)))
        deltas_l = []
        for lo in range(0, resamples, block):
            w = resample_weights(rng, n_units, min(resamples, lo + block) - lo)
            deltas_l.append(statistic(w @ b) - statistic(w @ a))
        deltas = np.concatenate(deltas_l)
        deltas = deltas[~np.isnan(deltas)]
        if len(deltas) == 0:
            return sa, sb, None, None
        centred = np.abs(deltas - deltas.mean())
        hits = int(np.sum(centred >= observed - 1e-12))
        low, high = percentile_interval(deltas, confidence)
        return sa, sb, (hits + 1) / (len(deltas) + 1), Interval(low=low, high=high)
    raise ValueError(f"unknown test {method!r} (ar or bootstrap)")


def paired_significance(
    gold: Mapping[str, Document],
    predictions_a: Mapping[str, Sequence[PredictedSpan]],
    predictions_b: Mapping[str, Sequence[PredictedSpan]],
    *,
    mode: str = "strict",
    metric: Literal["precision", "recall", "f1"] = "f1",
    layers: Sequence[str] | None = None,
    method: Literal["ar", "bootstrap"] = "ar",
    resamples: int | None = None,
    seed: int = 0,
    unit: str = "auto",
    ignore: bool = True,
) -> PairedResult:
    """Is system B's score different from system A's on the same gold? (for ``bench compare``).

    ``mode`` is a SemEval mode (strict, exact, partial, type) or ``value:<layer>`` for the
    value F1 of a layer; ``metric`` picks precision, recall or F1 of it.
    """
    if method not in ("ar", "bootstrap"):
        raise ValueError(f"unknown test {method!r} (ar or bootstrap)")
    if resamples is None:
        resamples = 10_000 if method == "ar" else 1000
    stats_a, statistic, info = unit_statistics(
        gold,
        predictions_a,
        resamples=resamples,
        seed=seed,
        mode=mode,
        metric=metric,
        layers=layers,
        unit=unit,
        ignore=ignore,
    )
    stats_b, _, _ = unit_statistics(
        gold, predictions_b, mode=mode, metric=metric, layers=layers, unit=unit, ignore=ignore
    )
    sa, sb, p, interval = paired_test(
        stats_a, stats_b, statistic, method=method, resamples=resamples, seed=seed
    )
    return PairedResult(
        method=method,
        metric=f"{mode}.{metric}",
        score_a=sa,
        score_b=sb,
        delta=None if sa is None or sb is None else sb - sa,
        p_value=p,
        delta_interval=interval,
        unit=info["unit"],
        units=stats_a.shape[0],
        resamples=resamples,
        seed=seed,
        signature=f"{info['signature']}|test:{method}",
    )


def delta_test(
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    statistic: Statistic,
    *,
    trials: int,
    resamples: int,
    seed: int = 0,
) -> tuple[float | None, float | None, float | None, Interval | None]:
    """What ``bench compare`` shows per row: both scores, the approximate-randomization
    p-value (``trials``) and the paired-bootstrap interval of the delta (``resamples``)."""
    sa, sb, p, _ = paired_test(
        stats_a, stats_b, statistic, method="ar", resamples=trials, seed=seed
    )
    _, _, _, ci = paired_test(
        stats_a, stats_b, statistic, method="bootstrap", resamples=resamples, seed=seed
    )
    return sa, sb, p, ci
