"""What the built-in backends share (the library ones: recognizers, duckling, dateparser,
quantulum3, llm; the values option and its normalizer call also rules and spacy)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import re
from collections.abc import Iterable, Sequence

from bench import normalize
from bench.errors import BenchError
from bench.offsets import drop_nested
from bench.protocol import BaseSystem, DocInput, Option
from bench.schema import LABEL_LAYER, PredictedSpan, Value

# Parsed once at the end of load(), so lazily loaded data (unit tables, language data,
# compiled grammars) is loaded there, timed apart, and not inside the first extraction.
WARM_UP = DocInput(
    "warm-up",
    "On Monday, December 11, 2017 at 10 am, 12 million people paid $5 (10%).",
    dt.date(2017, 12, 11),
)


# Options more than one backend offers, declared once so help and choices stay alike.
TRIM_OPTION = Option(
    "trim",
    "drop leading prepositions and articles, trailing ones and 'and' from spans",
    "bool",
    "false",
)
# The notes a library that returns loose span edges declares (SystemInfo.note, shown on
# the leaderboard), with and without the ``trim`` option.
UNTRIMMED_NOTE = "spans as the library returns them; see -trim"
TRIMMED_NOTE = "with trim=true: leading prepositions and articles dropped from the spans"


def trim_note(system: object) -> str:
    """The leaderboard note of a system with :data:`TRIM_OPTION`, from its ``trim`` option."""
    return TRIMMED_NOTE if getattr(system, "params", {}).get("trim") else UNTRIMMED_NOTE


CARDINALS_IN_TIMES_OPTION = Option(
    "cardinals_in_times",
    "CARDINAL spans inside a time span",
    default="drop",
    choices=("drop", "keep"),
)

VALUES_OPTION = Option(
    "values", "add TIMEX3 and number values with bench.normalize", kind="bool", default="true"
)


def normalized_values(
    text: str, found: Sequence[tuple[int, int, str]], document_date: dt.date
) -> list[Value]:
    """The shared normalizer's value of each (start, end, our label) span of ``text``:
    TIMEX3 for time labels (resolved together, in text order), numbers for number labels."""
    values: list[Value] = [None] * len(found)
    times = [i for i, (_, _, label) in enumerate(found) if LABEL_LAYER[label] == "time"]
    resolved = normalize.time_values(text, [found[i][:2] for i in times], document_date)
    for i, value in zip(times, resolved, strict=True):
        values[i] = value
    for i, (start, end, label) in enumerate(found):
        if LABEL_LAYER[label] == "number":
            values[i] = normalize.number_value(text[start:end])
    return values


def dist_version(dist: str) -> str:
    """The installed version of a distribution, or ``"not installed"``."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def strip_offsets(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start:end`` without the whitespace at either edge; None when nothing is left.

    No built-in system emits a span that starts or ends in whitespace (spaCy's entities
    can hold a newline token, libraries match a leading blank line); docs/systems.md.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def clean_spans(text: str, found: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """(start, end, label) triples with their edges stripped of whitespace, empty ones dropped."""
    out = []
    for start, end, label in found:
        where = strip_offsets(text, start, end)
        if where is not None:
            out.append((*where, label))
    return out


class Backend(BaseSystem):
    """``BaseSystem`` plus option checks and a span maker that keeps values well-typed."""

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """The spans of each document from :meth:`_one`, one document at a time."""
        return [self._one(doc) for doc in docs]

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        """The spans of one document: implement this or ``extract``."""
        raise NotImplementedError(f"{type(self).__name__} implements neither _one nor extract")

    def fail(self, key: str, problem: str) -> BenchError:
        """A one-line error about option ``key``."""
        value = self.options.get(key)
        return BenchError(f"system {self.info.name!r}: option {key}={value!r}: {problem}")

    def opt_list(self, key: str, choices: Sequence[str] | None = None) -> list[str]:
        """A comma-separated list option, each item checked against ``choices``."""
        items = [x.strip() for x in self.options[key].split(",") if x.strip()]
        if choices is not None:
            bad = [x for x in items if x not in choices]
            if bad:
                raise self.fail(key, f"unknown {bad[0]!r} (known: {', '.join(choices)})")
        if not items:
            raise self.fail(key, "name at least one")
        return items

    def opt_min(self, key: str, minimum: float) -> float:
        """A number option (declared int or float) that must be at least ``minimum``."""
        value = self.params[key]
        if not math.isfinite(value) or value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}")
        return value

    def mapped(
        self, text: str, start: int, end: int, native: str, value: object = None
    ) -> PredictedSpan | None:
        """A span for a native label, mapped into ours, its edges stripped of whitespace;
        None when the label is dropped or the span is only whitespace.

        The value is kept only when it fits the label's layer (a string for time, a number
        for number labels, nothing for entities).
        """
        ours = self.map_label(native)
        if ours is None or not (0 <= start < end <= len(text)):
            return None
        where = strip_offsets(text, start, end)
        if where is None:
            return None
        start, end = where
        layer = LABEL_LAYER[ours]
        kept: Value = None
        if layer == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            kept = value
        elif layer == "time" and isinstance(value, str):
            kept = value
        return self.span(start, end, native, kept, text[start:end])


