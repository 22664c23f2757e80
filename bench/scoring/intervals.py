"""Confidence intervals: the per-unit columns of some tallies, their bootstrap sums, and the
percentile intervals of every reported score (docs/metrics.md, "Confidence intervals").
"""

from __future__ import annotations

import numpy as np

from bench.schema import VALUE_LAYERS
from bench.scoring.metrics import MODES
from bench.scoring.report import CONFIDENCE, Intervals, ModeIntervals, PRFInterval, ValueIntervals
from bench.scoring.resample import Interval, bootstrap_sums, percentile_interval, safe_ratio
from bench.scoring.tally import Tallies


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


def unit_matrix(t: Tallies) -> np.ndarray:
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


def bootstrap_intervals(t: Tallies, resamples: int, seed: int) -> Intervals:
    mat = unit_matrix(t)
    sums = bootstrap_sums(mat, resamples, seed)
    return intervals_of_sums(sums, t.layers, t.unit, mat.shape[0], seed)


def intervals_of_sums(
    sums: np.ndarray,
    layers: tuple[str, ...],
    unit: str,
    units: int,
    seed: int,
    method: str = "percentile bootstrap",
) -> Intervals:
    """Intervals from the column sums of :func:`unit_matrix` in each resample."""
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
