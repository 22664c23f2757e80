"""``dateparser``: scrapinghub's dateparser ``search_dates``, offsets recovered from its strings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bench.offsets import find_in_order
from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import PredictedSpan
from bench.timex import timex_from_datetime
from systems._base import (
    TRIM_OPTION,
    WARM_UP,
    Backend,
    dist_version,
    doc_datetime,
    finish,
    trim_edge_words,
    trim_note,
)

REQUIRES = ("dateparser>=1.5",)
IMPORTS = ("dateparser",)

# Native labels are dateparser's periods.
LABEL_MAP: dict[str, str | None] = {
    "year": "DATE",
    "month": "DATE",
    "week": "DATE",
    "day": "DATE",
    "part_of_day": "TIME",
    "time": "TIME",
}
_GRAIN = {"year": "year", "month": "month", "week": "week", "day": "day"}
# Punctuation that dateparser leaves at either end of a found string ("on Monday, the").
_EDGE = " \t\n\r\u00a0,;:!?"


class DateparserSystem(Backend):
    """dateparser's ``search_dates`` with the document date as relative base."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="dateparser",
        version="1",
        layers=("time",),
        labels=("DATE", "TIME"),
        description="dateparser search_dates: dates and times in free text, many languages",
        requires=REQUIRES,
        imports=IMPORTS,
        label_map=LABEL_MAP,
        options=(
            Option("languages", "comma list of language codes (no detection)", default="en"),
            Option(
                "prefer_dates_from",
                "dateparser's PREFER_DATES_FROM",
                default="current_period",
                choices=("current_period", "past", "future"),
            ),
            TRIM_OPTION,
            Option(
                "strategy",
                "dateparser's search strategy",
                default="split",
                choices=("split", "ngram"),
            ),
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        super().__init__(options)
        self._languages = self.opt_list("languages")
        self._prefer = str(self.params["prefer_dates_from"])
        self._strategy = str(self.params["strategy"])
        self._trim = bool(self.params["trim"])
        self.note = trim_note(self)  # recorded in results, shown on the leaderboard

    def load(self) -> None:
        """Import dateparser (its language data loads on the warm-up search)."""
        from dateparser.search import search_dates

        self.versions = {"dateparser": dist_version("dateparser")}
        self._search = search_dates
        try:
            self.extract([WARM_UP])
        except ValueError as exc:  # "Unknown language(s): 'xx'"
            raise self.fail("languages", str(exc)) from None

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        """Search the document and locate every found string in reading order."""
        settings: dict[str, Any] = {
            "RELATIVE_BASE": doc_datetime(doc),
            "PREFER_DATES_FROM": self._prefer,
            "RETURN_TIME_AS_PERIOD": True,
        }
        found = (
            self._search(
                doc.text,
                languages=self._languages,
                settings=settings,
                strategy=self._strategy,
                add_period=True,
            )
            or []
        )
        pieces = [piece.strip(_EDGE) for piece, *_ in found]
        spans: list[PredictedSpan] = []
        for where, (_, when, period) in zip(find_in_order(doc.text, pieces), found, strict=True):
            if where is None:
                continue
            period = period or "day"
            clock = "second" if when.second else "minute"
            value = timex_from_datetime(when, _GRAIN.get(period, clock))
            start, end = trim_edge_words(doc.text, *where) if self._trim else where
            sp = self.mapped(doc.text, start, end, period, value)
            if sp is not None:
                spans.append(sp)
        return finish(spans, drop_cardinals_in_times=False)
