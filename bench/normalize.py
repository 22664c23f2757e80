"""The shared value normalizer: TIMEX3 values for time expressions, numbers for number spans.

Every system that finds spans but no values gets its values here, so value accuracy compares
span finding, not ad-hoc parsers. Microsoft Recognizers-Text does the parsing (numbers,
ordinals, dates, times, durations, all resolved against a reference date); the few rules it
lacks are written below, each with the example that needs it (docs/systems.md, "Values").
Recognizers-Text is imported on first use: install it with ``pip install 'bench[normalize]'``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bench.timex import is_specified_timex

REQUIRES = ("recognizers-text-suite>=1.0.2a2", "emoji<2")
IMPORTS = ("recognizers_text", "recognizers_number", "recognizers_date_time")

# Look-alike letters from other scripts, folded to Latin inside otherwise Latin words
# ("Marсh" with a Cyrillic "с" in seed 003 must still read as March).
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕАВЕКМНОРСТХУΑΒΕΖΗΙΚΜΝΟΡΤΥΧο",
    "aeopcyxijsABEKMHOPCTXYABEZHIKMNOPTYXo",
)
_PUNCT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-"})
_WORD = re.compile(r"\w+")


def fold_lookalikes(text: str) -> str:
    """Look-alike letters folded to Latin inside otherwise Latin words; length unchanged."""

    def latin(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.isascii() or not any("a" <= c.lower() <= "z" for c in word):
            return word
        return word.translate(_HOMOGLYPHS)

    return _WORD.sub(latin, text)


def fold(text: str) -> str:
    """NFKC, typographic quotes and dashes to ASCII, homoglyphs folded in mixed-script words."""
    return fold_lookalikes(unicodedata.normalize("NFKC", text).translate(_PUNCT))


@functools.cache
def _models() -> tuple[Any, Any, Any]:
    """Recognizers-Text's English date-time, number and ordinal models, built once."""
    from recognizers_date_time import DateTimeRecognizer
    from recognizers_number import NumberRecognizer
    from recognizers_text import Culture

    numbers = NumberRecognizer(Culture.English)
    return (
        DateTimeRecognizer(Culture.English).get_datetime_model(),
        numbers.get_number_model(),
        numbers.get_ordinal_model(),
    )


def warm_up() -> None:
    """Build the parsing models now (they take a fraction of a second), e.g. in a load step."""
    _models()


def _longest(results: Sequence[Any]) -> Any | None:
    # Recognizers' ``end`` is inclusive; only the difference matters here.
    return max(results, key=lambda r: (r.end - r.start, -r.start), default=None)


def _to_number(raw: object) -> int | float | None:
    try:
        d = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    return int(d) if d == d.to_integral_value() else float(d)


# --- numbers ------------------------------------------------------------------------------


def number_value(text: str) -> int | float | None:
    """The amount a number expression states ("some 465,000" -> 465000), None if vague."""
    clean = fold(text).strip()
    if not clean:
        return None
    _, numbers, ordinals = _models()
    # Both models run: "eighth" is an ordinal only, "12 million" a number only; vague amounts
    # ("hundreds of thousands", "millions") match neither and stay None, as the guidelines say.
    best = _longest([*numbers.parse(clean), *ordinals.parse(clean)])
    if best is None:
        return None
    return _to_number((best.resolution or {}).get("value"))


# --- times --------------------------------------------------------------------------------

_UNITS = {
    "second": "S",
    "minute": "M",
    "hour": "H",
    "day": "D",
    "week": "W",
    "month": "M",
    "year": "Y",
    "decade": "DE",
    "century": "CE",
    "centurie": "CE",
}
_TIME_UNITS = {"second", "minute", "hour"}
_UNIT = r"(second|minute|hour|day|week|month|year|decade|centur(?:y|ie))s?"
_DIGIT = "one|two|three|four|five|six|seven|eight|nine"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_QUANT = rf"(?:a|an|\d+|{_TEENS}|(?:{_TENS})(?:[- ](?:{_DIGIT}))?|{_DIGIT})"


def _duration(amount: str, unit: str) -> str:
    code = _UNITS[unit]
    return f"PT{amount}{code}" if unit in _TIME_UNITS else f"P{amount}{code}"


def _unit(word: str) -> str:
    return "century" if word.startswith("centur") else word


@dataclass(frozen=True)
class Anchor:
    """A calendar date mentioned earlier in the text, for "six months later" and the like."""

    date: dt.date
    grain: int  # 0 year, 1 month, 2 week, 3 day


def anchor_of(value: str) -> Anchor | None:
    """The anchor a resolved TIMEX3 calendar value gives, or None for durations and refs."""
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-W(\d{2}))?", value)
    if not m or value.startswith("P"):
        return None
    year = int(m.group(1))
    if m.group(4):
        return Anchor(dt.date.fromisocalendar(year, int(m.group(4)), 1), 2)
    if m.group(3):
        return Anchor(dt.date(year, int(m.group(2)), int(m.group(3))), 3)
    if m.group(2):
        return Anchor(dt.date(year, int(m.group(2)), 1), 1)
    return Anchor(dt.date(year, 1, 1), 0)


