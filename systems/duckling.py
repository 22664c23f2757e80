"""``duckling``: Facebook's Duckling (compiled Haskell, via ``pyduckling-native-phihos``)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import PredictedSpan
from bench.timex import duration_timex, timex_from_datetime
from systems._base import (
    CARDINALS_IN_TIMES_OPTION,
    TRIM_OPTION,
    WARM_UP,
    Backend,
    as_number,
    dist_version,
    drop_nested_in_layer,
    finish,
    nearest,
    trim_edge_words,
    trim_note,
)

REQUIRES = ("pyduckling-native-phihos>=0.3", "tzdata>=2023.3")
IMPORTS = ("duckling",)

DIMENSIONS = (
    "time",
    "duration",
    "number",
    "ordinal",
    "amount-of-money",
    "distance",
    "volume",
    "temperature",
    "quantity",
)

# Native labels are Duckling's dimensions, with "time" split by grain: a time of day
# (grain hour, minute or second) is "time-of-day", a coarser one "time".
LABEL_MAP: dict[str, str | None] = {
    "time": "DATE",
    "time-of-day": "TIME",
    "duration": "DATE",
    "number": "CARDINAL",
    "ordinal": "ORDINAL",
    "amount-of-money": "MONEY",
    "distance": "QUANTITY",
    "volume": "QUANTITY",
    "temperature": "QUANTITY",
    "quantity": "QUANTITY",
}
_CLOCK_GRAINS = ("hour", "minute", "second")
_ZONEINFO = "/usr/share/zoneinfo"


def zoneinfo_dir(option: str = "") -> str | None:
    """The time-zone database Duckling loads: the option, the system's, or the tzdata wheel's."""
    if option:
        return option if Path(option).is_dir() else None
    if Path(_ZONEINFO).is_dir():
        return _ZONEINFO
    try:
        import importlib.resources

        path = importlib.resources.files("tzdata") / "zoneinfo"
        return str(path) if Path(str(path)).is_dir() else None
    except ModuleNotFoundError:
        return None


def _point(bound: dict[str, Any]) -> tuple[dt.datetime, str] | None:
    """A Duckling time value (``{"value": ISO, "grain": ...}``) as a naive datetime."""
    raw, grain = bound.get("value"), bound.get("grain")
    if not isinstance(raw, str) or not isinstance(grain, str):
        return None
    when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return when.replace(tzinfo=None), grain


def _time_point(value: dict[str, Any]) -> tuple[dt.datetime, str] | None:
    """The point a time value stands for: its value, or an interval's from (else to) bound."""
    if value.get("type") == "interval":
        bound = value.get("from") or value.get("to")
        return _point(bound) if isinstance(bound, dict) else None
    return _point(value)


def time_value(value: dict[str, Any], doc_date: dt.date, resolve: str) -> tuple[str, str | None]:
    """(native label, TIMEX3 value) of a Duckling time value.

    Duckling reads ambiguous dates forward from the reference time and lists its readings
    in ``values``; ``resolve=nearest`` takes the reading nearest the document date,
    ``native`` Duckling's own choice. The TIMEX granularity is Duckling's grain (day ->
    ``YYYY-MM-DD``, week -> ``YYYY-Www``, minute -> ``YYYY-MM-DDThh:mm``). An interval is
    valued by its start (or, when open at the start, its end).
    """
    readings = [p for v in value.get("values") or [] if (p := _time_point(v)) is not None]
    own = _time_point(value)
    if resolve == "nearest" and readings:
        point: tuple[dt.datetime, str] | None = readings[
            nearest([w for w, _ in readings], doc_date)
        ]
    else:
        point = own or (readings[0] if readings else None)
    if point is None:
        return "time", None
    when, grain = point
    native = "time-of-day" if grain in _CLOCK_GRAINS else "time"
    try:
        return native, timex_from_datetime(when, grain)
    except ValueError:
        return native, None


def _amount(value: dict[str, Any]) -> tuple[object, object]:
    """(number, unit) of a measure: its value, or an interval's from (else to) bound."""
    if value.get("type") == "interval":
        bound = value.get("from") or value.get("to") or {}
        return bound.get("value"), bound.get("unit")
    return value.get("value"), value.get("unit")


