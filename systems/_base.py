"""Plumbing shared by the built-in backends: options, label mapping, availability, values."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from bench.errors import BenchError
from bench.offsets import drop_nested
from bench.schema import LABEL_LAYER, PredictedSpan, Value
from bench.systems import DocInput, SystemInfo

# Parsed once at the end of load(), so lazily loaded data (unit tables, language data,
# compiled grammars) is loaded there, timed apart, and not inside the first extraction.
WARM_UP = DocInput(
    "warm-up",
    "On Monday, December 11, 2017 at 10 am, 12 million people paid $5 (10%).",
    dt.date(2017, 12, 11),
)


class Backend:
    """Base of a built-in system: checked string options, a label map, a no-op close.

    Subclasses set ``info`` (its ``label_map`` maps the library's own labels to ours,
    ``None`` dropping them), ``imports`` (the modules that must be importable) and
    ``defaults`` (every option it accepts, with its default as a string).
    """

    info: ClassVar[SystemInfo]
    imports: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[dict[str, str]] = {}

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        options = dict(options or {})
        known = {*self.defaults, "label_map"}
        for key in options:
            if key not in known:
                raise BenchError(
                    f"system {self.info.name!r}: unknown option {key!r} "
                    f"(known: {', '.join(sorted(known))})"
                )
        self.options: dict[str, str] = {**self.defaults, **options}
        self.label_map = self._label_map(options.get("label_map", ""))

    @classmethod
    def probe(cls) -> str | None:
        """Why the system cannot run here (missing module, ...), or None; imports nothing."""
        for name in cls.imports:
            if importlib.util.find_spec(name) is None:
                return f"module {name!r} not installed: pip install " + " ".join(
                    f"'{r}'" for r in cls.info.requires
                )
        return None

    def load(self) -> None:
        """Load models and resources; subclasses override."""

    def close(self) -> None:
        """Nothing to release by default."""

    # options -------------------------------------------------------------------------

    def _fail(self, key: str, problem: str) -> BenchError:
        value = self.options.get(key)
        return BenchError(f"system {self.info.name!r}: option {key}={value!r}: {problem}")

    def opt_int(self, key: str, minimum: int | None = None) -> int:
        """An integer option."""
        try:
            value = int(self.options[key])
        except ValueError:
            raise self._fail(key, "not an integer") from None
        if minimum is not None and value < minimum:
            raise self._fail(key, f"must be at least {minimum}")
        return value

    def opt_float(self, key: str, minimum: float | None = None) -> float:
        """A finite number option."""
        try:
            value = float(self.options[key])
        except ValueError:
            raise self._fail(key, "not a number") from None
        if not math.isfinite(value) or (minimum is not None and value < minimum):
            raise self._fail(key, f"must be a finite number >= {minimum}")
        return value

    def opt_bool(self, key: str) -> bool:
        """A yes/no option: true/false, yes/no, 1/0, on/off."""
        raw = self.options[key].strip().lower()
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise self._fail(key, "expected true or false")

    def opt_choice(self, key: str, choices: Sequence[str]) -> str:
        """An option that must be one of ``choices``."""
        value = self.options[key]
        if value not in choices:
            raise self._fail(key, f"expected one of {', '.join(choices)}")
        return value

    def opt_list(self, key: str, choices: Sequence[str] | None = None) -> list[str]:
        """A comma-separated list option, each item checked against ``choices``."""
        items = [x.strip() for x in self.options[key].split(",") if x.strip()]
        if choices is not None:
            bad = [x for x in items if x not in choices]
            if bad:
                raise self._fail(key, f"unknown {bad[0]!r} (known: {', '.join(choices)})")
        return items

    # labels --------------------------------------------------------------------------

    def _label_map(self, spec: str) -> dict[str, str | None]:
        """The info's label map, overridden by ``label_map=native=LABEL,other=none``."""
        out = dict(self.info.label_map)
        for item in filter(None, (x.strip() for x in spec.split(","))):
            native, sep, ours = item.partition("=")
            native, ours = native.strip(), ours.strip()
            if not sep or native not in out:
                raise BenchError(
                    f"system {self.info.name!r}: option label_map: {item!r} is not "
                    f"NATIVE=LABEL with NATIVE one of {', '.join(out)}"
                )
            if ours.lower() == "none":
                out[native] = None
            elif ours in LABEL_LAYER:
                out[native] = ours
            else:
                raise BenchError(
                    f"system {self.info.name!r}: option label_map: unknown label {ours!r}"
                )
        return out

    def span(
        self, text: str, start: int, end: int, native: str, value: object = None
    ) -> PredictedSpan | None:
        """A predicted span with our label for a native one, or None when it is dropped."""
        label = self.label_map.get(native)
        if label is None or not (0 <= start < end <= len(text)):
            return None
        layer = LABEL_LAYER[label]
        kept: Value = None
        if layer == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            kept = value
        elif layer == "time" and isinstance(value, str):
            kept = value
        return PredictedSpan.model_validate(
            {
                "start": start,
                "end": end,
                "label": label,
                "layer": layer,
                "value": kept,
                "text": text[start:end],
            }
        )


def number_value(raw: object) -> int | float | None:
    """A JSON number from a library's value (``"465000"``, ``"10%"``, 1.5e3); None if not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip().rstrip("%").replace(",", "").strip()
        try:
            raw = float(raw)
        except ValueError:
            return None
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    if float(raw).is_integer() and abs(raw) < 2**53:
        return int(raw)
    return float(raw)


def nearest(candidates: Sequence[dt.date], ref: dt.date) -> int:
    """Index of the candidate date nearest ``ref`` (the earlier one on a tie)."""

    def key(i: int) -> tuple[int, dt.date]:
        c = candidates[i]
        day = c.date() if isinstance(c, dt.datetime) else c
        return abs((day - ref).days), day

    return min(range(len(candidates)), key=key)


def finish(spans: Iterable[PredictedSpan], drop_cardinals_in_times: bool) -> list[PredictedSpan]:
    """Sorted, without duplicates (same offsets and label) and, optionally, without
    CARDINAL spans inside a time span (the annotation guidelines do not mark them)."""
    seen: set[tuple[int, int, str]] = set()
    out: list[PredictedSpan] = []
    for sp in spans:
        key = (sp.start, sp.end, sp.label)
        if key not in seen:
            seen.add(key)
            out.append(sp)
    if drop_cardinals_in_times:
        times = [(s.start, s.end) for s in out if s.span_layer == "time"]
        out = [
            s
            for s in out
            if s.label != "CARDINAL" or not any(a <= s.start and s.end <= b for a, b in times)
        ]
    return sorted(out, key=lambda s: (s.start, s.end, s.label))


def drop_nested_in_layer(spans: list[PredictedSpan]) -> list[PredictedSpan]:
    """Drop spans strictly inside a longer span of the same layer (a longest-match rule)."""
    out: list[PredictedSpan] = []
    for layer in {s.span_layer for s in spans}:
        mine = [s for s in spans if s.span_layer == layer]
        nested = drop_nested((s.start, s.end) for s in mine)
        out += [s for s in mine if (s.start, s.end) not in nested]
    return sorted(out, key=lambda s: (s.start, s.end, s.label))


def doc_datetime(doc: DocInput) -> dt.datetime:
    """The document date as a naive midnight datetime (what the libraries take)."""
    d = doc.document_date
    return dt.datetime(d.year, d.month, d.day)