def _shift(date: dt.date, unit: str, n: int) -> dt.date:
    if unit == "day":
        return date + dt.timedelta(days=n)
    if unit == "week":
        return date + dt.timedelta(weeks=n)
    months = {"month": 1, "year": 12, "decade": 120, "century": 1200}[unit] * n
    y, m = divmod(date.month - 1 + months, 12)
    year, month = date.year + y, m + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def _at_grain(date: dt.date, grain: int) -> str:
    if grain == 0:
        return f"{date.year:04d}"
    if grain == 1:
        return f"{date.year:04d}-{date.month:02d}"
    if grain == 2:
        y, w, _ = date.isocalendar()
        return f"{y:04d}-W{w:02d}"
    return date.isoformat()


_GRAIN = {"day": 3, "week": 2, "month": 1, "year": 0, "decade": 0, "century": 0}


def _last_weekday(date: dt.date, weekday: int) -> dt.date:
    """The latest day on or before ``date`` with ISO ``weekday`` (1 = Monday)."""
    return date - dt.timedelta(days=(date.isoweekday() - weekday) % 7)


def _nearest_year(document_date: dt.date, month: int, day: int | None) -> int | None:
    """The year that puts month(-day) nearest the document date; ties go to the past."""
    best: tuple[int, int] | None = None
    for year in (document_date.year - 1, document_date.year, document_date.year + 1):
        try:
            when = dt.date(year, month, day or 15)
        except ValueError:
            continue
        dist = abs((when - document_date).days)
        if best is None or dist < best[0] or (dist == best[0] and year < best[1]):
            best = (dist, year)
    return None if best is None else best[1]


_SEASON_MONTH = {"SP": 4, "SU": 7, "FA": 10, "WI": 12}  # winter starts in December


def resolve_timex(timex: str, document_date: dt.date) -> str | None:
    """Fill the unknown parts of a TIMEX3 value from the document date (news conventions)."""
    timex = timex.strip()
    if timex.startswith("("):  # a range "(start,end,duration)": no single TIMEX3 value
        return None
    m = re.match(r"^XXXX-WXX-([1-7])(T.*)?$", timex)
    if m:  # a bare weekday in news refers to the latest such day (docs/systems.md)
        day = _last_weekday(document_date, int(m.group(1)))
        timex = day.isoformat() + (m.group(2) or "")
    m = re.match(r"^XXXX-(\d{2})(?:-(\d{2}))?(T.*)?$", timex)
    if m:
        year = _nearest_year(document_date, int(m.group(1)), m.group(2) and int(m.group(2)))  # type: ignore[arg-type]
        if year is None:
            return None
        timex = f"{year:04d}" + timex[4:]
    m = re.match(r"^(?:XXXX-)?(SP|SU|FA|WI)$", timex)
    if m:
        year = _nearest_year(document_date, _SEASON_MONTH[m.group(1)], None)
        timex = f"{year:04d}-{m.group(1)}"
    if timex.startswith("T"):  # a time of day alone: on the document's day
        timex = document_date.isoformat() + timex
    # the guidelines write times as hh:mm ("10 a.m." -> T10:00, not T10)
    timex = re.sub(r"T(\d{2})$", r"T\1:00", timex)
    return timex if is_specified_timex(timex) else None


_MODELS_NEEDED = object()


