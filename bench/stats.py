"""Resampling statistics over per-unit counts: bootstrap confidence intervals and paired tests.

Scores are ratios of sums, so each resampling unit (a sentence or a document) is reduced to
its additive counts once; a resample only re-weights units and never re-aligns spans (as
sacrebleu does with sufficient statistics). Weighted sums of integer counts are exact in
float64, so results do not depend on BLAS summation order. Everything is seeded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench.errors import BenchError

if TYPE_CHECKING:
    from bench.schema import GoldDocument, PredictedSpan

# A sentence ends after . ! or ? (and closing quotes or brackets) followed by white space,
# or at a line break; the next one starts at the next non-space character.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+|\n\s*")

DOCUMENT_UNITS_FROM = 30  # with fewer documents than this, resample sentences instead


def sentence_starts(text: str) -> np.ndarray:
    """Start offsets of the sentences of ``text`` (always beginning with 0)."""
    starts = [0]
    for m in _SENTENCE_END.finditer(text):
        if m.end() < len(text) and m.end() > starts[-1]:
            starts.append(m.end())
    return np.array(starts, dtype=np.int64)


def choose_unit(n_documents: int, unit: str = "auto") -> Literal["sentence", "document"]:
    """The resampling unit: documents when there are enough of them, else sentences."""
    if unit == "auto":
        return "document" if n_documents >= DOCUMENT_UNITS_FROM else "sentence"
    if unit not in ("sentence", "document"):
        raise ValueError(f"unknown resampling unit {unit!r} (auto, sentence or document)")
    return unit  # type: ignore[return-value]


def _weights(rng: np.random.Generator, n_units: int, rows: int) -> np.ndarray:
    """How often each unit is drawn in ``rows`` bootstrap resamples of ``n_units`` draws."""
    idx = rng.integers(0, n_units, size=(rows, n_units))
    idx += (np.arange(rows, dtype=np.int64) * n_units)[:, None]
    counts = np.bincount(idx.ravel(), minlength=rows * n_units)
    return counts.reshape(rows, n_units).astype(np.float64)


def check_seed(seed: int, where: str = "--seed") -> int:
    """``seed`` when numpy can seed with it (an integer >= 0); else a one-line error."""
    if seed < 0:
        raise BenchError(f"{where}: {seed} is negative; a seed is an integer >= 0")
    return seed


def bootstrap_sums(unit_stats: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Column sums of ``resamples`` bootstrap resamples of the rows (units) of ``unit_stats``.

    Returns an array (resamples, columns). Rows are drawn with replacement, as many as there
    are units; blocks of resamples keep memory bounded for large corpora.
    """
    stats = np.asarray(unit_stats, dtype=np.float64)
    n_units = stats.shape[0]
    out = np.zeros((resamples, stats.shape[1]), dtype=np.float64)
    if n_units == 0 or resamples == 0:
        return out
    rng = np.random.default_rng(seed)
    block = max(1, min(resamples, 1_000_000 // n_units))  # ~8 MB of weights at a time
    for lo in range(0, resamples, block):
        hi = min(resamples, lo + block)
        out[lo:hi] = _weights(rng, n_units, hi - lo) @ stats
    return out


def percentile_interval(
    samples: np.ndarray, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """Percentile interval of the defined (non-NaN) samples; (None, None) if there are none."""
    values = np.asarray(samples, dtype=np.float64)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return None, None
    tail = round((1.0 - confidence) * 50.0, 9)  # 2.5 for 95%, without 2.4999...
    lo, hi = np.percentile(values, [tail, 100.0 - tail])
    return float(lo), float(hi)


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Element-wise ``num / den`` with NaN where ``den`` is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


Statistic = Callable[[np.ndarray], np.ndarray]
"""Maps summed counts (..., columns) to a score (...), NaN where undefined."""


class Interval(BaseModel):
    """A two-sided confidence interval; None bounds when the score is never defined."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float | None
    high: float | None


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
            w = _weights(rng, n_units, min(resamples, lo + block) - lo)
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
    gold: Mapping[str, tuple[GoldDocument, str]],
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
    from bench.scoring import unit_statistics

    if method not in ("ar", "bootstrap"):
        raise ValueError(f"unknown test {method!r} (ar or bootstrap)")
    if resamples is None:
        resamples = 10_000 if method == "ar" else 1000
    opts = dict(mode=mode, metric=metric, layers=layers, unit=unit, ignore=ignore)
    stats_a, statistic, info = unit_statistics(
        gold, predictions_a, resamples=resamples, seed=seed, **opts
    )
    stats_b, _, _ = unit_statistics(gold, predictions_b, **opts)
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
