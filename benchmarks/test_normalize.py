"""The shared normalizer per expression: Recognizers-Text against the fast path.

Over the text of every gold time and number span (time spans resolved against their
document's date), four ways, each a round over all the expressions:

- ``recognizers-text``: the raw models alone (``DateTimeModel.parse`` with the reference
  date; number and ordinal models), what the normalizer cost per expression before;
- ``before``: the normalizer without the fast rules and without the cache
  (``fast=False, cached=False``: hand rules, then Recognizers-Text for everything else);
- ``fast``: the fast rules, no cache (``cached=False``): the speed-up of the rules alone;
- ``fast+cache``: the default, with the cache warm (every expression seen before).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from benchmarks.conftest import GOLD, timed

pytest.importorskip("recognizers_date_time")

ROUNDS = 5


def _expressions() -> dict[str, list[tuple[str, dt.date]]]:
    out: dict[str, list[tuple[str, dt.date]]] = {"time": [], "number": []}
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        date = dt.date.fromisoformat(gold["document_date"])
        for s in gold["spans"]:
            if s["layer"] in out:
                out[s["layer"]].append((s["text"], date))
    return out


EXPRESSIONS = _expressions()


@pytest.mark.parametrize("way", ["recognizers-text", "before", "fast", "fast+cache"])
@pytest.mark.parametrize("layer", ["time", "number"])
def test_normalize(benchmark: Any, layer: str, way: str) -> None:
    from bench import normalize

    exprs = EXPRESSIONS[layer]
    model, numbers, ordinals = normalize._models()
    benchmark.group = f"normalize {layer}"

    def raw() -> None:
        for text, date in exprs:
            if layer == "time":
                model.parse(text, dt.datetime.combine(date, dt.time()))
            else:
                numbers.parse(text)
                ordinals.parse(text)

    def through(fast: bool, cached: bool) -> None:
        for text, date in exprs:
            if layer == "time":
                normalize.time_value(text, date, fast=fast, cached=cached)
            else:
                normalize.number_value(text, fast=fast, cached=cached)

    fn = {
        "recognizers-text": raw,
        "before": lambda: through(False, False),
        "fast": lambda: through(True, False),
        "fast+cache": lambda: through(True, True),
    }[way]
    normalize.cache_clear()
    timed(benchmark, fn, rounds=ROUNDS, warmup_rounds=1, expressions=len(exprs))
