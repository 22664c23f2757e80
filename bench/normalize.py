"""The shared value normalizer: TIMEX3 values for time expressions, numbers for number spans.

Every system that finds spans but no values gets its values here, so value accuracy compares
span finding, not ad-hoc parsers. Microsoft Recognizers-Text does the parsing (numbers,
ordinals, dates, times, durations, all resolved against a reference date); the few rules it
lacks are written below, each with the example that needs it (docs/systems.md, "Values").
Recognizers-Text is imported on first use: install it with ``pip install 'bench[normalize]'``.

Speed (docs/systems.md, "Values"): exact rules for the common shapes (full dates, month-year,
month-day, years, weekdays, today/yesterday, last/this/next week, durations, clock times,
parts of the day, cardinals, scaled numbers, ordinals) answer before Recognizers-Text is
asked; each gives exactly
the value Recognizers-Text gives (tests/test_normalize.py checks this on every gold expression
and on generated ones). Parses are cached by (folded text, reference date, layer).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bench.timex import is_specified_timex

Value = str | int | float | None

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


# --- timing ---------------------------------------------------------------------------

_spent = [0.0]  # wall seconds inside the public calls below (nested calls count once)
_depth = [0]


def seconds_spent() -> float:
    """Wall seconds spent so far in this process inside ``number_value``, ``time_value`` and
    ``time_values`` (a run reads it before and after a pass: the pass's normalisation time)."""
    return _spent[0]


def _timed(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth[0]:
            return fn(*args, **kwargs)
        _depth[0] += 1
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[0] += time.perf_counter() - t0
            _depth[0] -= 1

    return wrapper


# --- numbers ------------------------------------------------------------------------------

_NO_RULE: Any = object()  # no fast rule applies: ask Recognizers-Text

_SMALL = dict(
    zip(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split(),
        range(20),
        strict=True,
    )
)
_TENS_WORDS = dict(
    zip(
        "twenty thirty forty fifty sixty seventy eighty ninety".split(),
        range(20, 100, 10),
        strict=True,
    )
)
_ORDINAL_DIGIT = dict(
    zip(
        "first second third fourth fifth sixth seventh eighth ninth".split(),
        range(1, 10),
        strict=True,
    )
)
_ORDINAL_WORDS = {
    **_ORDINAL_DIGIT,
    **dict(
        zip(
            "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
            "eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth seventieth "
            "eightieth ninetieth hundredth thousandth".split(),
            [*range(10, 20), *range(20, 100, 10), 100, 1000],
            strict=True,
        )
    ),
}
_SCALES = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_ALT = "|".join
_WORDNUM = rf"(?:(?:{_ALT(_TENS_WORDS)})(?:[- ](?:{_ALT(list(_SMALL)[1:10])}))?|{_ALT(_SMALL)})"
_APPROX = (
    r"(?:(?:some|about|around|nearly|almost|roughly|approximately|over|under|more than"
    r"|less than|fewer than|at least|up to|as many as) )?"
)
# What Recognizers-Text's number model reads, in the shapes news text writes most; its value
# is printed with 15 significant digits, so longer amounts are left to it.
_FAST_DIGITS = re.compile(
    rf"{_APPROX}[$€£]?(?P<int>\d{{1,3}}(?:,\d{{3}}){{1,3}}|\d{{1,12}})"
    r"(?:\.(?P<frac>\d{1,3}))?"
    rf"(?: (?P<scale>{_ALT(_SCALES)}))?(?:%| percent| per cent)?"
)
_FAST_WORDS = re.compile(
    rf"{_APPROX}(?P<words>{_WORDNUM})(?: (?P<scale>hundred|thousand|million|billion))?"
)
_FAST_ORDINAL = re.compile(
    rf"(?P<digits>[1-9]\d{{0,5}})(?P<suffix>st|nd|rd|th)"
    rf"|(?:(?P<tens>{_ALT(_TENS_WORDS)})-(?P<unit>{_ALT(_ORDINAL_DIGIT)}))"
    rf"|(?P<word>{_ALT(_ORDINAL_WORDS)})"
)
# Vague amounts have no value (guidelines); Recognizers-Text finds nothing in them either.
_FAST_VAGUE = re.compile(
    r"(?:hundreds|thousands|millions|billions|dozens|tens)(?: of (?:thousands|millions|billions))?"
)


def _word_number(words: str) -> int:
    parts = re.split(r"[- ]", words)
    if len(parts) == 2:
        return _TENS_WORDS[parts[0]] + _SMALL[parts[1]]
    return _TENS_WORDS[parts[0]] if parts[0] in _TENS_WORDS else _SMALL[parts[0]]


def _fast_ordinal(low: str) -> Any:
    m = _FAST_ORDINAL.fullmatch(low)
    if m is None:
        return _NO_RULE
    if m.group("digits"):
        return int(m.group("digits"))
    if m.group("tens"):
        return _TENS_WORDS[m.group("tens")] + _ORDINAL_DIGIT[m.group("unit")]
    return _ORDINAL_WORDS[m.group("word")]


def _fast_number(clean: str) -> Any:
    """The value of the common number shapes, exactly as Recognizers-Text gives it, or
    ``_NO_RULE`` when the expression is not one of them."""
    low = clean.lower()
    m = _FAST_DIGITS.fullmatch(low)
    if m:
        amount = Decimal(m.group("int").replace(",", "") + "." + (m.group("frac") or "0"))
        if m.group("scale"):
            amount *= _SCALES[m.group("scale")]
        return _to_number(amount) if amount < 10**15 else _NO_RULE
    m = _FAST_WORDS.fullmatch(low)
    if m:
        return _word_number(m.group("words")) * _SCALES.get(m.group("scale") or "", 1)
    if _FAST_VAGUE.fullmatch(low):
        return None
    return _fast_ordinal(low)


def _rt_number(clean: str) -> int | float | None:
    """Recognizers-Text's value of a number expression (number and ordinal models)."""
    _, numbers, ordinals = _models()
    # Both models run: "eighth" is an ordinal only, "12 million" a number only; vague amounts
    # ("hundreds of thousands", "millions") match neither and stay None, as the guidelines say.
    best = _longest([*numbers.parse(clean), *ordinals.parse(clean)])
    if best is None:
        return None
    return _to_number((best.resolution or {}).get("value"))


def _rt_ordinal(word: str) -> int | float | None:
    """Recognizers-Text's ordinal model alone ("seventh" -> 7)."""
    _, _, ordinals = _models()
    hit = _longest(ordinals.parse(word))
    return None if hit is None else _to_number((hit.resolution or {}).get("value"))


@_timed
def number_value(text: str, *, fast: bool = True, cached: bool = True) -> int | float | None:
    """The amount a number expression states ("some 465,000" -> 465000), None if vague.

    ``fast=False`` asks Recognizers-Text for every expression, ``cached=False`` bypasses the
    cache (both for the speed benchmarks and the differential test; same values).
    """
    clean = fold(text).strip()
    if not clean:
        return None
    return _value(clean, None, "number", fast, cached)  # type: ignore[return-value]


# --- the cache ----------------------------------------------------------------------------

CACHE_SIZE = 65_536  # expressions; least recently used ones go first


def _parse(clean: str, document_date: dt.date | None, layer: str, fast: bool) -> Value:
    """The context-free value of a folded expression: fast rule first, then Recognizers-Text.
    ``layer`` is "time", "number" or "ordinal" (the ordinal model alone)."""
    if layer == "time":
        assert document_date is not None
        if fast:
            v = _fast_time(clean, document_date)
            if v is not _NO_RULE:
                return v
        return _parse_time(clean, document_date)
    if layer == "ordinal":
        if fast:
            v = _fast_ordinal(clean.lower())
            if v is not _NO_RULE:
                return v
        return _rt_ordinal(clean)
    if fast:
        v = _fast_number(clean)
        if v is not _NO_RULE:
            return v
    return _rt_number(clean)


# A parse depends only on the folded text, the reference date (for times) and the layer, and
# Recognizers-Text is deterministic: a cached value is the value it would give again.
_cached_parse = functools.lru_cache(maxsize=CACHE_SIZE)(_parse)


def _value(
    clean: str, document_date: dt.date | None, layer: str, fast: bool, cached: bool
) -> Value:
    return (_cached_parse if cached else _parse)(clean, document_date, layer, fast)


def cache_clear() -> None:
    """Empty the parse cache (benchmarks time uncached calls after this)."""
    _cached_parse.cache_clear()


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


def _hand_rules(
    low: str, document_date: dt.date, anchor: Anchor | None, before: str, fast: bool, cached: bool
) -> Any:
    """What Recognizers-Text does not do (or does against the guidelines); see docs."""

    def number_value(text: str) -> int | float | None:
        clean = fold(text).strip()
        return _value(clean, None, "number", fast, cached) if clean else None  # type: ignore[return-value]

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
        n = _value(m.group(1), None, "ordinal", fast, cached)  # type: ignore[assignment]
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
    # "(their) eighth this year" counts events in a period: the period's value (it reads
    # "third this month" as the 3rd of the month)
    m = re.fullmatch(r"(\w+(?:st|nd|rd|th))\s+((?:this|last|next)\s+(?:week|month|year))", low)
    if m:
        nth = _value(m.group(1), None, "ordinal", fast, cached)
        if isinstance(nth, int) and nth > 0:
            return _value(m.group(2), document_date, "time", fast, cached)
    # "later Monday", "earlier Monday": that day (it finds nothing in "later Monday")
    m = re.fullmatch(rf"(?:later|earlier)\s+({_ALT(_WEEKDAYS)})", low)
    if m:
        return _value(m.group(1), document_date, "time", fast, cached)
    return _MODELS_NEEDED


@_timed
def time_value(
    text: str,
    document_date: dt.date,
    *,
    anchor: Anchor | None = None,
    before: str = "",
    fast: bool = True,
    cached: bool = True,
) -> str | None:
    """The TIMEX3 value of a date or time expression resolved against the document date.

    ``anchor`` is the latest calendar date mentioned before the expression (for "six months
    later"); ``before`` is the text just before it (for "third in as many months").
    ``fast`` and ``cached`` as for :func:`number_value`.
    """
    return _time_value(text, document_date, anchor, before, fast, cached)


def _time_value(
    text: str,
    document_date: dt.date,
    anchor: Anchor | None,
    before: str,
    fast: bool,
    cached: bool,
) -> str | None:
    clean = fold(text).strip()
    # "two days after (X)" is the measure phrase: a duration (guidelines), not a date
    m = re.fullmatch(rf"(.*?{_UNIT})\s+(?:after|before)", clean, flags=re.IGNORECASE)
    if m and re.fullmatch(rf"{_QUANT}\s+{_UNIT}", m.group(1).lower()):
        clean = m.group(1)
    # the article or a possessive is not part of the expression ("its seventh year")
    low = re.sub(r"^(?:the|its|their|his|her|our|my|your)\s+", "", clean.lower())
    if not low:
        return None
    ruled = _hand_rules(low, document_date, anchor, before, fast, cached)
    if ruled is not _MODELS_NEEDED:
        return ruled
    # "a couple of days" is two days (it says three)
    clean = re.sub(r"\ba couple of\b", "two", clean, flags=re.IGNORECASE)
    value = _value(clean, document_date, "time", fast, cached)
    assert value is None or isinstance(value, str)
    return value


# --- fast time rules ----------------------------------------------------------------------

_MONTH_NUMBER = {
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
    **{a: i + 1 for i, a in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    "sept": 9,
}
_FULL_MONTH = _ALT(name.lower() for name in calendar.month_name if name)
_MONTH_RX = rf"(?:{_FULL_MONTH}|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)"
_DAY_RX = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RX = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAYS = {name.lower(): i + 1 for i, name in enumerate(calendar.day_name)}
_PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
_DURATION_UNITS = "second|minute|hour|day|week|month|year"
_CLOCK_RX = r"(?P<h>1[0-2]|0?[1-9])(?::(?P<mi>[0-5]\d))? ?(?P<ap>[ap])\.?m\.?"
_FAST_TIME: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        ("m-d-y", rf"(?P<m>{_MONTH_RX}) (?P<d>{_DAY_RX}),? (?P<y>{_YEAR_RX})"),
        (
            "m-d-y-clock",
            rf"(?P<m>{_MONTH_RX}) (?P<d>{_DAY_RX}),? (?P<y>{_YEAR_RX})(?: at)? {_CLOCK_RX}",
        ),
        ("d-m-y", rf"(?P<d>{_DAY_RX}) (?P<m>{_MONTH_RX}) (?P<y>{_YEAR_RX})"),
        ("m-y", rf"(?P<m>{_MONTH_RX}),? (?P<y>{_YEAR_RX})"),
        ("m-d", rf"(?P<m>{_MONTH_RX}) (?P<d>{_DAY_RX})"),
        ("d-m", rf"(?P<d>{_DAY_RX}) (?P<m>{_MONTH_RX})"),
        ("m", rf"(?:(?:early|mid|late)[ -])?(?P<m>{_FULL_MONTH})"),
        ("y", rf"(?P<y>{_YEAR_RX})"),
        ("weekday", rf"(?P<wd>{_ALT(_WEEKDAYS)})(?: (?P<part>{_ALT(_PARTS)}))?"),
        ("weekday-week", rf"(?P<wd>{_ALT(_WEEKDAYS)}) (?P<rel>last|this|next) week"),
        ("deictic", r"(?P<deictic>today|yesterday|tomorrow|the day)"),
        ("part", rf"(?:(?P<this>this) )?(?P<part>{_ALT(_PARTS)})"),
        ("tonight", r"tonight"),
        ("relative", r"(?P<rel>last|this|next) (?P<unit>week|month|year)"),
        (
            "duration",
            r"(?:(?:less than|more than|about|nearly|almost|around|at least|over|some|up to) )?"
            rf"(?:(?P<q>a|an|\d{{1,4}}|{_WORDNUM}) |(?P<qh>\d{{1,4}}|{_WORDNUM})-)"
            rf"(?P<unit>{_DURATION_UNITS})s?",
        ),
        ("clock", _CLOCK_RX),
        ("clock-24h", r"(?P<h>1[3-9]|2[0-3]):(?P<mi>[0-5]\d)"),
        # hh:mm:ss as Recognizers-Text reads it: hour 24 is 00 on the same day, hour 0 gives
        # nothing (a media timestamp such as "0:01:03"); a 60th second is left to it
        ("clock-hms", r"(?P<h>0?\d|1\d|2[0-4]):(?P<mi>[0-5]\d):(?P<s>[0-5]\d)"),
    )
)


def _day_number(day: str) -> int | None:
    """The day of "11", "11th"; None for a wrong suffix ("11st")."""
    digits = day.rstrip("stndrh")
    n = int(digits)
    if len(digits) == len(day):
        return n
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return n if day.endswith(suffix) else None


def _fast_time(clean: str, document_date: dt.date) -> Any:
    """The TIMEX3 value of the common date and time shapes, exactly as Recognizers-Text with
    :func:`resolve_timex` gives it, or ``_NO_RULE`` when the expression is none of them."""
    low = clean.lower()
    for name, rx in _FAST_TIME:
        m = rx.fullmatch(low)
        if m is None:
            continue
        g = m.groupdict()
        month = _MONTH_NUMBER[g["m"].rstrip(".")] if g.get("m") else 0
        if name in ("m-d-y", "d-m-y", "m-d-y-clock"):
            day = _day_number(g["d"])
            try:
                date = dt.date(int(g["y"]), month, day or 0).isoformat()
            except ValueError:
                return _NO_RULE
            if name != "m-d-y-clock":
                return date
            hour = int(g["h"]) % 12 + (12 if g["ap"] == "p" else 0)
            mins = f":{g['mi']}" if g["mi"] else ""
            return resolve_timex(f"{date}T{hour:02d}{mins}", document_date)
        if name == "m-y":
            return f"{g['y']}-{month:02d}"
        if name in ("m-d", "d-m"):
            day = _day_number(g["d"])
            return (
                _NO_RULE
                if day is None
                else resolve_timex(f"XXXX-{month:02d}-{day:02d}", document_date)
            )
        if name == "m":
            return resolve_timex(f"XXXX-{month:02d}", document_date)
        if name == "y":
            return g["y"]
        if name == "weekday":
            part = f"T{_PARTS[g['part']]}" if g["part"] else ""
            return resolve_timex(f"XXXX-WXX-{_WEEKDAYS[g['wd']]}{part}", document_date)
        if name == "weekday-week":
            when = document_date + dt.timedelta(weeks={"last": -1, "this": 0, "next": 1}[g["rel"]])
            return (when + dt.timedelta(days=_WEEKDAYS[g["wd"]] - when.isoweekday())).isoformat()
        if name == "deictic":
            step = {"today": 0, "the day": 0, "yesterday": -1, "tomorrow": 1}[g["deictic"]]
            return (document_date + dt.timedelta(days=step)).isoformat()
        if name == "part":  # "morning" alone or "this morning": on the document's day
            return resolve_timex(f"T{_PARTS[g['part']]}", document_date)
        if name == "tonight":
            return resolve_timex("TNI", document_date)
        if name == "relative":
            step = {"last": -1, "this": 0, "next": 1}[g["rel"]]
            return _at_grain(_shift(document_date, g["unit"], step), _GRAIN[g["unit"]])
        if name == "duration":
            q = g["q"] or g["qh"]
            n = 1 if q in ("a", "an") else int(q) if q.isdigit() else _word_number(q)
            return _duration(str(n), g["unit"])
        if name == "clock":
            hour = int(g["h"]) % 12 + (12 if g["ap"] == "p" else 0)
            mins = f":{g['mi']}" if g["mi"] else ""
            return resolve_timex(f"T{hour:02d}{mins}", document_date)
        if name == "clock-24h":
            return resolve_timex(f"T{g['h']}:{g['mi']}", document_date)
        if name == "clock-hms":
            hour = int(g["h"])
            if hour == 0:
                return None
            return resolve_timex(f"T{hour % 24:02d}:{g['mi']}:{g['s']}", document_date)
    return _NO_RULE


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


@_timed
def time_values(
    text: str,
    spans: Sequence[tuple[int, int]],
    document_date: dt.date,
    *,
    fast: bool = True,
    cached: bool = True,
) -> list[str | None]:
    """TIMEX3 values of the time spans of a document, each given as (start, end) offsets.

    Spans are resolved in text order so that each can use the latest calendar date before it
    as its anchor; the result is in the order of ``spans``.
    """
    out: list[str | None] = [None] * len(spans)
    anchor: Anchor | None = None
    for i in sorted(range(len(spans)), key=lambda k: spans[k]):
        start, end = spans[i]
        before = text[max(0, start - 40) : start]
        value = _time_value(text[start:end], document_date, anchor, before, fast, cached)
        out[i] = value
        if value is not None:
            anchor = anchor_of(value) or anchor
    return out
