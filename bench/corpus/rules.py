"""The gold rules, written once: what makes the spans and ignore regions of a gold document
valid over its text.

The rules are stated on columns (:func:`span_faults`, :func:`region_problems`,
:func:`value_faults`), over the spans of any number of documents at once. Both ways of reading
gold apply them: :func:`check_gold_spans` runs them on one document and words a
:class:`Violation` for every span that breaks one (``bench gold validate``, ``load_gold_dir``,
streamed corpora); :func:`bench.corpus.goldtable.load_gold_table` runs them on all spans of a
directory and only asks whether any broke.

A span with offsets outside its text breaks only the offsets rule; the order, overlap and
ignore rules are taken over the spans whose offsets are good.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

from bench.corpus.columns import label_ids
from bench.errors import shorten
from bench.schema import (
    ALL_LABELS,
    LABEL_ID,
    LABEL_LAYER,
    LAYER_ID,
    LAYER_LABELS,
    LAYERS,
    GoldDocument,
    is_finite,
    value_problem,
)
from bench.timex import is_timex_value

if TYPE_CHECKING:
    import numpy as np

    from bench.corpus.document import Document


@dataclass(frozen=True)
class Violation:
    """One broken rule in one file: printed as ``FILE:LINE: field: problem``."""

    path: str
    field: str
    problem: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.field}: {self.problem}"


def region_problems(regions: Sequence[tuple[int, int]], n: int) -> list[tuple[int, str, str]]:
    """``(index, field, problem)`` for each ignore region not inside ``0:n`` and each one that
    overlaps another (named after the earlier one in (start, end) order)."""
    out = [
        (i, "end", f"region {s}:{e} is not inside 0:{n}")
        for i, (s, e) in enumerate(regions)
        if not (0 <= s < e <= n)
    ]
    valid = sorted((s, e, i) for i, (s, e) in enumerate(regions) if 0 <= s < e <= n)
    for (s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(valid):
        if s2 < e1:
            out.append((i2, "start", f"overlaps ignore[{i1}] ({s1}:{e1})"))
    return out


def token_problem(tokens: Sequence[tuple[int, int]], text_len: int) -> str | None:
    """Why ``tokens`` are not sorted, non-empty, non-overlapping offsets into a text of
    ``text_len`` characters, or None when they are."""
    prev_end = 0
    for i, (a, b) in enumerate(tokens):
        if not 0 <= a < b <= text_len:
            return f"tokens[{i}]: {a}:{b} not within 0 <= start < end <= {text_len}"
        if a < prev_end:
            return f"tokens[{i}]: {a}:{b} starts before the end of tokens[{i - 1}] ({prev_end})"
        prev_end = b
    return None


_VALUE_TYPE = {type(None): 0, int: 1, float: 2, str: 3}


def value_faults(values: Sequence[object], layer: np.ndarray, *, gold: bool) -> np.ndarray:
    """Which values are not well-formed for their layer (index into LAYERS): for gold, what
    :func:`bench.schema.value_problem` refuses; for predictions any string passes in the time
    layer, and null anywhere."""
    import numpy as np

    kind = np.frombuffer(bytes(map(_VALUE_TYPE.get, map(type, values), repeat(9))), np.int8)
    entity, time, number = (layer == LAYER_ID[x] for x in LAYERS)
    bad = (kind == 9) | (entity & (kind != 0)) | (number & (kind == 3))
    bad |= time & (kind != 3) if gold else time & (kind != 0) & (kind != 3)
    if gold:
        times = np.flatnonzero(time & (kind == 3)).tolist()
        wrong = {v for v in {values[i] for i in times} if not is_timex_value(v)}  # type: ignore[arg-type]
        if wrong:
            bad[[i for i in times if values[i] in wrong]] = True
    numbers = np.flatnonzero(number & ((kind == 1) | (kind == 2))).tolist()
    if numbers:
        try:
            finite = np.isfinite(np.array([values[i] for i in numbers], dtype=np.float64))
        except OverflowError:  # an integer beyond a float
            finite = np.array([is_finite(values[i]) for i in numbers], dtype=bool)  # type: ignore[arg-type]
        bad[np.array(numbers, dtype=np.int64)[~finite]] = True
    return bad


def values_fit_layers(values: Sequence[object], layer: np.ndarray, *, gold: bool) -> bool:
    """True when no value breaks :func:`value_faults`."""
    return not value_faults(values, layer, gold=gold).any()


@dataclass(frozen=True)
class SpanFaults:
    """The spans that break each rule: masks, or the index of the witness (-1 for none)."""

    offsets: np.ndarray  # not 0 <= start < end <= len(text)
    text: np.ndarray  # ``text`` is not the slice of the document
    space: np.ndarray  # the slice has outer white space (where the text matches)
    label: np.ndarray  # the label is not one of the span's layer
    value: np.ndarray  # the value is not well-formed for the layer
    after: np.ndarray  # an earlier span of the document that sorts after this one
    overlaps: np.ndarray  # an earlier span of the document and layer that this one overlaps
    region: np.ndarray  # the ignore region (index in the document's list) it lies in

    def any(self) -> bool:
        """True when some span breaks some rule."""
        return bool(
            self.offsets.any()
            or self.text.any()
            or self.space.any()
            or self.label.any()
            or self.value.any()
            or (self.after >= 0).any()
            or (self.overlaps >= 0).any()
            or (self.region >= 0).any()
        )

    def mask(self) -> np.ndarray:
        """Which spans break some rule."""
        return (
            self.offsets
            | self.text
            | self.space
            | self.label
            | self.value
            | (self.after >= 0)
            | (self.overlaps >= 0)
            | (self.region >= 0)
        )


def span_faults(
    texts: Sequence[str],
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    pieces: Sequence[object],
    layer: np.ndarray,
    label: np.ndarray,
    values: Sequence[object],
    regions: Sequence[Sequence[tuple[int, int]]],
    nested: Sequence[Iterable[str] | None] | None = None,
    labels: Mapping[str, Sequence[str]] = LAYER_LABELS,
) -> SpanFaults:
    """Every span rule over the spans of ``texts``: ``doc`` (non-decreasing) is each span's
    document, ``layer`` its own layer (index into LAYERS), ``label`` its label (index into
    ALL_LABELS, -1 for an unknown one), ``regions[k]`` document k's ignore regions and
    ``nested[k]`` the layers whose spans may overlap in document k (none when not given) and
    ``labels`` the label set (layer -> its labels; the seeds' by default)."""
    import numpy as np

    n = len(start)
    text_len = np.array([len(t) for t in texts], dtype=np.int64)
    bad_offsets = ~((start >= 0) & (start < end) & (end <= text_len[doc]))
    good = np.flatnonzero(~bad_offsets)
    all_good = len(good) == n
    g_doc, g_start, g_end = (doc, start, end) if all_good else (doc[good], start[good], end[good])
    g_layer = layer if all_good else layer[good]
    g_pieces = pieces if all_good else [pieces[i] for i in good.tolist()]

    def spread(mask: np.ndarray) -> np.ndarray:  # a mask over the good spans, over all
        if all_good:
            return mask
        out = np.zeros(n, dtype=bool)
        out[good] = mask
        return out

    def spread_index(idx: np.ndarray) -> np.ndarray:  # witnesses among the good, over all
        if all_good:
            return idx
        out = np.full(n, -1, dtype=np.int64)
        found = idx >= 0
        out[good[found]] = good[idx[found]]
        return out

    def place(values: np.ndarray) -> np.ndarray:  # values of the good spans, -1 elsewhere
        out = np.full(n, -1, dtype=np.int64)
        out[good] = values
        return out

    # The text of every span is its slice of the document, without outer white space.
    slices = list(
        map(
            str.__getitem__,
            map(texts.__getitem__, g_doc.tolist()),
            map(slice, g_start.tolist(), g_end.tolist()),
        )
    )
    text_bad: np.ndarray
    space_bad: np.ndarray
    if slices == g_pieces:
        text_bad = np.zeros(len(good), dtype=bool)
    else:
        text_bad = np.fromiter(map(operator.ne, slices, g_pieces), dtype=bool, count=len(good))  # type: ignore[arg-type]
    stripped = list(map(str.strip, slices))
    if stripped == slices:
        space_bad = np.zeros(len(good), dtype=bool)
    else:
        space_bad = np.fromiter(map(str.__ne__, stripped, slices), dtype=bool, count=len(good))
        space_bad &= ~text_bad

    # The label is one of the layer's in the label set.
    label_bad = ~_allowed_labels(labels)[layer, label]  # (an unknown label, -1: the last column)
    value_bad = value_faults(values, layer, gold=True)

    # Sorted by (start, end) within each document.
    after = np.full(len(good), -1, dtype=np.int64)
    if len(good) > 1:
        same = g_doc[1:] == g_doc[:-1]
        before = (g_start[1:] < g_start[:-1]) | (
            (g_start[1:] == g_start[:-1]) & (g_end[1:] < g_end[:-1])
        )
        later = np.flatnonzero(same & before) + 1
        after[later] = later - 1

    overlaps = _overlaps(g_doc, g_start, g_end, g_layer, text_len)
    if nested is not None and any(nested):
        # A nested layer's spans may overlap (the one running witness is still kept, as a
        # flat layer's would be, so flat layers are checked alike either way).
        allowed = np.zeros((len(texts), len(LAYERS)), dtype=bool)
        for k, layers in enumerate(nested):
            for name in layers or ():
                allowed[k, LAYER_ID[name]] = True
        overlaps[allowed[g_doc, g_layer]] = -1

    # No span in an ignore region (the first such region in (start, end) order is named).
    region = np.full(len(good), -1, dtype=np.int64)
    for k in [k for k, doc_regions in enumerate(regions) if doc_regions]:
        lo, hi = np.searchsorted(g_doc, [k, k + 1])
        if lo == hi:
            continue
        s, e, where = g_start[lo:hi], g_end[lo:hi], region[lo:hi]
        m = len(texts[k])
        for rs, re_, j in sorted(
            (rs, re_, j) for j, (rs, re_) in enumerate(regions[k]) if 0 <= rs < re_ <= m
        ):
            where[(where < 0) & (s < re_) & (rs < e)] = j

    return SpanFaults(
        offsets=bad_offsets,
        text=spread(text_bad),
        space=spread(space_bad),
        label=label_bad & ~bad_offsets,
        value=value_bad & ~bad_offsets,
        after=spread_index(after),
        overlaps=spread_index(overlaps),
        region=region if all_good else place(region),
    )


def _allowed_labels(labels: Mapping[str, Sequence[str]]) -> np.ndarray:
    """A table (layer id, label id) -> whether the label set has the label in that layer; its
    last column, for an unknown label (id -1), is all False."""
    import numpy as np

    allowed = np.zeros((len(LAYERS), len(ALL_LABELS) + 1), dtype=bool)
    for layer, names in labels.items():
        for name in names:
            if name in LABEL_ID:
                allowed[LAYER_ID[layer], LABEL_ID[name]] = True
    return allowed


def _overlaps(
    doc: np.ndarray, start: np.ndarray, end: np.ndarray, layer: np.ndarray, text_len: np.ndarray
) -> np.ndarray:
    """For each span, the earlier span of its document and layer that it overlaps, or -1: of
    the earlier spans, the first that reaches furthest (in (start, end) order it overlaps
    one exactly when it overlaps that one)."""
    import numpy as np

    n = len(doc)
    out = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return out
    # Groups (document, layer) laid out on one axis, each after the last, so a running
    # maximum never crosses from one group into the next.
    group = doc * len(LAYERS) + layer
    width = int(text_len.max()) + 1
    if (int(group.max()) + 1) * width >= 2**62:  # too far for one axis: one group at a time
        for g in np.unique(group).tolist():
            idx = np.flatnonzero(group == g)
            out[idx] = _in_group(start[idx], end[idx], idx)
        return out
    order = np.argsort(group, kind="stable")
    key = group[order] * width + end[order]
    reach = np.maximum.accumulate(key)
    record = np.ones(n, dtype=bool)
    record[1:] = key[1:] > reach[:-1]  # a new furthest end (always so at a group's first)
    holder = np.maximum.accumulate(np.where(record, np.arange(n), 0))
    prev = holder[:-1]  # position of the furthest-reaching span before each
    s, e = start[order], end[order]
    hit = (group[order][1:] == group[order][:-1]) & (s[1:] < e[prev]) & (s[prev] < e[1:])
    k = np.flatnonzero(hit) + 1
    out[order[k]] = order[prev[k - 1]]
    return out


def _in_group(start: np.ndarray, end: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """:func:`_overlaps` within one group (``idx``: the spans' indices)."""
    import numpy as np

    out = np.full(len(idx), -1, dtype=np.int64)
    best = -1
    for k in range(len(idx)):
        if best >= 0 and start[k] < end[best] and start[best] < end[k]:
            out[k] = idx[best]
        if best < 0 or end[k] > end[best]:
            best = k
    return out


_BIG = 2**62  # offsets beyond any text are clipped to this for the arrays


_SPAN_FIELDS = operator.itemgetter("start", "end", "text", "layer", "label", "value")


def _clip(x: int) -> int:
    return max(-_BIG, min(x, _BIG))


def _document_problem(gold: GoldDocument, text: str) -> bool:
    """True when the ignore regions or the tokens of a document break a rule."""
    regions = [(r.start, r.end) for r in gold.ignore]
    if regions and region_problems(regions, len(text)):
        return True
    return gold.tokens is not None and token_problem(gold.tokens, len(text)) is not None


def faulty_documents(
    docs: Sequence[Document], labels: Mapping[str, Sequence[str]] = LAYER_LABELS
) -> list[int]:
    """Indices of the documents that break some rule, all checked at once on
    columns, labels against the label set ``labels``; :func:`check_gold_spans` words what
    each one breaks."""
    import numpy as np

    bad = {k for k, d in enumerate(docs) if _document_problem(d.gold, d.text)}
    spans = [sp for d in docs for sp in d.gold.spans]
    if spans:
        doc = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d.gold.spans) for d in docs])
        # One pass over the span objects, reading their instance dicts, sliced into columns.
        flat = list(itertools.chain.from_iterable(map(_SPAN_FIELDS, map(vars, spans))))
        starts, ends = flat[0::6], flat[1::6]
        try:
            start = np.array(starts, dtype=np.int64)
            end = np.array(ends, dtype=np.int64)
        except OverflowError:  # an offset beyond int64 (and so beyond any text)
            start = np.array([_clip(x) for x in starts], dtype=np.int64)
            end = np.array([_clip(x) for x in ends], dtype=np.int64)
        faults = span_faults(
            [d.text for d in docs],
            doc,
            start,
            end,
            flat[2::6],
            np.array(list(map(LAYER_ID.__getitem__, flat[3::6])), dtype=np.int64),
            label_ids(flat[4::6]),
            flat[5::6],
            [[(r.start, r.end) for r in d.gold.ignore] for d in docs],
            [d.gold.nested for d in docs],
            labels,
        )
        bad.update(np.unique(doc[faults.mask()]).tolist())
    return sorted(bad)


