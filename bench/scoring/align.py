"""Optimal one-to-one alignment of gold and predicted spans; pure functions over numpy arrays.

Spans are half-open ``[start, end)`` intervals. Two spans can be aligned when they share at
least one character. An alignment is a matching: each gold span and each prediction is in
at most one pair. Among all matchings we take one that maximises, in this order,

1. the credit of the mode (2 for a correct pair, 1 for a partial pair, 0 for an incorrect one),
2. the number of correct pairs (in the partial mode, an exact match stays *correct* rather
   than being traded for two partial pairs of the same credit),
3. the number of pairs (so an overlapping wrong guess is *incorrect*, not missed + spurious).

Counts follow from these three totals alone, so they cannot depend on the order of the input
or on which of several equally good matchings is returned. The work is a sort and a sweep
(``numpy.searchsorted``) to find overlapping pairs; pairs whose gold and prediction overlap
nothing else are taken directly; a component where one side has a single span takes its best
pair; only the rare components with several spans on both sides go to an exact sparse
maximum-weight assignment (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bench.scoring.metrics import MODES, Counts

IntArray = np.ndarray


def overlap_pairs(
    g_start: IntArray, g_end: IntArray, p_start: IntArray, p_end: IntArray
) -> tuple[IntArray, IntArray]:
    """All (gold, prediction) index pairs whose half-open spans share a character.

    Works for any intervals (gold may overlap itself); pairs come sorted by (gold, prediction).
    Callers put unrelated groups (documents, layers) far apart on one axis so that one call
    covers a whole corpus.
    """
    g_start = np.asarray(g_start, dtype=np.int64)
    g_end = np.asarray(g_end, dtype=np.int64)
    p_start = np.asarray(p_start, dtype=np.int64)
    p_end = np.asarray(p_end, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if len(g_start) == 0 or len(p_start) == 0:
        return empty, empty
    order = np.argsort(g_start, kind="stable")
    gs, ge = g_start[order], g_end[order]
    # reach[i]: the furthest end among gold 0..i, so every gold before `lo` ends at or
    # before the prediction's start even when gold spans nest.
    reach = np.maximum.accumulate(ge)
    hi = np.searchsorted(gs, p_end, side="left")
    lo = np.searchsorted(reach, p_start, side="right")
    cnt = np.maximum(hi - lo, 0)
    n = int(cnt.sum())
    if n == 0:
        return empty, empty
    pi = np.repeat(np.arange(len(p_start), dtype=np.int64), cnt)
    gpos = np.arange(n, dtype=np.int64) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    keep = ge[gpos] > p_start[pi]
    gi = order[gpos[keep]]
    pi = pi[keep]
    if len(gi) > 1 and not np.all(
        (gi[1:] > gi[:-1]) | ((gi[1:] == gi[:-1]) & (pi[1:] > pi[:-1]))
    ):  # already in order when both sides are sorted the same way, as the scorer's are
        srt = np.lexsort((pi, gi))
        gi, pi = gi[srt], pi[srt]
    return gi, pi


def mode_credit(mode: str, exact: IntArray, same_label: IntArray) -> IntArray:
    """Credit (in halves) of overlapping pairs in a mode: 2 correct, 1 partial, 0 incorrect."""
    exact = np.asarray(exact, dtype=bool)
    same_label = np.asarray(same_label, dtype=bool)
    if mode == "strict":
        return 2 * (exact & same_label).astype(np.int64)
    if mode == "exact":
        return 2 * exact.astype(np.int64)
    if mode == "partial":
        return 1 + exact.astype(np.int64)
    if mode == "type":
        return 2 * same_label.astype(np.int64)
    raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")


def max_weight_matching(
    n_gold: int, n_pred: int, gi: IntArray, pi: IntArray, credit: IntArray
) -> IntArray:
    """Boolean mask of the chosen edges: max credit, then max correct pairs, then max pairs.

    ``gi``/``pi``/``credit`` list the candidate edges (credit 0, 1 or 2). Ties between
    equally good matchings are broken by edge order, so give edges in a canonical order.
    """
    gi = np.asarray(gi, dtype=np.int64)
    pi = np.asarray(pi, dtype=np.int64)
    credit = np.asarray(credit, dtype=np.int64)
    chosen = np.zeros(len(gi), dtype=bool)
    if len(gi) == 0:
        return chosen
    deg_g = np.bincount(gi, minlength=n_gold)
    deg_p = np.bincount(pi, minlength=n_pred)
    simple = (deg_g[gi] == 1) & (deg_p[pi] == 1)
    chosen[simple] = True
    rest = np.flatnonzero(~simple)
    if len(rest):
        chosen[rest[_solve_components(gi[rest], pi[rest], credit[rest])]] = True
    return chosen


def _solve_components(gi: IntArray, pi: IntArray, credit: IntArray) -> IntArray:
    """Exact matching on edges that share nodes; returns the indices of chosen edges."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ug, ginv = np.unique(gi, return_inverse=True)
    up, pinv = np.unique(pi, return_inverse=True)
    ng, npr = len(ug), len(up)
    m = len(gi)
    graph = coo_matrix((np.ones(m), (ginv, ng + pinv)), shape=(ng + npr, ng + npr))
    _, comp = connected_components(graph, directed=False)
    size_g = np.bincount(comp[:ng])
    size_p = np.bincount(comp[ng:], minlength=len(size_g))
    ecomp = comp[ginv]
    small = np.minimum(size_g, size_p)
    # Weight = credit * k^2 + correct * k + 1 with k above any component's number of pairs:
    # the three criteria are compared in order (lexicographically), and the largest total,
    # 2 * k^2 * pairs, stays far below 2^53, so float64 sums are exact.
    k = int(small.max()) + 1
    weight = credit * k * k + (credit == 2) * k + 1
    out: list[IntArray] = []

    star = small[ecomp] == 1
    if star.any():
        # One side has a single span: the matching is one edge, the heaviest; ties go to
        # the earliest edge.
        idx = np.flatnonzero(star)
        srt = np.lexsort((idx, -weight[idx], ecomp[idx]))
        idx = idx[srt]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = ecomp[idx][1:] != ecomp[idx][:-1]
        out.append(idx[first])

    hard = np.flatnonzero(~star)
    if len(hard):
        out.append(hard[_assignment(ginv[hard], pinv[hard], weight[hard])])
    return np.sort(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)


