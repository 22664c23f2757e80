"""Spans as columns: parallel numpy arrays over the spans of many documents (what the scorer
needs, no object per span), label and layer ids, and columns of parsed JSON objects.

numpy is imported where the columns are made, not with the module: the gold commands that
read and write files need none of it and start faster without it.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import TYPE_CHECKING

from bench.errors import BenchError
from bench.schema import ALL_LABELS, LABEL_ID, LABEL_LAYER, LAYER_ID, Value

if TYPE_CHECKING:
    import numpy as np

_LABEL_LAYER_INDEX = tuple(LAYER_ID[LABEL_LAYER[label]] for label in ALL_LABELS)
_MODEL_FIELDS = operator.itemgetter("start", "end", "label", "value", "layer")
_MODEL_FIELDS_4 = operator.itemgetter("start", "end", "label", "value")
_ATTRS = operator.attrgetter("start", "end", "label", "value", "layer")
_ATTRS_4 = operator.attrgetter("start", "end", "label", "value")
_MISSING = object()


@functools.cache
def _label_layer_array() -> np.ndarray:
    import numpy as np

    return np.array(_LABEL_LAYER_INDEX, dtype=np.int64)


def label_layers(label: np.ndarray) -> np.ndarray:
    """The layer (index into LAYERS) of each label (index into ALL_LABELS)."""
    return _label_layer_array()[label]


def label_ids(labels: list[object]) -> np.ndarray:
    """Index of each label in ALL_LABELS, -1 for anything else (a TypeError if unhashable)."""
    import numpy as np

    # bytes() of small ints is the cheapest way from a map to an array.
    ids = np.frombuffer(bytes(map(LABEL_ID.get, labels, repeat(255))), dtype=np.uint8)  # type: ignore[arg-type]
    return np.where(ids == 255, -1, ids.astype(np.int64))


@dataclass(frozen=True)
class SpanColumns:
    """Spans of many documents as parallel columns: what the scorer needs, no object per span."""

    doc: np.ndarray  # index of the span's document
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray  # index into ALL_LABELS
    values: list[Value]  # as given: None, int, float or str
    layers: list[str | None] | None = None  # a prediction's own ``layer`` field, if any is set

    def __len__(self) -> int:
        return len(self.start)

    @classmethod
    def from_spans(
        cls, groups: Sequence[Sequence[object]], what: str, *, layers: bool = False
    ) -> SpanColumns:
        """Columns of span objects, ``groups[k]`` being document k's (with ``layers``, also
        their own ``layer`` fields); an unknown label is a BenchError naming ``what``."""
        import numpy as np

        # One pass over the objects (each visit is a cache miss), reading the instance dicts
        # of the pydantic models directly, into one flat list sliced into columns.
        k = 5 if layers else 4
        fields = _MODEL_FIELDS if layers else _MODEL_FIELDS_4
        try:
            flat = list(chain.from_iterable(map(fields, map(vars, chain.from_iterable(groups)))))
        except (TypeError, KeyError):  # not pydantic models: plain attribute access
            attrs = _ATTRS if layers else _ATTRS_4
            flat = list(chain.from_iterable(map(attrs, chain.from_iterable(groups))))
        labels = flat[2::k]
        n = len(labels)
        label = label_ids(labels)
        if n and label.min() < 0:
            i = int(np.flatnonzero(label < 0)[0])
            raise BenchError(f"{what}: label: unknown label {labels[i]!r}")
        own = flat[4::5] if layers else []
        return cls(
            doc=np.repeat(np.arange(len(groups), dtype=np.int64), [len(g) for g in groups]),
            start=np.array(flat[0::k], dtype=np.int64),
            end=np.array(flat[1::k], dtype=np.int64),
            label=label,
            values=flat[3::k],
            layers=None if own.count(None) == len(own) else own,
        )


def only_types(column: list[object], *types: type) -> bool:
    """True when every item of ``column`` is exactly of one of ``types`` (no subclasses)."""
    return set(map(type, column)) <= set(types)


def dict_columns(
    items: list[object], required: tuple[str, ...], optional: tuple[str, ...], usual: int
) -> list[list[object]] | None:
    """Columns of JSON objects that have all ``required`` keys, any of ``optional`` (None
    when absent, as the models default) and nothing else; None if an item is not such an
    object. The first ``usual`` optional keys are tried as always present first (the fast
    case of files that bench wrote)."""
    n = len(items)
    first = required + optional[:usual]
    try:
        flat = list(chain.from_iterable(map(operator.itemgetter(*first), items)))  # type: ignore[arg-type]
        lengths = sum(map(len, items))  # type: ignore[arg-type]
    except (KeyError, TypeError):
        flat, lengths = None, -1
    if flat is not None and lengths == len(first) * n:
        k = len(first)
        return [flat[i::k] for i in range(k)] + [[None] * n for _ in optional[usual:]]
    if not only_types(items, dict):
        return None
    try:
        flat = list(chain.from_iterable(map(operator.itemgetter(*required), items)))  # type: ignore[arg-type]
    except KeyError:
        return None
    k = len(required)
    cols: list[list[object]] = [flat[i::k] for i in range(k)]
    expected = k * n
    for key in optional:
        col = list(map(dict.get, items, repeat(key), repeat(_MISSING)))  # type: ignore[arg-type, call-overload]
        absent = sum(x is _MISSING for x in col)
        expected += n - absent
        cols.append([None if x is _MISSING else x for x in col] if absent else col)  # type: ignore[arg-type]
    return cols if sum(map(len, items)) == expected else None  # type: ignore[arg-type]
