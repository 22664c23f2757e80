"""``rules``: a transparent regex baseline for dates, times and numbers: the floor to beat.

Every pattern is in ``TIME_RULES`` and ``NUMBER_RULES`` below, one line each, with its label.
Within a layer the leftmost-longest match wins; number spans inside a time span are dropped
unless they are ordinals (guidelines: "two weeks" is a time span only, "seventh" in "seventh
year" is also a number). Values come from the shared normalizer (bench.normalize).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench import normalize
from bench.protocol import BaseSystem, DocInput, SystemInfo
from bench.schema import PredictedSpan, Value
from systems._base import VALUES_OPTION, clean_spans, normalized_values

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART = r"(?:morning|afternoon|evening|night)"
_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies))"
_SMALL = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_WORDNUM = rf"(?:{_TENS}(?:-{_SMALL})?|{_SMALL})"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:hundred|thousand|million|billion|trillion)"
_QUANT = rf"(?:{_DIGITS}|{_WORDNUM}|a|an|a few|several|many)"
_ORDWORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth"
    r"|thirtieth|fortieth|fiftieth|hundredth|thousandth)"
)
_ORDINAL = rf"(?:(?:{_TENS}-)?{_ORDWORD}|\d+(?:st|nd|rd|th))"
_APPROX = (
    r"(?:(?:some|about|around|nearly|almost|roughly|approximately|over|under|more than"
    r"|less than|fewer than|at least|up to|as many as) )"
)
_B = r"(?<![\w-])"  # left boundary: not inside a word or a hyphenated name ("Su-35")
_E = r"(?![\w-]*\d)(?!\w)"  # right boundary: not running on into more word or digits

# (name, label, pattern); case-sensitive unless the pattern says (?i).
TIME_RULES: tuple[tuple[str, str, str], ...] = (
    ("weekday-part", "TIME", rf"{_B}{_WEEKDAY} {_PART}{_E}"),
    ("clock", "TIME", rf"{_B}\d{{1,2}}(?::\d\d)? ?(?:[AaPp]\.?[Mm]\.?){_E}"),
    ("clock-24h", "TIME", rf"{_B}(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?: GMT| UTC)?(?![\d:])"),
    ("month-day-year", "DATE", rf"{_B}{_MONTH} {_DAY},? {_YEAR}{_E}"),
    ("day-month-year", "DATE", rf"{_B}{_DAY} {_MONTH},? {_YEAR}{_E}"),
    ("month-day", "DATE", rf"{_B}{_MONTH} {_DAY}(?!\d)(?!,? \d)(?![\w-])"),
    ("day-month", "DATE", rf"{_B}{_DAY} {_MONTH}(?![\w-])"),
    ("month-year", "DATE", rf"{_B}(?:(?:early|mid|late) )?{_MONTH},? {_YEAR}{_E}"),
    (
        "month-alone",
        "DATE",
        rf"(?i:(?<=\bin )|(?<=\bsince )|(?<=\buntil )|(?<=\bby )|(?<=\bof ))"
        rf"(?:(?:early|mid|late)[ -])?{_MONTH}(?![\w-])(?! \d)",
    ),
    ("early-late-month", "DATE", rf"{_B}(?:early|mid|late)[ -]{_MONTH}(?![\w-])(?! \d)"),
    ("iso-date", "DATE", rf"{_B}{_YEAR}-[01]\d-[0-3]\d{_E}"),
    ("slash-date", "DATE", rf"{_B}[01]?\d/[0-3]?\d/{_YEAR}{_E}"),
    ("weekday-last-week", "DATE", rf"{_B}{_WEEKDAY} (?:last|next|this) week{_E}"),
    ("weekday", "DATE", rf"{_B}{_WEEKDAY}{_E}"),
    ("deictic-day", "DATE", rf"{_B}(?i:today|yesterday|tomorrow){_E}"),
    ("relative-unit", "DATE", rf"{_B}(?i:last|next|this|past) (?:week|month|year|weekend){_E}"),
    ("weekend", "DATE", rf"(?i:(?<=\bthe ))weekend{_E}"),
    ("recent-units", "DATE", rf"{_B}(?i:recent|coming) (?:years|months|weeks|days|decades){_E}"),
    (
        "offset",
        "DATE",
        rf"{_B}(?i:{_APPROX}?{_QUANT}[ -]{_UNIT}(?: (?:later|earlier|ago))?){_E}",
    ),
    ("year", "DATE", rf"{_B}{_YEAR}(?![\w-])(?!,\d)"),
)

NUMBER_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "money",
        "MONEY",
        rf"{_B}(?i:{_APPROX}?(?:[$€£]|US\$) ?{_DIGITS}(?: ?(?:{_SCALE}|bn|m)\b)?){_E}",
    ),
    (
        "money-words",
        "MONEY",
        rf"{_B}(?i:{_APPROX}?{_DIGITS}(?: {_SCALE})? (?:dollars|euros|pounds|roubles|rubles)){_E}",
    ),
    ("percent", "PERCENT", rf"{_B}(?i:{_APPROX}?{_DIGITS} ?(?:%|percent|per cent))(?!\w)"),
    (
        "quantity",
        "QUANTITY",
        rf"{_B}(?i:{_APPROX}?{_DIGITS} ?(?:km|kilometres|kilometers|miles|metres|meters|kg"
        rf"|kilograms|tonnes|tons|feet|litres|liters)){_E}",
    ),
    ("ordinal", "ORDINAL", rf"{_B}(?i:{_ORDINAL}){_E}"),
    (
        "vague-amount",
        "CARDINAL",
        rf"{_B}(?i:(?:hundreds|thousands|millions|billions|dozens|tens)"
        rf"(?: of (?:thousands|millions|billions))?){_E}",
    ),
    (
        "digits",
        "CARDINAL",
        rf"{_B}(?<![:/])(?i:{_APPROX}?{_DIGITS}(?: {_SCALE})*)(?![\w-]*\d)(?![\w:/x])(?!-[A-Za-z])",
    ),
    (
        "number-words",
        "CARDINAL",
        rf"{_B}(?i:{_APPROX}?(?:{_WORDNUM}|a dozen|a hundred|a thousand)(?: {_SCALE})*)"
        rf"(?![\w-])(?= [\w“\"'])",
    ),
)

_COMPILED = {name: re.compile(pattern) for name, _, pattern in (*TIME_RULES, *NUMBER_RULES)}


def _leftmost_longest(
    text: str, rules: Sequence[tuple[str, str, str]]
) -> list[tuple[int, int, str]]:
    """Non-overlapping matches: sorted by start, longer first, earlier rules first."""
    found = []
    for order, (name, label, _) in enumerate(rules):
        for m in _COMPILED[name].finditer(text):
            if m.end() > m.start():
                found.append((m.start(), -m.end(), order, label))
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for start, neg_end, _, label in sorted(found):
        if start >= last_end:
            out.append((start, -neg_end, label))
            last_end = -neg_end
    return out


class RulesSystem(BaseSystem):
    """Regular expressions for dates, times and numbers; values from the shared normalizer."""

    info = SystemInfo(
        name="rules",
        version="1",
        layers=("time", "number"),
        labels=("DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"),
        description="transparent regex baseline for dates, times and numbers (the floor)",
        note="written after reading the seeds: its figures there flatter it",
        requires=normalize.REQUIRES,
        imports=normalize.IMPORTS,
        options=(VALUES_OPTION,),
    )

    def load(self) -> None:
        """Build the normalizer's models (the regexes compile at import)."""
        if self.params["values"]:
            normalize.warm_up()

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Time and number spans of each document."""
        return [self._spans(doc) for doc in docs]

    def _spans(self, doc: DocInput) -> list[PredictedSpan]:
        text = normalize.fold_lookalikes(doc.text)  # same length: offsets stay valid
        times = _leftmost_longest(text, TIME_RULES)
        numbers = [
            (s, e, label)
            for s, e, label in _leftmost_longest(text, NUMBER_RULES)
            if label == "ORDINAL" or not any(s < te and ts < e for ts, te, _ in times)
        ]
        times, numbers = clean_spans(text, times), clean_spans(text, numbers)
        values: list[Value] = [None] * (len(times) + len(numbers))
        if self.params["values"]:
            values = normalized_values(text, [*times, *numbers], doc.document_date)
        out = []
        for (s, e, label), value in zip([*times, *numbers], values, strict=True):
            span = self.span(s, e, label, value, doc.text[s:e])  # type: ignore[arg-type]
            if span is not None:
                out.append(span)
        return sorted(out, key=lambda sp: (sp.start, sp.end, sp.label))
