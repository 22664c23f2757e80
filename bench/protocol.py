"""The system protocol: what a system declares (info, options, labels), the documents it is
given, option and label-map handling, and an optional base class.

A system is constructed with its options (strings, validated against the options it
declares), loaded once (timed apart), then asked to extract spans from batches of documents.
Where systems come from (built-ins, plugins, ``module:Class``) is :mod:`bench.registry`.
See docs/systems.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from bench import strictjson
from bench.errors import BenchError, ParameterError
from bench.schema import ALL_LABELS, PredictedSpan, Value

# Options every system accepts: label-map overrides (docs/systems.md, "Label maps").
LABELS_OPTION = "labels"
LABEL_MAP_PREFIX = "label_map."


@dataclass(frozen=True)
class DocInput:
    """What a system sees of a document: its id, exact text and document date."""

    doc_id: str
    text: str
    document_date: dt.date


OptionKind = Literal["str", "int", "float", "bool", "path"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Option:
    """One option a system accepts as ``--option name=value``: its type, default and help."""

    name: str
    help: str
    kind: OptionKind = "str"
    default: str | None = None  # None and not required: the option is simply absent
    required: bool = False
    choices: tuple[str, ...] = ()

    def parse(self, raw: str) -> object:
        """The typed value of ``raw``; ValueError with a short reason when it is not valid."""
        if self.choices and raw not in self.choices:
            raise ValueError(f"expected one of {', '.join(self.choices)}, got {raw!r}")
        if self.kind == "int":
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"expected an integer, got {raw!r}") from None
        if self.kind == "float":
            try:
                return float(raw)
            except ValueError:
                raise ValueError(f"expected a number, got {raw!r}") from None
        if self.kind == "bool":
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(f"expected true or false, got {raw!r}")
        if self.kind == "path":
            return Path(raw)
        return raw


@dataclass(frozen=True)
class SystemInfo:
    """Static description of a system: shown by ``bench systems`` and recorded in results."""

    name: str
    version: str
    layers: tuple[str, ...]
    labels: tuple[str, ...]  # our labels it can produce (after its label map)
    description: str = ""
    requires: tuple[str, ...] = ()  # pip requirement strings needed to run it
    label_map: Mapping[str, str | None] = field(default_factory=dict)  # system label -> ours
    options: tuple[Option, ...] = ()  # what --option accepts besides the label-map options
    imports: tuple[str, ...] = ()  # modules that must be importable (checked by find_spec)
    python: str = ""  # Python versions it runs on (a specifier such as ">=3.12"), "" for any
    note: str = ""  # a short remark recorded in results, e.g. that the system is a floor

    def option(self, name: str) -> Option | None:
        """The declared option called ``name``, or None."""
        return next((o for o in self.options if o.name == name), None)

    def native_labels(self) -> tuple[str, ...]:
        """Labels the system itself emits: its label map's keys, else our labels it produces."""
        return tuple(dict.fromkeys([*self.label_map, *self.labels]))


@runtime_checkable
class System(Protocol):
    """An extractor under test."""

    info: SystemInfo
    options: Mapping[str, str]

    def load(self) -> None:
        """Load models and resources; timed apart from extraction."""

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Spans for each document of the batch, in the batch's order."""

    def close(self) -> None:
        """Release resources (servers, processes, files)."""


# --- options ------------------------------------------------------------------------------


