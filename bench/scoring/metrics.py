"""Match counts of the SemEval-2013 Task 9.1 modes, and precision, recall and F1 derived from them.

Counts are additive (documents, layers and resamples add up field by field); scores are
derived only at the end, so an undefined ratio is ``None`` rather than 0 or 1.
See ``docs/metrics.md`` for every definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

MODES: tuple[str, ...] = ("strict", "exact", "partial", "type")
COUNT_FIELDS: tuple[str, ...] = ("correct", "incorrect", "partial", "missed", "spurious")


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or None when ``den`` is 0 (an undefined score is not 0)."""
    return num / den if den else None


def prf(credit: float, actual: float, possible: float) -> tuple[float | None, ...]:
    """Precision, recall and F1 from credit and the two denominators.

    F1 is ``2 * credit / (actual + possible)``: the harmonic mean of precision and recall
    where both are defined, 0 when one of them is undefined and the other is 0, and None
    only when there is neither gold nor prediction.
    """
    return ratio(credit, actual), ratio(credit, possible), ratio(2 * credit, actual + possible)


@dataclass(frozen=True, slots=True)
class Counts:
    """Outcome counts of one match mode over some set of spans; add them with ``+``."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.correct + other.correct,
            self.incorrect + other.incorrect,
            self.partial + other.partial,
            self.missed + other.missed,
            self.spurious + other.spurious,
        )

    @property
    def possible(self) -> int:
        """Gold spans: correct + incorrect + partial + missed."""
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        """Predicted spans: correct + incorrect + partial + spurious."""
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def credit(self) -> float:
        """Correct plus half of partial (partial is non-zero only in the partial mode)."""
        return self.correct + 0.5 * self.partial

    @property
    def precision(self) -> float | None:
        """credit / actual, None when nothing was predicted."""
        return ratio(self.credit, self.actual)

    @property
    def recall(self) -> float | None:
        """credit / possible, None when there is no gold."""
        return ratio(self.credit, self.possible)

    @property
    def f1(self) -> float | None:
        """2 * credit / (actual + possible), None when there is neither gold nor prediction."""
        return ratio(2 * self.credit, self.actual + self.possible)

    @property
    def empty(self) -> bool:
        """True when there is neither gold nor prediction (left out of macro averages)."""
        return self.actual == 0 and self.possible == 0

    def score(self) -> ModeScore:
        """The ten reported numbers of this mode."""
        return ModeScore(
            correct=self.correct,
            incorrect=self.incorrect,
            partial=self.partial,
            missed=self.missed,
            spurious=self.spurious,
            possible=self.possible,
            actual=self.actual,
            precision=self.precision,
            recall=self.recall,
            f1=self.f1,
        )


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of some counts (micro aggregation)."""
    out = Counts()
    for c in counts:
        out = out + c
    return out


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModeScore(_Frozen):
    """Counts and scores of one match mode, with exactly the ten keys of the report."""

    correct: int
    incorrect: int
    partial: int
    missed: int
    spurious: int
    possible: int
    actual: int
    precision: float | None
    recall: float | None
    f1: float | None


class ModeScores(_Frozen):
    """One :class:`ModeScore` per SemEval mode."""

    strict: ModeScore
    exact: ModeScore
    partial: ModeScore
    type: ModeScore

    @classmethod
    def of(cls, by_mode: dict[str, Counts]) -> ModeScores:
        """Build from counts keyed by mode name."""
        return cls(**{m: by_mode[m].score() for m in MODES})


class MacroScore(_Frozen):
    """Unweighted means over classes (labels or documents) of per-class scores.

    ``classes`` counts the classes with gold or predictions; each mean runs over the
    classes where that score is defined.
    """

    precision: float | None
    recall: float | None
    f1: float | None
    classes: int


class MacroScores(_Frozen):
    """One :class:`MacroScore` per SemEval mode."""

    strict: MacroScore
    exact: MacroScore
    partial: MacroScore
    type: MacroScore


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def macro(per_class: Iterable[Counts]) -> MacroScore:
    """Macro average: the mean of per-class precision, recall and F1 (empty classes left out)."""
    kept = [c for c in per_class if not c.empty]
    return MacroScore(
        precision=_mean([c.precision for c in kept]),
        recall=_mean([c.recall for c in kept]),
        f1=_mean([c.f1 for c in kept]),
        classes=len(kept),
    )


def prf_arrays(counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Columns of an (n, 5) count array: c, i, p, m, s, possible, actual, and precision,
    recall, F1 as float arrays (NaN where undefined) computed as :class:`Counts` does."""
    counts = np.asarray(counts, dtype=np.int64).reshape(-1, 5)
    c, i, p, m, s = (counts[:, j] for j in range(5))
    possible, actual = c + i + p + m, c + i + p + s
    credit = c + 0.5 * p
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(actual > 0, credit / np.maximum(actual, 1), np.nan)
        recall = np.where(possible > 0, credit / np.maximum(possible, 1), np.nan)
        f1 = np.where(actual + possible > 0, 2 * credit / np.maximum(actual + possible, 1), np.nan)
    return c, i, p, m, s, possible, actual, precision, recall, f1


def _none_for_nan(values: np.ndarray) -> list[float | None]:
    return [None if x != x else x for x in values.tolist()]


def score_dicts(counts: np.ndarray) -> list[dict[str, int | float | None]]:
    """The fields of a :class:`ModeScore` per row of an (n, 5) array of counts.

    The same float operations as :class:`Counts`, done on arrays, so reports with thousands
    of documents need no Python object per count; validate the dicts in one go.
    """
    cols = prf_arrays(counts)
    ints = np.stack(cols[:7], axis=1).tolist()
    pr, rc, f = (_none_for_nan(x) for x in cols[7:])
    return [
        {
            "correct": r[0],
            "incorrect": r[1],
            "partial": r[2],
            "missed": r[3],
            "spurious": r[4],
            "possible": r[5],
            "actual": r[6],
            "precision": pr[k],
            "recall": rc[k],
            "f1": f[k],
        }
        for k, r in enumerate(ints)
    ]


def mode_score_dicts(counts: np.ndarray) -> list[dict[str, dict[str, int | float | None]]]:
    """The fields of a :class:`ModeScores` per item of an (n, len(MODES), 5) array."""
    counts = np.asarray(counts, dtype=np.int64)
    flat = score_dicts(counts.reshape(-1, 5))
    k = len(MODES)
    return [dict(zip(MODES, flat[j : j + k], strict=True)) for j in range(0, len(flat), k)]


def macro_rows(counts: np.ndarray) -> MacroScore:
    """:func:`macro` over the rows of an (n, 5) array of per-class counts."""
    cols = prf_arrays(counts)
    kept = (cols[5] > 0) | (cols[6] > 0)

    def mean(x: np.ndarray) -> float | None:
        # Python's sum over the same floats in the same order as macro(): identical result.
        return _mean(_none_for_nan(x[kept]))

    return MacroScore(
        precision=mean(cols[7]), recall=mean(cols[8]), f1=mean(cols[9]), classes=int(kept.sum())
    )
