"""Per-unit statistics of one score from one alignment pass: the input of paired significance
tests (:mod:`bench.scoring.significance`) and of the many-system matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.corpus.document import Document
from bench.errors import ParameterError
from bench.schema import SEED_LABEL_SET, VALUE_LAYERS, PredictedSpan
from bench.scoring.metrics import MODES
from bench.scoring.options import scoring_options
from bench.scoring.report import Signature
from bench.scoring.resample import Statistic, safe_ratio
from bench.scoring.tally import collect, model_tables, paused_gc


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
    chosen_layers, resampling_unit = scoring_options(len(gold), layers, 0, unit)
    with paused_gc():
        table, cols, present = model_tables(gold, predictions)
        t = collect(table, cols, present, chosen_layers, resampling_unit, ignore)
    return UnitTallies(
        tuple(chosen_layers), resampling_unit, t.digest, t.layer_counts, t.value_counts
    )