class DucklingSystem(Backend):
    """Duckling, English: time, duration, number, ordinal, money and measure dimensions."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="duckling",
        version="1",
        layers=("time", "number"),
        labels=("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "QUANTITY"),
        description="Facebook Duckling (Haskell, compiled into the wheel): rule-based parsing",
        requires=REQUIRES,
        imports=IMPORTS,
        label_map=LABEL_MAP,
        options=(
            Option("locale", "Duckling language", default="EN"),
            Option("dims", "comma list of: " + ", ".join(DIMENSIONS), default=",".join(DIMENSIONS)),
            Option("tz", "time zone of the reference time (document date, 00:00)", default="UTC"),
            Option(
                "zoneinfo", f"time-zone database directory, if not {_ZONEINFO} or tzdata's", "path"
            ),
            Option("latent", "also Duckling's latent (less certain) parses", "bool", "false"),
            Option(
                "resolve",
                "ambiguous dates: the reading nearest the document date, or Duckling's",
                default="nearest",
                choices=("nearest", "native"),
            ),
            TRIM_OPTION,
            CARDINALS_IN_TIMES_OPTION,
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        super().__init__(options)
        self._dims = self.opt_list("dims", DIMENSIONS)
        self._latent = bool(self.params["latent"])
        self._resolve = str(self.params["resolve"])
        self._drop = self.params["cardinals_in_times"] == "drop"
        self._trim = bool(self.params["trim"])
        self.note = trim_note(self)  # recorded in results, shown on the leaderboard

    def load(self) -> None:
        """Start the Haskell runtime and load the time-zone database."""
        zones = zoneinfo_dir(self.options.get("zoneinfo", ""))
        if zones is None:
            where = self.options.get("zoneinfo") or _ZONEINFO
            raise self.fail("zoneinfo", f"no time-zone database in {where}: pip install tzdata")
        if not Path(zones, self.options["tz"]).is_file():
            raise self.fail("tz", f"no such time zone in {zones}")
        import duckling

        self.versions = {"pyduckling-native-phihos": dist_version("pyduckling-native-phihos")}
        self._duckling = duckling
        self._tzdb = duckling.load_time_zones(os.fspath(zones))
        code = self.options["locale"].upper()
        lang = duckling.parse_lang(code)
        if lang.name != code:  # Duckling falls back to English without a word
            raise self.fail("locale", "not a language Duckling knows (EN, FR, DE, ZH, ...)")
        self._locale = duckling.default_locale_lang(lang)
        self._dim_objs = {d: duckling.parse_dimensions([d]) for d in self._dims}
        self.extract([WARM_UP])

    def _context(self, doc: DocInput) -> Any:
        d = doc.document_date
        stamp = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp())
        ref = self._duckling.parse_ref_time(self._tzdb, self.options["tz"], stamp)
        return self._duckling.Context(ref, self._locale)

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        """Parse the document once per dimension (so no dimension hides another's result)."""
        text = doc.text
        context = self._context(doc)
        spans: list[PredictedSpan] = []
        for dim_obj in self._dim_objs.values():
            for r in self._duckling.parse(text, context, dim_obj, self._latent):
                sp = self._span(text, doc.document_date, r)
                if sp is not None:
                    spans.append(sp)
        return finish(drop_nested_in_layer(spans), self._drop)

    def _span(self, text: str, doc_date: dt.date, r: dict[str, Any]) -> PredictedSpan | None:
        start, end, dim, value = r["start"], r["end"], r["dim"], r.get("value") or {}
        if text[start:end] != r.get("body"):
            return None  # offsets must be code points into this very text
        if self._trim:
            start, end = trim_edge_words(text, start, end)
        if dim == "time":
            native, timex = time_value(value, doc_date, self._resolve)
            return self.mapped(text, start, end, native, timex)
        if dim == "duration":
            amounts = {
                k: value[k]
                for k in ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
                if k in value
            }
            return self.mapped(text, start, end, dim, duration_timex(amounts))
        amount, unit = _amount(value)
        if dim == "amount-of-money" and unit == "unknown":
            # Duckling reports bare-number intervals ("more than 12 million") as money
            # with an unknown unit; they are not money, and the numbers inside them
            # come from the number dimension.
            return None
        return self.mapped(text, start, end, dim, as_number(amount))