# Words the guidelines keep outside time spans, which Duckling and dateparser include
# ("on December 11", "since September 2015", "September 2015 in", "two days after").
_LEADING = frozenset(
    "on in at by of for from since until till during over after before the".split()
)
_TRAILING = frozenset("on in at by of for from and the".split())  # not "after": "day after"
_WORD = re.compile(r"\w+")


def trim_edge_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without leading and trailing prepositions, articles and "and"
    (with the spaces and punctuation next to them); never trimmed to nothing."""
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    i, j = 0, len(words)
    while j - i > 1 and text[words[i][0] : words[i][1]].lower() in _LEADING:
        i += 1
    while j - i > 1 and text[words[j - 1][0] : words[j - 1][1]].lower() in _TRAILING:
        j -= 1
    if not words or (i == 0 and j == len(words)):
        return start, end
    new_start = start if i == 0 else words[i][0]
    new_end = end if j == len(words) else words[j - 1][1]
    return new_start, new_end


def as_number(raw: object) -> int | float | None:
    """A JSON number from a library's value (``"465000"``, ``"10%"``, 1.5e3); None if not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip().rstrip("%").replace(",", "").strip()
        try:
            raw = float(raw)
        except ValueError:
            return None
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    if float(raw).is_integer() and abs(raw) < 2**53:
        return int(raw)
    return float(raw)


def nearest(candidates: Sequence[dt.date], ref: dt.date) -> int:
    """Index of the candidate date nearest ``ref`` (the earlier one on a tie)."""

    def key(i: int) -> tuple[int, dt.date]:
        c = candidates[i]
        day = c.date() if isinstance(c, dt.datetime) else c
        return abs((day - ref).days), day

    return min(range(len(candidates)), key=key)


def finish(spans: Iterable[PredictedSpan], drop_cardinals_in_times: bool) -> list[PredictedSpan]:
    """Sorted, without duplicates (same offsets and label) and, optionally, without
    CARDINAL spans inside a time span (the annotation guidelines do not mark them)."""
    seen: set[tuple[int, int, str]] = set()
    out: list[PredictedSpan] = []
    for sp in spans:
        key = (sp.start, sp.end, sp.label)
        if key not in seen:
            seen.add(key)
            out.append(sp)
    if drop_cardinals_in_times:
        times = [(s.start, s.end) for s in out if s.span_layer == "time"]
        out = [
            s
            for s in out
            if s.label != "CARDINAL" or not any(a <= s.start and s.end <= b for a, b in times)
        ]
    return sorted(out, key=lambda s: (s.start, s.end, s.label))


def drop_nested_in_layer(spans: list[PredictedSpan]) -> list[PredictedSpan]:
    """Drop spans strictly inside a longer span of the same layer (a longest-match rule)."""
    out: list[PredictedSpan] = []
    for layer in {s.span_layer for s in spans}:
        mine = [s for s in spans if s.span_layer == layer]
        nested = drop_nested((s.start, s.end) for s in mine)
        out += [s for s in mine if (s.start, s.end) not in nested]
    return sorted(out, key=lambda s: (s.start, s.end, s.label))


def doc_datetime(doc: DocInput) -> dt.datetime:
    """The document date as a naive midnight datetime (what the libraries take)."""
    d = doc.document_date
    return dt.datetime(d.year, d.month, d.day)
