"""The tokenizer of the token-based formats (CoNLL, DocBin): whitespace never inside a token."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

# Words and numbers keep inner apostrophes, points and commas ("465,000", "don't");
# any other non-space character is a token of its own.
_TOKEN = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*|\S")


def tokenize(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """(start, end) of the tokens of ``text``, also split at every offset in ``cuts``.

    Cutting at span boundaries makes every span a whole number of tokens, so BIO tags
    (and spaCy spans) can carry it exactly.
    """
    points = sorted(set(cuts))
    out: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        i = bisect_right(points, start)
        while i < len(points) and points[i] < end:
            out.append((start, points[i]))
            start = points[i]
            i += 1
        out.append((start, end))
    return out
