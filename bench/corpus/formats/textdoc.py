"""What the corpus importers (CoNLL columns, TimeML, hf-tokens) read: documents with their
text, labelled character spans, and (for token formats) each token's offsets.

Plain data, independent of bench's gold and corpus models, so that a corpus writer can take
it as it is. Offsets are code points into ``text``, end-exclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bench.errors import BenchError


@dataclass(frozen=True, order=True)
class TextSpan:
    """``text[start:end]`` labelled ``label`` (as written in the source), with a value."""

    start: int
    end: int
    label: str
    value: str | None = None


@dataclass
class TextDocument:
    """One document: id, text, spans in text order, token offsets (None when untokenised),
    the document date (``YYYY-MM-DD`` or a TIMEX3 value, None when unknown), and where it
    starts in its source (``FILE:LINE`` or ``FILE: row N``)."""

    doc_id: str
    text: str
    spans: list[TextSpan]
    tokens: list[tuple[int, int]] | None = None
    document_date: str | None = None
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    token_lines: list[int] | None = None  # each token's line in its file (line formats)


def take_options(
    fmt: str, options: Mapping[str, str], defaults: Mapping[str, str]
) -> dict[str, str]:
    """``options`` over ``defaults``; a key ``defaults`` lacks is a one-line error."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        known = ", ".join(defaults) or "none"
        raise BenchError(f"format {fmt}: unknown option {unknown[0]!r} (known: {known})")
    return {**defaults, **options}


def bool_option(fmt: str, key: str, raw: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no) or a one-line error."""
    low = raw.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise BenchError(f"format {fmt}: option {key}={raw!r}: expected true or false")


def read_utf8(path: object) -> str:
    """A UTF-8 file's text as stored (no newline translation); a leading byte-order mark is
    dropped. Unreadable or undecodable files are one-line errors naming the line."""
    from pathlib import Path

    p = Path(str(path))
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise BenchError(f"{p}: file not found") from None
    except OSError as exc:
        raise BenchError(f"{p}: cannot read: {exc.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BenchError(f"{p}:{line}: not UTF-8 (byte {exc.start})") from None