def check_gold_spans(
    gold: GoldDocument,
    text: str,
    path: str,
    lines: Sequence[int | None] | None = None,
    ignore_lines: Sequence[int | None] | None = None,
    labels: Mapping[str, Sequence[str]] = LAYER_LABELS,
) -> list[Violation]:
    """The rules of :func:`span_faults` and :func:`region_problems` on one gold document,
    each broken one worded as a :class:`Violation` (ignore regions and tokens first, then
    span by span); ``lines`` give each span's line for the messages; ``labels`` is the
    corpus's label set (layer -> labels), the seeds' by default."""
    import numpy as np

    lines, ignore_lines = lines or [], ignore_lines or []
    regions = [(r.start, r.end) for r in gold.ignore]
    out = [
        Violation(
            path, f"ignore[{i}].{fld}", problem, ignore_lines[i] if i < len(ignore_lines) else None
        )
        for i, fld, problem in region_problems(regions, len(text))
    ]
    if gold.tokens is not None:
        problem = token_problem(gold.tokens, len(text))
        if problem is not None:
            fld, _, rest = problem.partition(": ")
            out.append(Violation(path, fld, rest, None))
    spans = gold.spans
    if not spans:
        return out
    faults = span_faults(
        [text],
        np.zeros(len(spans), dtype=np.int64),
        np.array([_clip(sp.start) for sp in spans], dtype=np.int64),
        np.array([_clip(sp.end) for sp in spans], dtype=np.int64),
        [sp.text for sp in spans],
        np.array([LAYER_ID[sp.layer] for sp in spans], dtype=np.int64),
        label_ids([sp.label for sp in spans]),
        [sp.value for sp in spans],
        [regions],
        [gold.nested],
        labels,
    )
    if not faults.any():
        return out
    n = len(text)
    for i, sp in enumerate(spans):
        line = lines[i] if i < len(lines) else None
        f = f"spans[{i}]"

        def add(fld: str, problem: str) -> None:
            out.append(Violation(path, fld, problem, line))  # noqa: B023

        if faults.offsets[i]:
            add(
                f"{f}.end" if sp.end > n or sp.end <= sp.start else f"{f}.start",
                f"offsets {sp.start}:{sp.end} not within 0 <= start < end <= {n}",
            )
            continue
        piece = text[sp.start : sp.end]
        if faults.text[i]:
            add(f"{f}.text", f"{shorten(sp.text)} != text[{sp.start}:{sp.end}] {shorten(piece)}")
        elif faults.space[i]:
            add(f"{f}.text", f"{shorten(piece)} has leading or trailing whitespace")
        if faults.label[i]:
            home = LABEL_LAYER.get(sp.label)
            hint = f" (it belongs to {home!r})" if home and home != sp.layer else ""
            add(f"{f}.label", f"{shorten(sp.label)} is not a label of layer {sp.layer!r}{hint}")
        if faults.value[i]:
            add(f"{f}.value", value_problem(sp.layer, sp.value) or "not a value of its layer")
        if (j := int(faults.after[i])) >= 0:
            p = spans[j]
            add(
                f"{f}.start",
                f"spans not sorted by (start, end): {sp.start}:{sp.end} after {p.start}:{p.end}",
            )
        if (j := int(faults.overlaps[i])) >= 0:
            p = spans[j]
            add(f"{f}.start", f"overlaps spans[{j}] ({p.start}:{p.end}) in layer {sp.layer!r}")
        if (j := int(faults.region[i])) >= 0:
            s, e = regions[j]
            add(f"{f}.start", f"span {sp.start}:{sp.end} lies in ignore[{j}] ({s}:{e})")
    return out
