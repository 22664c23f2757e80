"""Spans of a corpus as parallel numpy arrays and their canonical order.

Gold and predictions become :class:`SpanArrays` (documents, offsets, labels, layers and values,
string values ranked so that equal normalised strings share an id); :func:`canonical_order`
sorts them so input order cannot matter. The gold's digest is :mod:`bench.corpus.digest`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import compress, repeat

import numpy as np

from bench.corpus.columns import SpanColumns, label_layers
from bench.schema import ALL_LABELS, LAYERS
from bench.scoring.values import normalized_string, same_values


@dataclass
class SpanArrays:
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

    def take(self, idx: np.ndarray) -> SpanArrays:
        return SpanArrays(
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


def span_arrays(cols: SpanColumns) -> SpanArrays:
    """The arrays of some span columns (string ranks not yet set: see :func:`rank_strings`)."""
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
    return SpanArrays(
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


def rank_strings(*spans: SpanArrays) -> None:
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


def canonical_order(spans: SpanArrays) -> np.ndarray:
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


def values_equal(g: SpanArrays, gi: np.ndarray, p: SpanArrays, pi: np.ndarray) -> np.ndarray:
    """Per pair: values equal (:func:`bench.scoring.values.same_values`)."""
    return same_values(
        g.v_num[gi], p.v_num[pi], g.v_str[gi], p.v_str[pi], g.v_none[gi], p.v_none[pi]
    )
