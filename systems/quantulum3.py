"""``quantulum3``: quantities with units, run without its scikit-learn classifier."""

from __future__ import annotations

import logging
import warnings
from typing import Any, ClassVar

from bench.offsets import find_all
from bench.protocol import DocInput, Option, SystemInfo
from bench.schema import PredictedSpan
from bench.timex import duration_timex
from systems._base import WARM_UP, Backend, as_number, dist_version, finish

REQUIRES = ("quantulum3>=0.10",)
IMPORTS = ("quantulum3",)

# Native labels: quantulum3's entity names, with the percentage unit apart and every
# physical entity (length, mass, speed, ...) as "quantity".
LABEL_MAP: dict[str, str | None] = {
    "dimensionless": "CARDINAL",
    "percentage": "PERCENT",
    "currency": "MONEY",
    "time": "DATE",
    "quantity": "QUANTITY",
}
_TIME_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")


def classify(quantity: Any) -> tuple[str, object]:
    """(native label, value) of a quantulum3 Quantity; time amounts become TIMEX durations."""
    unit, entity = quantity.unit.name, quantity.unit.entity.name
    value = as_number(quantity.value)
    if unit == "percentage":
        return "percentage", value
    if entity in ("dimensionless", "currency"):
        return entity, value
    if entity == "time":
        if unit in _TIME_UNITS and value is not None:
            return "time", duration_timex({unit: value})
        return "time", None
    return "quantity", value


class Quantulum3System(Backend):
    """quantulum3 (regex grammar over a unit catalogue); units disambiguated without sklearn."""

    info: ClassVar[SystemInfo] = SystemInfo(
        name="quantulum3",
        version="1",
        layers=("time", "number"),
        labels=("CARDINAL", "PERCENT", "MONEY", "QUANTITY", "DATE"),
        description="quantulum3: numbers and quantities with units from free text",
        requires=REQUIRES,
        imports=IMPORTS,
        label_map=LABEL_MAP,
        options=(Option("lang", "quantulum3 language", default="en_US"),),
    )

    def load(self) -> None:
        """Import quantulum3 and switch its classifier off.

        Its shipped classifier pickle does not load with current scikit-learn, so unit
        disambiguation always uses quantulum3's classifier-free rules, whether or not
        scikit-learn is installed (``classifier.USE_CLF`` is read at every call).
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Classifier dependencies not installed"
            from quantulum3 import classifier, language, parser

        try:
            language.subdir(self.options["lang"])
        except NotImplementedError:
            known = ", ".join(sorted(language.LANGUAGES))
            raise self.fail("lang", f"not one of {known}") from None
        classifier.USE_CLF = False
        self.versions = {"quantulum3": dist_version("quantulum3")}
        self._parser = parser
        self.extract([WARM_UP])

    def _parse(self, text: str) -> list[Any]:
        # quantulum3's parse calls logging.basicConfig; undo it so the harness's logging
        # is not changed behind its back.
        root = logging.getLogger()
        before = list(root.handlers)
        try:
            return self._parser.parse(text, lang=self.options["lang"])
        finally:
            for handler in root.handlers[:]:
                if handler not in before:
                    root.removeHandler(handler)

    def _one(self, doc: DocInput) -> list[PredictedSpan]:
        """Every quantity of the document."""
        text = doc.text
        spans: list[PredictedSpan] = []
        for q in self._parse(text):
            start, end = q.span
            if text[start:end] != q.surface:
                near = find_all(text, q.surface)
                if not near:
                    continue
                start, end = min(near, key=lambda s: abs(s[0] - start))
            native, value = classify(q)
            sp = self.mapped(text, start, end, native, value)
            if sp is not None:
                spans.append(sp)
        return finish(spans, drop_cardinals_in_times=False)
