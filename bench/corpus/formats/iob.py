"""Chunks from IOB1, IOB2 and BIOES tag sequences, decoded as conlleval.pl decodes them.

A tag is ``O`` or ``P-TYPE``: the prefix before the first hyphen, the type after it (types
may contain hyphens, as in conlleval since 2004). Decoding walks the tags with conlleval's
``startOfChunk`` / ``endOfChunk`` rules: a chunk starts at ``B-``, at ``I-`` after ``O``, and at
any tag whose type differs from the previous one (``I-PER`` after ``B-LOC`` starts a PER
chunk); it ends before ``O``, ``B-``, a change of type, or the end of the sentence. So IOB1
and IOB2 decode alike (conlleval does not tell them apart), and an ``I-`` after ``O`` is a
chunk, not an error.

BIOES adds what conlleval lacks (it knows no ``S-`` and joins ``E-X B-X``): ``S-`` is a chunk
of one token, and a chunk always ends after ``E-`` or ``S-``, as seqeval's default mode decodes
them. Without ``E-`` and ``S-`` tags the three schemes decode identically.

``strict=True`` refuses what a scheme forbids instead of repairing it: in IOB2 an ``I-X`` that
does not follow ``B-X`` or ``I-X``; in IOB1 a ``B-X`` that does not follow a token of type X;
in BIOES a chunk not opened by ``B-`` / closed by ``E-`` or a lone token not tagged ``S-``;
and in any scheme a prefix it does not have (``E-`` in IOB2). A valid sequence decodes the
same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SCHEMES = ("iob1", "iob2", "bioes")
_PREFIXES = {"iob1": "BI", "iob2": "BI", "bioes": "BIES"}


@dataclass(frozen=True, order=True)
class Chunk:
    """Tokens ``start`` to ``end`` (exclusive) of a sentence, of type ``label``."""

    start: int
    end: int
    label: str


class TagError(ValueError):
    """A tag the scheme does not allow here; ``index`` is the tag's position."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index
        self.problem = problem


def split_tag(tag: str) -> tuple[str, str]:
    """``("B", "PER")`` for ``"B-PER"``, ``("O", "")`` for ``"O"``: conlleval's split."""
    prefix, sep, label = tag.partition("-")
    return (prefix, label) if sep else (tag, "")


def _end_of_chunk(prev: str, tag: str, prev_type: str, typ: str, bioes: bool) -> bool:
    if (prev, tag) in {("B", "B"), ("B", "O"), ("I", "B"), ("I", "O")}:
        return True
    if (prev, tag) in {("E", "E"), ("E", "I"), ("E", "O")}:
        return True
    if prev not in ("O", ".") and prev_type != typ:
        return True
    if prev in ("]", "["):
        return True
    return bioes and (prev in ("E", "S") or tag == "S")


def _start_of_chunk(prev: str, tag: str, prev_type: str, typ: str, bioes: bool) -> bool:
    if (prev, tag) in {("B", "B"), ("I", "B"), ("O", "B"), ("O", "I")}:
        return True
    if (prev, tag) in {("E", "E"), ("E", "I"), ("O", "E")}:
        return True
    if tag not in ("O", ".") and prev_type != typ:
        return True
    if tag in ("[", "]"):
        return True
    return bioes and (tag in ("B", "S") or (prev == "S" and tag in ("E", "I")))


def check_tag(tag: str, scheme: str) -> None:
    """Refuse a tag that is neither ``O`` nor a prefix of ``scheme`` with a type."""
    prefix, label = split_tag(tag)
    if tag == "O":
        return
    allowed = _PREFIXES[scheme]
    if len(prefix) != 1 or prefix not in allowed or not label:
        shown = ", ".join(f"{p}-TYPE" for p in allowed)
        raise ValueError(f"tag {tag!r} is not O or {shown} ({scheme.upper()})")


def _strict_problem(prev: str, tag: str, nxt: str, scheme: str) -> str | None:
    """Why ``tag`` (between ``prev`` and ``nxt``) breaks ``scheme``, or None."""
    p, pt = split_tag(prev)
    t, tt = split_tag(tag)
    n, nt = split_tag(nxt)
    if scheme == "iob2":
        if t == "I" and not (p in ("B", "I") and pt == tt):
            return f"{tag} after {prev}: in IOB2 an I- tag continues a B- or I- of its type"
    elif scheme == "iob1":
        if t == "B" and not (p in ("B", "I") and pt == tt):
            return f"{tag} after {prev}: in IOB1 B- only separates two adjacent {tt} chunks"
    else:
        inside_before = p in ("B", "I") and pt == tt
        continues_after = n in ("I", "E") and nt == tt
        if t in ("I", "E") and not inside_before:
            return f"{tag} after {prev}: in BIOES {t}- continues a B- or I- of its type"
        if t in ("B", "I") and not continues_after:
            return f"{tag} before {nxt}: in BIOES a {t}- is followed by I- or E- of its type"
    return None


def decode(tags: Sequence[str], scheme: str = "iob2", *, strict: bool = False) -> list[Chunk]:
    """The chunks of one sentence's tags (see the module doc for the rules).

    Raises :class:`TagError` for a tag that is not ``O`` or a prefix of the scheme with a
    type, and with ``strict`` for a sequence the scheme forbids.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r} (one of {', '.join(SCHEMES)})")
    for i, tag in enumerate(tags):
        try:
            check_tag(tag, scheme)
        except ValueError as exc:
            raise TagError(i, str(exc)) from None
    if strict:
        padded = ["O", *tags, "O"]
        for i, tag in enumerate(tags):
            problem = _strict_problem(padded[i], tag, padded[i + 2], scheme)
            if problem is not None:
                raise TagError(i, problem)
    return conlleval_chunks(tags, bioes=scheme == "bioes")


def conlleval_chunks(tags: Sequence[str], *, bioes: bool = False) -> list[Chunk]:
    """Chunks by conlleval.pl's rules over any tags (``bioes`` adds the ``E-``/``S-`` rules);
    the sentence ends as conlleval ends it, with an ``O``."""
    out: list[Chunk] = []
    start: int | None = None
    label = ""
    prev, prev_type = "O", ""
    for i, tag in enumerate([*tags, "O"]):
        cur, typ = split_tag(tag)
        if start is not None and _end_of_chunk(prev, cur, prev_type, typ, bioes):
            out.append(Chunk(start, i, label))
            start = None
        if i < len(tags) and _start_of_chunk(prev, cur, prev_type, typ, bioes):
            if start is not None:  # conlleval starts a chunk without ending one: close it
                out.append(Chunk(start, i, label))
            start, label = i, typ
        prev, prev_type = cur, typ
    return out


def encode(length: int, chunks: Sequence[Chunk], scheme: str = "iob2") -> list[str]:
    """The tags of a sentence of ``length`` tokens holding non-overlapping ``chunks``."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r} (one of {', '.join(SCHEMES)})")
    tags = ["O"] * length
    prev_end, prev_label = -1, ""
    for ch in sorted(chunks):
        for k in range(ch.start, ch.end):
            tags[k] = f"I-{ch.label}"
        if scheme == "iob2":
            tags[ch.start] = f"B-{ch.label}"
        elif scheme == "iob1":
            if prev_end == ch.start and prev_label == ch.label:
                tags[ch.start] = f"B-{ch.label}"
        elif ch.end - ch.start == 1:
            tags[ch.start] = f"S-{ch.label}"
        else:
            tags[ch.start] = f"B-{ch.label}"
            tags[ch.end - 1] = f"E-{ch.label}"
        prev_end, prev_label = ch.end, ch.label
    return tags
