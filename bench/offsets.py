"""Code-point offsets for strings that a system returns without them (LLMs, dateparser).

A returned string is matched loosely: any run of whitespace matches any run of whitespace
(spaces, newlines, U+00A0), straight and curly quotes match each other, and so do the
hyphen and dash characters. A string that starts or ends with a letter or digit only
matches at a word boundary there, so "IS" is not found inside "ISIS". Case is respected;
only a string found nowhere with its case is looked up ignoring case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

_SINGLE_QUOTES = "'‘’‚‛`´′"
_DOUBLE_QUOTES = '"“”„‟″«»'
_DASHES = "-‐‑‒–—―−"
_CLASSES = {
    ch: "[" + re.escape(group) + "]"
    for group in (_SINGLE_QUOTES, _DOUBLE_QUOTES, _DASHES)
    for ch in group
}


@lru_cache(maxsize=4096)
def loose_pattern(piece: str, ignore_case: bool = False) -> re.Pattern[str] | None:
    """The regex that finds ``piece`` in a text, tolerant to quotes, dashes and whitespace."""
    piece = piece.strip()
    if not piece:
        return None
    out: list[str] = []
    for token in re.split(r"(\s+)", piece):
        if not token:
            continue
        if token.isspace():
            out.append(r"\s+")
        else:
            out.extend(_CLASSES.get(ch) or re.escape(ch) for ch in token)
    body = "".join(out)
    if piece[0].isalnum():
        body = r"(?<!\w)" + body
    if piece[-1].isalnum():
        body += r"(?!\w)"
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def find_all(text: str, piece: str) -> list[tuple[int, int]]:
    """Every non-overlapping occurrence of ``piece`` in ``text``, as half-open offsets."""
    for ignore_case in (False, True):
        pattern = loose_pattern(piece, ignore_case)
        if pattern is None:
            return []
        found = [m.span() for m in pattern.finditer(text)]
        if found:
            return found
    return []


def find_in_order(text: str, pieces: Sequence[str]) -> list[tuple[int, int] | None]:
    """Offsets of each piece, taken as consecutive mentions in reading order.

    Each piece is the next occurrence after the previous piece's start; when there is
    none (the system did not report in order) the first occurrence not already taken is
    used; a piece found nowhere gives None.
    """
    out: list[tuple[int, int] | None] = []
    taken: set[tuple[int, int]] = set()
    cursor = 0
    for piece in pieces:
        spans = find_all(text, piece)
        hit = next((s for s in spans if s[0] >= cursor and s not in taken), None)
        if hit is None:
            hit = next((s for s in spans if s not in taken), None)
        if hit is not None:
            taken.add(hit)
            cursor = hit[0] + 1
        out.append(hit)
    return out


def drop_nested(spans: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The spans strictly inside another of the given spans (to be dropped)."""
    ordered = sorted(set(spans), key=lambda s: (s[0], -s[1]))
    nested: set[tuple[int, int]] = set()
    reach = -1
    for start, end in ordered:
        if end <= reach:
            nested.add((start, end))
        else:
            reach = end
    return nested
