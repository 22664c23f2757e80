"""``recognizers``: Microsoft Recognizers-Text (numbers, units, date-times with TIMEX values)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from bench.normalize import resolve_timex
from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import PredictedSpan
from bench.timex import is_specified_timex
from systems._base import (
    CARDINALS_IN_TIMES_OPTION,
    WARM_UP,
    Backend,
    as_number,
    dist_version,
    doc_datetime,
    finish,
    nearest,
)

REQUIRES = ("recognizers-text-suite>=1.0.2a2", "emoji<2")
IMPORTS = ("recognizers_suite", "emoji")

MODELS = (
    "number",
    "ordinal",
    "percentage",
    "currency",
    "dimension",
    "age",
    "temperature",
    "datetime",
)

# recognizers_text.Culture; an unknown culture would silently fall back to English.
CULTURES = (
    "en-us",
    "zh-cn",
    "nl-nl",
    "fr-fr",
    "it-it",
    "ja-jp",
    "ko-kr",
    "pt-br",
    "es-es",
    "tr-tr",
)

LABEL_MAP: dict[str, str | None] = {
    "number": "CARDINAL",
    "ordinal": "ORDINAL",
    "percentage": "PERCENT",
    "currency": "MONEY",
    "dimension": "QUANTITY",
    "age": "QUANTITY",
    "temperature": "QUANTITY",
    "datetimeV2.date": "DATE",
    "datetimeV2.daterange": "DATE",
    "datetimeV2.duration": "DATE",
    "datetimeV2.set": "DATE",
    "datetimeV2.time": "TIME",
    "datetimeV2.timerange": "TIME",
    "datetimeV2.datetime": "TIME",
    "datetimeV2.datetimerange": "TIME",
}


def _lower_map(text: str) -> list[int] | None:
    """Original index of each index of ``text.lower()``; None when lowering keeps length.

    Recognizers-Text matches on the lower-cased text, and a few characters lower to two
    code points ("İ" -> "i̇"), which shifts every offset after them.
    """
    if len(text.lower()) == len(text):
        return None
    out: list[int] = []
    for i, ch in enumerate(text):
        out += [i] * len(ch.lower())
    out.append(len(text))
    return out


def _offsets(
    text: str, lowmap: list[int] | None, start: int, end: int, found: str
) -> tuple[int, int] | None:
    """Half-open original offsets of a result (``end`` is inclusive in Recognizers-Text);
    None when the result's text is not the text at its offsets, or when its offsets cut a
    word at either edge: Recognizers-Text sometimes reports shifted offsets (and a text cut
    from the shifted place, ``'me sunday ni'``). Such results are dropped, not relocated."""
    if lowmap is not None:
        if not (0 <= start and end < len(lowmap) - 1):
            return None
        start, end = lowmap[start], lowmap[end] + 1
    else:
        end += 1
    if not (0 <= start < end <= len(text)) or text[start:end].lower() != found:
        return None
    if _cuts_word(text, start) or _cuts_word(text, end):
        return None
    return start, end


def _cuts_word(text: str, i: int) -> bool:
    """True when offset ``i`` falls between two letters or digits of one word."""
    return 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()


def _candidate(v: dict[str, Any]) -> dt.datetime | None:
    for key in ("value", "start", "end"):
        raw = v.get(key)
        if isinstance(raw, str) and re.match(r"\d{4}-\d\d-\d\d", raw):
            try:
                return dt.datetime.fromisoformat(raw)
            except ValueError:
                continue
    return None


def _fill(timex: str, when: dt.date, doc_date: dt.date) -> str | None:
    """A TIMEX with ``X`` placeholders completed from the chosen resolution."""
    date_part, sep, time_part = timex.partition("T")
    if not date_part:
        value = doc_date.isoformat()
    elif date_part == "XXXX":
        value = f"{when.year:04d}"
    elif re.fullmatch(r"XXXX-\d\d", date_part):
        value = f"{when.year:04d}{date_part[4:]}"
    elif re.fullmatch(r"XXXX-(?:\d\d-\d\d|XX-\d\d|WXX-[1-7])", date_part):
        value = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    else:
        return None
    if sep:
        value += "T" + time_part
    return value if is_specified_timex(value) else None


def timex_value(resolution: dict[str, Any] | None, doc_date: dt.date, resolve: str) -> str | None:
    """The TIMEX3 value of a date-time result, ambiguous ones resolved around the document date.

    A year-less or week-less TIMEX (``XXXX-12-11``, ``XXXX-WXX-4``) comes with one resolution
    per reading (past and future). ``resolve=guidelines`` completes it with the shared
    normalizer's rules (:func:`bench.normalize.resolve_timex`: a weekday is the latest on or
    before the document date, a month or day the one in the nearest year);
    ``resolve=nearest`` takes the reading nearest the document date; ``resolve=native`` the
    last (Recognizers-Text's future reading). Ranges (``(start,end,duration)``) and
    unresolved sets have no single value: None.
    """
    values = (resolution or {}).get("values") or []
    if not values:
        return None
    timex = values[0].get("timex") or ""
    if is_specified_timex(timex):
        return timex
    if resolve == "guidelines":
        if values[0].get("type") == "set":
            return None  # "every Monday"
        return resolve_timex(timex, doc_date)
    if timex.startswith("T"):  # a time of day: on the document's day
        return _fill(timex, doc_date, doc_date)
    if "X" not in timex or timex.startswith("("):
        return None
    cands = [(c, v) for v in values if (c := _candidate(v)) is not None]
    if not cands:
        return None
    pick = nearest([c for c, _ in cands], doc_date) if resolve == "nearest" else len(cands) - 1
    when, chosen = cands[pick]
    return _fill(chosen.get("timex") or timex, when, doc_date)


class RecognizersSystem(Backend):
    """Microsoft Recognizers-Text (English): numbers, units, percentages, money, date-times."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="recognizers",
        version="1",
        layers=("time", "number"),
        labels=("DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"),
        description="Microsoft Recognizers-Text: rule-based numbers, units and date-times",
        requires=REQUIRES,
        imports=IMPORTS,
        label_map=LABEL_MAP,
        options=(
            Option("culture", "Recognizers-Text culture", default="en-us", choices=CULTURES),
            Option("models", "comma list of: " + ", ".join(MODELS), default=",".join(MODELS)),
            Option(
                "resolve",
                "ambiguous dates: the guidelines' rules, the nearest reading, or the library's",
                default="guidelines",
                choices=("guidelines", "nearest", "native"),
            ),
            CARDINALS_IN_TIMES_OPTION,
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        super().__init__(options)
        self._models = self.opt_list("models", MODELS)
        self._resolve = str(self.params["resolve"])
        self._drop = self.params["cardinals_in_times"] == "drop"
        # results dropped because their text is not the text at their offsets (_offsets)
        self.stats: dict[str, int] = {"misaligned": 0}

    def load(self) -> None:
        """Build the recognizers of the chosen models (compiles their regexes)."""
        from recognizers_date_time import DateTimeRecognizer
        from recognizers_number import NumberRecognizer
        from recognizers_number_with_unit import NumberWithUnitRecognizer

        self.versions = {"recognizers-text-suite": dist_version("recognizers-text-suite")}
        culture = str(self.params["culture"])
        num = NumberRecognizer(culture)
        unit = NumberWithUnitRecognizer(culture)
        build = {
            "number": num.get_number_model,
            "ordinal": num.get_ordinal_model,
            "percentage": num.get_percentage_model,
            "currency": unit.get_currency_model,
            "dimension": unit.get_dimension_model,
            "age": unit.get_age_model,
            "temperature": unit.get_temperature_model,
            "datetime": DateTimeRecognizer(culture).get_datetime_model,
        }
        try:
            self._parsers = {name: build[name]() for name in self._models}
        except (ValueError, KeyError) as exc:
            raise self.fail("culture", f"not supported by Recognizers-Text ({exc})") from None
        self.extract([WARM_UP])

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        """Run every chosen model on the document."""
        text = doc.text
        lowmap = _lower_map(text)
        spans: list[PredictedSpan] = []
        for name, model in self._parsers.items():
            if name == "datetime":
                results = model.parse(text, doc_datetime(doc))
            else:
                results = model.parse(text)
            for r in results:
                where = _offsets(text, lowmap, r.start, r.end, r.text)
                if where is None:
                    self.stats["misaligned"] += 1
                    continue
                native = r.type_name if name == "datetime" else name
                if name == "datetime":
                    value: object = timex_value(r.resolution, doc.document_date, self._resolve)
                else:
                    value = as_number((r.resolution or {}).get("value"))
                    if name == "ordinal" and value == 0:
                        continue  # relative ordinals ("next", "last") resolve to 0
                sp = self.mapped(text, where[0], where[1], native, value)
                if sp is not None:
                    spans.append(sp)
        return finish(spans, self._drop)
