"""Token mode: predicted spans snapped to the corpus's token boundaries (docs/metrics.md).

A predicted span ``[s, e)`` becomes ``[start of the first token it overlaps, end of the last
token it overlaps)``: a token ``[a, b)`` is overlapped when ``a < e and s < b``. So white
space at either end of a prediction is trimmed away, a span that ends inside a token is
extended to the token's end, and a span inside one token becomes that whole token. A span
that overlaps no token (white space between tokens only) is dropped. Token-based scorers
(conlleval.pl, seqeval) see exactly the snapped spans.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import numpy as np

Tokens = Sequence[tuple[int, int]]


def snap(
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    tokens: Sequence[Tokens],
    stride: int,
    texts: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snapped spans of documents ``doc`` (indices into ``tokens``; ``stride`` exceeds every
    document's length) as ``(source, start, end)``: ``source`` is the index of the span each
    snapped piece comes from. Spans over no token are left out; with ``texts``, a span whose
    tokens are on more than one line is cut at each line break (one piece per sentence)."""
    counts = [len(t) for t in tokens]
    t_doc = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
    if not len(t_doc):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    flat = np.array([x for t in tokens for x in t], dtype=np.int64).reshape(-1, 2)
    t_start = t_doc * stride + flat[:, 0]
    t_end = t_doc * stride + flat[:, 1]
    s = doc * stride + start
    e = doc * stride + end
    first = np.searchsorted(t_end, s, side="right")  # first token ending after s
    last = np.searchsorted(t_start, e, side="left") - 1  # last token starting before e
    fi = np.minimum(first, len(t_doc) - 1)
    li = np.maximum(last, 0)
    kept = (first <= last) & (t_doc[fi] == doc) & (t_doc[li] == doc)
    source = np.flatnonzero(kept)
    fi, li = fi[kept], li[kept]
    if texts is not None and len(source):
        # new_line[k]: a line break between token k - 1 and token k of the same document.
        new_line = np.zeros(len(t_doc), dtype=bool)
        for k in range(1, len(t_doc)):
            if t_doc[k] == t_doc[k - 1]:
                a, b = int(flat[k - 1, 1]), int(flat[k, 0])
                new_line[k] = "\n" in texts[int(t_doc[k])][a:b]
        lines = np.cumsum(new_line)
        crossing = np.flatnonzero(lines[li] != lines[fi])
        if len(crossing):
            src: list[int] = source.tolist()
            f2: list[int] = fi.tolist()
            l2: list[int] = li.tolist()
            for j in crossing.tolist():
                breaks = np.flatnonzero(new_line[fi[j] + 1 : li[j] + 1]) + fi[j] + 1
                bounds = [int(fi[j]), *breaks.tolist(), int(li[j]) + 1]
                l2[j] = bounds[1] - 1
                for a, b in itertools.pairwise(bounds[1:]):
                    src.append(int(source[j]))
                    f2.append(a)
                    l2.append(b - 1)
            order = np.lexsort((np.array(f2), np.array(src)))
            source = np.array(src, dtype=np.int64)[order]
            fi = np.array(f2, dtype=np.int64)[order]
            li = np.array(l2, dtype=np.int64)[order]
    d = doc[source]
    return source, t_start[fi] - d * stride, t_end[li] - d * stride


def first_of_overlapping(group: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Which spans to keep so that none of a group overlaps another: in the given order
    (sorted by group, start, end), a span is kept when it starts at or after the end of the
    last kept span of its group, as a token carries one tag."""
    keep = np.zeros(len(start), dtype=bool)
    last_group, last_end = None, 0
    for i, (g, a, b) in enumerate(zip(group.tolist(), start.tolist(), end.tolist(), strict=True)):
        if g != last_group or a >= last_end:
            keep[i] = True
            last_group, last_end = g, b
    return keep


def tokens_digest(doc_ids: Sequence[str], tokens: Sequence[Tokens]) -> str:
    """12 hex digits of a sha256 over every document's token offsets (for the signature)."""
    h = hashlib.sha256()
    for doc_id, toks in zip(doc_ids, tokens, strict=True):
        h.update(f"{doc_id}\t{[list(t) for t in toks]}\n".encode())
    return h.hexdigest()[:12]
