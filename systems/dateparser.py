"""``dateparser``: scrapinghub's dateparser ``search_dates``, offsets recovered from its strings."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Any, ClassVar

from bench.offsets import find_in_order
from bench.schema import PredictedSpan
from bench.systems import DocInput, SystemInfo
from bench.timex import timex_from_datetime
from systems._base import WARM_UP, Backend, doc_datetime, finish

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


def _version() -> str:
    try:
        return importlib.metadata.version("dateparser")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


class DateparserSystem(Backend):
    """dateparser's ``search_dates`` with the document date as relative base."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="dateparser",
        version=_version(),
        layers=("time",),
        labels=("DATE", "TIME"),
        description="dateparser search_dates: dates and times in free text, many languages",
        requires=REQUIRES,
        label_map=LABEL_MAP,
    )
    imports: ClassVar[tuple[str, ...]] = IMPORTS
    defaults: ClassVar[dict[str, str]] = {
        "languages": "en",
        "prefer_dates_from": "current_period",
        "strategy": "split",
    }

    def load(self) -> None:
        """Import dateparser and check the options."""
        self._languages = self.opt_list("languages")
        self._prefer = self.opt_choice("prefer_dates_from", ("current_period", "past", "future"))
        self._strategy = self.opt_choice("strategy", ("split", "ngram"))
        from dateparser.search import search_dates

        self._search = search_dates
        self.extract([WARM_UP])

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Search each document and locate every found string in reading order."""
        return [self._one(doc) for doc in docs]

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
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
            sp = self.span(doc.text, where[0], where[1], period, value)
            if sp is not None:
                spans.append(sp)
        return finish(spans, drop_cardinals_in_times=False)