def _hand_rules(low: str, document_date: dt.date, anchor: Anchor | None, before: str) -> Any:
    """What Recognizers-Text does not do (or does against the guidelines); see docs."""
    # "the 1990s" -> 199X (it finds nothing)
    m = re.fullmatch(r"(\d{3})0'?s", low)
    if m:
        return f"{m.group(1)}X"
    # "recent years" -> PAST_REF; "coming months" -> FUTURE_REF (it finds nothing)
    m = re.fullmatch(rf"(recent|past few|last few|coming|next few)\s+{_UNIT}", low)
    if m:
        return "FUTURE_REF" if m.group(1) in ("coming", "next few") else "PAST_REF"
    # "past month" -> P1M, "past two weeks" -> P2W (it gives the previous calendar month)
    m = re.fullmatch(rf"past\s+(?:({_QUANT})\s+)?{_UNIT}", low)
    if m:
        n = number_value(m.group(1)) if m.group(1) else 1
        return _duration(str(n), _unit(m.group(2))) if isinstance(n, int) else None
    # "years", "decades", "several days", "many months" -> PXY... (it says P3D for several)
    m = re.fullmatch(
        r"(?:(?:several|many|few|a few|some|the)\s+)?"
        r"(seconds|minutes|hours|days|weeks|months|years|decades|centuries)",
        low,
    )
    if m:
        word = m.group(1)
        return _duration("X", _unit(word[:-1] if word != "centuries" else "century"))
    # "seventh year" (of war) -> P7Y
    m = re.fullmatch(rf"(\w+)\s+{_UNIT}", low)
    if m and m.group(1) not in ("last", "past") and re.fullmatch(r"\w+(?:st|nd|rd|th)", m.group(1)):
        _, _, ordinals = _models()
        hit = _longest(ordinals.parse(m.group(1)))
        if hit is not None:
            n = _to_number(hit.resolution.get("value"))
            if isinstance(n, int) and n > 0:
                return _duration(str(n), _unit(m.group(2)))
    # "their third in as many months" -> P3M: the amount is the number just before "in"
    m = re.fullmatch(rf"as many\s+{_UNIT}", low)
    if m:
        prev = re.search(r"(\w+)\s+in\s*$", fold(before))
        n = number_value(prev.group(1)) if prev else None
        return _duration(str(n), _unit(m.group(1))) if isinstance(n, int) else None
    # "(over) the weekend" -> the latest weekend up to the document date
    if re.fullmatch(r"weekend", low):
        day = document_date if document_date.isoweekday() >= 6 else _last_weekday(document_date, 7)
        y, w, _ = day.isocalendar()
        return f"{y:04d}-W{w:02d}-WE"
    # "the day after", "the next day" -> the anchor's next day
    m = re.fullmatch(r"(?:the\s+)?(day after|next day|following day|day before|previous day)", low)
    if m:
        if anchor is None or anchor.grain < 3:
            return None
        step = -1 if m.group(1) in ("day before", "previous day") else 1
        return (anchor.date + dt.timedelta(days=step)).isoformat()
    # "six months later" (after "February 2015") -> 2015-08: the anchor shifted, at the
    # coarser of the unit's and the anchor's grain; "ago" always counts from the document date
    m = re.fullmatch(rf"({_QUANT})\s+{_UNIT}\s+(later|earlier|ago)", low)
    if m:
        n = number_value(m.group(1)) if m.group(1) not in ("a", "an") else 1
        unit = _unit(m.group(2))
        if not isinstance(n, int) or unit in _TIME_UNITS:
            return _MODELS_NEEDED
        base = anchor if anchor is not None and m.group(3) != "ago" else Anchor(document_date, 3)
        sign = -1 if m.group(3) in ("earlier", "ago") else 1
        return _at_grain(_shift(base.date, unit, sign * n), min(base.grain, _GRAIN[unit]))
    return _MODELS_NEEDED


def time_value(
    text: str, document_date: dt.date, *, anchor: Anchor | None = None, before: str = ""
) -> str | None:
    """The TIMEX3 value of a date or time expression resolved against the document date.

    ``anchor`` is the latest calendar date mentioned before the expression (for "six months
    later"); ``before`` is the text just before it (for "third in as many months").
    """
    return _time_value(text, document_date, anchor, before, {})


def _time_value(
    text: str,
    document_date: dt.date,
    anchor: Anchor | None,
    before: str,
    memo: dict[str, str | None],
) -> str | None:
    clean = fold(text).strip()
    # "two days after (X)" is the measure phrase: a duration (guidelines), not a date
    m = re.fullmatch(rf"(.*?{_UNIT})\s+(?:after|before)", clean, flags=re.IGNORECASE)
    if m and re.fullmatch(rf"{_QUANT}\s+{_UNIT}", m.group(1).lower()):
        clean = m.group(1)
    low = re.sub(r"^the\s+", "", clean.lower())
    if not low:
        return None
    ruled = _hand_rules(low, document_date, anchor, before)
    if ruled is not _MODELS_NEEDED:
        return ruled
    # "a couple of days" is two days (it says three)
    clean = re.sub(r"\ba couple of\b", "two", clean, flags=re.IGNORECASE)
    # The parse depends only on the expression and the document date; a document repeats
    # its dates ("Monday", "December 11"), so one document's parses are memoised.
    if clean not in memo:
        memo[clean] = _parse_time(clean, document_date)
    return memo[clean]


def _parse_time(clean: str, document_date: dt.date) -> str | None:
    """Recognizers-Text's TIMEX3 for an expression, resolved against the document date."""
    model, _, _ = _models()
    reference = dt.datetime.combine(document_date, dt.time())
    best = _longest(model.parse(clean, reference))
    if best is None or best.type_name.endswith(".set"):  # "every Monday": no single value
        return None
    values = (best.resolution or {}).get("values") or []
    timex = values[0].get("timex") if values else None
    if not timex:
        return None
    return resolve_timex(str(timex), document_date)


def time_values(
    text: str, spans: Sequence[tuple[int, int]], document_date: dt.date
) -> list[str | None]:
    """TIMEX3 values of the time spans of a document, each given as (start, end) offsets.

    Spans are resolved in text order so that each can use the latest calendar date before it
    as its anchor; the result is in the order of ``spans``.
    """
    out: list[str | None] = [None] * len(spans)
    anchor: Anchor | None = None
    memo: dict[str, str | None] = {}
    for i in sorted(range(len(spans)), key=lambda k: spans[k]):
        start, end = spans[i]
        before = text[max(0, start - 40) : start]
        value = _time_value(text[start:end], document_date, anchor, before, memo)
        out[i] = value
        if value is not None:
            anchor = anchor_of(value) or anchor
    return out
