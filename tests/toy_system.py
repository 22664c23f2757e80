"""A small deterministic real system for the runner's tests: regular expressions, no model.

It finds four-digit years (DATE, value the year), numbers written in digits (CARDINAL, value
the number) and the names in ``NAMES`` (PERSON). Options: ``fail_on`` makes documents whose
text contains that string raise; ``fail_load=true`` makes ``load()`` raise; ``delay`` sleeps
that many seconds per document, so timing arithmetic can be checked against a known cost;
``names`` replaces the name list (comma-separated).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence

from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import PredictedSpan

YEAR = re.compile(r"\b(?:19|20)\d\d\b")
NUMBER = re.compile(r"\b\d+(?:,\d{3})*(?:\.\d+)?\b")
NAMES = ("Putin", "Assad", "Shoigu")


class ToySystem:
    """Regex extractor implementing the System protocol."""

    info = SystemInfo(
        name="toy",
        version="1.0",
        layers=("entity", "time", "number"),
        labels=("PERSON", "DATE", "CARDINAL"),
        description="regular expressions for tests",
        options=(
            Option("fail_on", "documents containing this string raise"),
            Option("delay", "seconds to sleep per document", kind="float"),
            Option("names", "comma-separated names to tag PERSON"),
            Option("fail_load", "raise in load()", kind="bool", default="false"),
        ),
    )

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options = dict(options or {})
        self.loaded = False
        self.closed = False
        self.calls: list[list[str]] = []

    def load(self) -> None:
        """Compile the name pattern."""
        if self.options.get("fail_load") == "true":
            raise OSError("model files missing\nsecond line")
        names = self.options.get("names")
        words = names.split(",") if names else NAMES
        self._names = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
        self.loaded = True

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Spans per document."""
        assert self.loaded, "extract before load"
        self.calls.append([d.doc_id for d in docs])
        out = []
        fail_on = self.options.get("fail_on")
        delay = float(self.options.get("delay", "0"))
        for doc in docs:
            if fail_on and fail_on in doc.text:
                raise RuntimeError(f"cannot handle {fail_on!r}")
            if delay:
                time.sleep(delay)
            spans: list[PredictedSpan] = []
            years = set()
            for m in YEAR.finditer(doc.text):
                years.add(m.start())
                spans.append(
                    PredictedSpan(start=m.start(), end=m.end(), label="DATE", value=m.group())
                )
            for m in NUMBER.finditer(doc.text):
                if m.start() in years:
                    continue
                num = float(m.group().replace(",", ""))
                value = int(num) if num.is_integer() else num
                spans.append(
                    PredictedSpan(start=m.start(), end=m.end(), label="CARDINAL", value=value)
                )
            for m in self._names.finditer(doc.text):
                spans.append(PredictedSpan(start=m.start(), end=m.end(), label="PERSON"))
            spans.sort(key=lambda s: (s.start, s.end))
            out.append(spans)
        return out

    def close(self) -> None:
        """Nothing to release."""
        self.closed = True