def _assignment(gi: IntArray, pi: IntArray, weight: IntArray) -> IntArray:
    """Maximum-weight matching (not necessarily full) via a full matching on an extended graph.

    Rows are gold spans plus one stand-in per prediction, columns predictions plus one
    stand-in per gold span: a gold span left alone pairs with its own stand-in, a
    prediction left alone with its own, and the stand-ins of a matched pair with each other.
    Every full matching then has the same number of edges, so adding 1 to every weight (the
    solver wants non-zero weights) changes nothing.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    ug, g = np.unique(gi, return_inverse=True)
    up, p = np.unique(pi, return_inverse=True)
    ng, npr = len(ug), len(up)
    m = len(gi)
    rows = np.concatenate([g, np.arange(ng), ng + np.arange(npr), ng + p])
    cols = np.concatenate([p, npr + np.arange(ng), np.arange(npr), npr + g])
    vals = np.concatenate([weight.astype(np.float64) + 1.0, np.ones(ng + npr + m)])
    size = ng + npr
    mat = coo_matrix((vals, (rows, cols)), shape=(size, size)).tocsr()
    r, c = min_weight_full_bipartite_matching(mat, maximize=True)
    real = (r < ng) & (c < npr)
    pair_to_edge = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(g, p, strict=True))}
    return np.array(
        sorted(pair_to_edge[(int(a), int(b))] for a, b in zip(r[real], c[real], strict=True)),
        dtype=np.int64,
    )


class SpanLike(Protocol):
    """Anything with half-open offsets and a label (GoldSpan, PredictedSpan)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Alignment:
    """The pairs of one mode's alignment, with the outcome of every span."""

    mode: str
    pairs: tuple[tuple[int, int, str], ...]  # (gold index, prediction index, outcome)
    missed: tuple[int, ...]
    spurious: tuple[int, ...]

    @property
    def counts(self) -> Counts:
        """The mode's counts."""
        kinds = [k for _, _, k in self.pairs]
        return Counts(
            correct=kinds.count("correct"),
            incorrect=kinds.count("incorrect"),
            partial=kinds.count("partial"),
            missed=len(self.missed),
            spurious=len(self.spurious),
        )


OUTCOME = ("incorrect", "partial", "correct")


def align(gold: Sequence[SpanLike], pred: Sequence[SpanLike], mode: str) -> Alignment:
    """Align two lists of spans of one document (and one layer) in one mode.

    Indices in the result refer to the input lists; the input order does not change the
    counts. The scoring engine uses the array functions above on a whole corpus at once.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    g_key = sorted(range(len(gold)), key=lambda i: (gold[i].start, gold[i].end, gold[i].label))
    p_key = sorted(range(len(pred)), key=lambda i: (pred[i].start, pred[i].end, pred[i].label))
    gs = np.array([gold[i].start for i in g_key], dtype=np.int64)
    gend = np.array([gold[i].end for i in g_key], dtype=np.int64)
    ps = np.array([pred[i].start for i in p_key], dtype=np.int64)
    pend = np.array([pred[i].end for i in p_key], dtype=np.int64)
    gi, pi = overlap_pairs(gs, gend, ps, pend)
    exact = (gs[gi] == ps[pi]) & (gend[gi] == pend[pi])
    same = np.array(
        [gold[g_key[a]].label == pred[p_key[b]].label for a, b in zip(gi, pi, strict=True)],
        dtype=bool,
    )
    credit = mode_credit(mode, exact, same)
    chosen = max_weight_matching(len(gold), len(pred), gi, pi, credit)
    pairs = tuple(
        sorted(
            (g_key[int(a)], p_key[int(b)], OUTCOME[int(c)])
            for a, b, c in zip(gi[chosen], pi[chosen], credit[chosen], strict=True)
        )
    )
    used_g = {g for g, _, _ in pairs}
    used_p = {p for _, p, _ in pairs}
    return Alignment(
        mode=mode,
        pairs=pairs,
        missed=tuple(i for i in range(len(gold)) if i not in used_g),
        spurious=tuple(i for i in range(len(pred)) if i not in used_p),
    )
