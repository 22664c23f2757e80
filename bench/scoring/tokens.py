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
from collections.abc import Sequence

import numpy as np

Tokens = Sequence[tuple[int, int]]


def snap(
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    tokens: Sequence[Tokens],
    stride: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snapped ``(start, end, kept)`` of spans of documents ``doc`` (indices into ``tokens``);
    ``stride`` exceeds every document's length. ``kept`` is False for spans over no token."""
    counts = [len(t) for t in tokens]
    t_doc = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
    flat = np.array([x for t in tokens for x in t], dtype=np.int64).reshape(-1, 2)
    t_start = t_doc * stride + flat[:, 0]
    t_end = t_doc * stride + flat[:, 1]
    if not len(t_doc):
        return start, end, np.zeros(len(start), dtype=bool)
    s = doc * stride + start
    e = doc * stride + end
    first = np.searchsorted(t_end, s, side="right")  # first token ending after s
    last = np.searchsorted(t_start, e, side="left") - 1  # last token starting before e
    fi = np.minimum(first, len(t_doc) - 1)
    li = np.maximum(last, 0)
    kept = (first <= last) & (t_doc[fi] == doc) & (t_doc[li] == doc)
    new_start = np.where(kept, t_start[fi], s)
    new_end = np.where(kept, t_end[li], e)
    return new_start - doc * stride, new_end - doc * stride, kept


def tokens_digest(doc_ids: Sequence[str], tokens: Sequence[Tokens]) -> str:
    """12 hex digits of a sha256 over every document's token offsets (for the signature)."""
    h = hashlib.sha256()
    for doc_id, toks in zip(doc_ids, tokens, strict=True):
        h.update(f"{doc_id}\t{[list(t) for t in toks]}\n".encode())
    return h.hexdigest()[:12]
