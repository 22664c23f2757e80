"""Resampling over per-unit counts: resampling units, bootstrap sums and percentile intervals.

Scores are ratios of sums, so each resampling unit (a sentence or a document) is reduced to
its additive counts once; a resample only re-weights units and never re-aligns spans (as
sacrebleu does with sufficient statistics). Weighted sums of integer counts are exact in
float64, so results do not depend on BLAS summation order. Everything is seeded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench.errors import ParameterError

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


def resample_weights(rng: np.random.Generator, n_units: int, rows: int) -> np.ndarray:
    """How often each unit is drawn in ``rows`` bootstrap resamples of ``n_units`` draws."""
    idx = rng.integers(0, n_units, size=(rows, n_units))
    idx += (np.arange(rows, dtype=np.int64) * n_units)[:, None]
    counts = np.bincount(idx.ravel(), minlength=rows * n_units)
    return counts.reshape(rows, n_units).astype(np.float64)


def check_seed(seed: int, param: str = "seed") -> int:
    """``seed`` when numpy can seed with it (an integer >= 0); else a :class:`ParameterError`."""
    if seed < 0:
        raise ParameterError(param, f"{seed} is negative; a seed is an integer >= 0")
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
        out[lo:hi] = resample_weights(rng, n_units, hi - lo) @ stats
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