def parse_option_args(args: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` from ``--option`` flags as a dict; malformed or repeated keys are errors."""
    out: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError("option", f"{arg!r}: expected key=value")
        if key in out:
            raise ParameterError("option", f"{key}: given twice")
        out[key] = value
    return out


def _option_names(info: SystemInfo) -> str:
    names = [o.name for o in info.options] + [LABELS_OPTION, f"{LABEL_MAP_PREFIX}<LABEL>"]
    return ", ".join(names)


def validate_options(info: SystemInfo, options: Mapping[str, str]) -> dict[str, str]:
    """Options checked against what ``info`` declares, defaults filled in, keys sorted."""
    out: dict[str, str] = {}
    for key, raw in options.items():
        if not isinstance(raw, str):
            raise BenchError(f"system {info.name!r}: option {key}: expected a string, got {raw!r}")
        if key == LABELS_OPTION or key.startswith(LABEL_MAP_PREFIX):
            out[key] = raw
            continue
        opt = info.option(key)
        if opt is None:
            raise BenchError(
                f"system {info.name!r}: unknown option {key!r} (options: {_option_names(info)})"
            )
        try:
            opt.parse(raw)
        except ValueError as exc:
            raise BenchError(f"system {info.name!r}: option {key}: {exc}") from None
        out[key] = raw
    for opt in info.options:
        if opt.name in out:
            continue
        if opt.required:
            raise ParameterError(
                "options",
                f"system {info.name!r}: option {opt.name!r} is required "
                f"(option {opt.name}=...: {opt.help})",
            )
        if opt.default is not None:
            out[opt.name] = opt.default
    resolve_label_map(info, out)  # label-map options are validated here, once
    return dict(sorted(out.items()))


def typed_options(info: SystemInfo, options: Mapping[str, str]) -> dict[str, object]:
    """The declared options of a validated option dict, parsed to their types."""
    out: dict[str, object] = {}
    for opt in info.options:
        if opt.name in options:
            out[opt.name] = opt.parse(options[opt.name])
    return out


# --- label maps ---------------------------------------------------------------------------


def _map_target(info: SystemInfo, where: str, label: str, target: object) -> str | None:
    native = info.native_labels()
    if label not in native:
        raise BenchError(
            f"{where}: {label!r} is not a label of system {info.name!r} "
            f"(its labels: {', '.join(native)})"
        )
    if target is None or target == "":
        return None
    if not isinstance(target, str) or target not in ALL_LABELS:
        raise BenchError(
            f"{where}: {target!r} is not one of our labels ({', '.join(ALL_LABELS)}); "
            "use an empty value or null to drop the label"
        )
    return target


def resolve_label_map(info: SystemInfo, options: Mapping[str, str]) -> dict[str, str | None]:
    """The system's label map with the ``labels=FILE`` and ``label_map.X=Y`` overrides applied."""
    out: dict[str, str | None] = dict(info.label_map)
    for label in info.labels:
        out.setdefault(label, label)
    path = options.get(LABELS_OPTION)
    if path:
        try:
            data = strictjson.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BenchError(f"{path}: file not found (option {LABELS_OPTION})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BenchError(f"{path}: cannot read: {exc}") from None
        except strictjson.JsonError as exc:
            at = f"{path}:{exc.lineno}" if exc.lineno else path
            raise BenchError(f"{at}: json: {exc.msg}") from None
        if not isinstance(data, dict):
            raise BenchError(f"{path}: expected a JSON object of system label -> our label")
        for label, target in data.items():
            out[label] = _map_target(info, f"{path}: {label}", label, target)
    for key, target in options.items():
        if key.startswith(LABEL_MAP_PREFIX):
            label = key[len(LABEL_MAP_PREFIX) :]
            out[label] = _map_target(info, f"option {key}", label, target)
    return out


# --- a convenient base class --------------------------------------------------------------


class BaseSystem:
    """Optional base for systems: validated options, label map, ``span()`` helper, no-op hooks."""

    info: ClassVar[SystemInfo]

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options: dict[str, str] = validate_options(self.info, options or {})
        self.params: dict[str, Any] = typed_options(self.info, self.options)
        self.label_map: dict[str, str | None] = resolve_label_map(self.info, self.options)
        self.versions: dict[str, str] = {}  # library and model versions actually used

    def load(self) -> None:
        """Nothing to load by default."""

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Spans of each document from :meth:`find`, labels mapped, dropped labels left out."""
        out = []
        for doc in docs:
            spans = []
            for start, end, label, value in self.find(doc):
                span = self.span(start, end, label, value, doc.text[start:end])
                if span is not None:
                    spans.append(span)
            out.append(spans)
        return out

    def find(self, doc: DocInput) -> Iterable[tuple[int, int, str, Value]]:
        """``(start, end, system label, value)`` per mention: implement this or ``extract``."""
        raise NotImplementedError(f"{type(self).__name__} implements neither find nor extract")

    def close(self) -> None:
        """Nothing to release by default."""

    def map_label(self, label: str) -> str | None:
        """Our label for a system label; None when it is dropped or unknown."""
        return self.label_map.get(label)

    def span(
        self,
        start: int,
        end: int,
        label: str,
        value: Value = None,
        text: str | None = None,
        score: float | None = None,
    ) -> PredictedSpan | None:
        """A predicted span with ``label`` mapped into ours, or None when the label is dropped."""
        ours = self.map_label(label)
        if ours is None:
            return None
        return PredictedSpan(start=start, end=end, label=ours, value=value, text=text, score=score)


def describe(system: System) -> dict[str, object]:
    """What a result records about a system: name, version, options, label map, versions,
    and its note when it has one."""
    info = system.info
    label_map = getattr(system, "label_map", None) or resolve_label_map(info, system.options)
    out: dict[str, object] = {
        "name": info.name,
        "version": info.version,
        "options": dict(sorted(system.options.items())),
        "label_map": dict(sorted(label_map.items())),
        "versions": dict(sorted(getattr(system, "versions", {}).items())),
    }
    # A system may set ``note`` on itself when it depends on its options (systems/_base.py).
    note = getattr(system, "note", None)
    note = note if isinstance(note, str) and note else info.note
    if note:
        out["note"] = note
    return out
