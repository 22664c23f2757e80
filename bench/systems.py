"""The system protocol, option and label-map handling, and the registry of systems.

A system is constructed with its options (``--option key=value``, strings, validated against
the options it declares), loaded once (timed apart), then asked to extract spans from batches
of documents. Built-ins live in ``systems/`` and are named here as ``"module:Class"`` strings,
imported only when used; third-party plugins register through the ``bench.systems``
entry-point group; ``package.module:ClassName`` names any class directly. See docs/systems.md.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import importlib.util
import platform
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from bench import strictjson
from bench.errors import BenchError, one_line
from bench.schema import ALL_LABELS, PredictedSpan, Value

ENTRY_POINT_GROUP = "bench.systems"

# Built-in systems: name -> "module:Class", imported only when the system is listed or used.
BUILTINS: dict[str, str] = {
    "spacy": "systems.spacy:SpacySystem",
    "spacy-md": "systems.spacy:SpacyMdSystem",
    "gazetteer": "systems.gazetteer:GazetteerSystem",
    "rules": "systems.rules:RulesSystem",
    "predictions": "systems.predictions:PredictionsSystem",
    "recognizers": "systems.recognizers:RecognizersSystem",
    "duckling": "systems.duckling:DucklingSystem",
    "dateparser": "systems.dateparser:DateparserSystem",
    "quantulum3": "systems.quantulum3:Quantulum3System",
    "llm": "systems.llm:LlmSystem",
}

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
            raise BenchError(f"--option {arg!r}: expected key=value")
        if key in out:
            raise BenchError(f"--option {key}: given twice")
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
            raise BenchError(
                f"system {info.name!r}: option {opt.name!r} is required "
                f"(--option {opt.name}=...: {opt.help})"
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


# --- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemEntry:
    """Where a system comes from: its name, ``module:Class`` target and origin."""

    name: str
    target: str
    origin: str  # "builtin", "plugin <dist> <version>" or "module"


@dataclass(frozen=True)
class Availability:
    """Whether a system can run here; if not, why and what to install."""

    ok: bool
    reason: str = ""
    install: str = ""  # pip command that makes it available


@dataclass(frozen=True)
class SystemListing:
    """One row of ``bench systems``: the entry, its info (when importable) and availability."""

    entry: SystemEntry
    info: SystemInfo | None
    availability: Availability


def plugin_entries() -> list[SystemEntry]:
    """Systems registered by installed distributions in the ``bench.systems`` group."""
    out = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        origin = f"plugin {dist.name} {dist.version}" if dist is not None else "plugin"
        out.append(SystemEntry(ep.name, ep.value, origin))
    return sorted(out, key=lambda e: (e.name, e.target))


def entries() -> dict[str, SystemEntry]:
    """All named systems: built-ins first; a plugin cannot replace a built-in of the same name."""
    out = {name: SystemEntry(name, target, "builtin") for name, target in BUILTINS.items()}
    for entry in plugin_entries():
        out.setdefault(entry.name, entry)
    return out


def shadowed_plugins() -> list[SystemEntry]:
    """Plugins whose name is already taken (by a built-in or an earlier plugin): ignored."""
    seen = set(BUILTINS)
    out = []
    for entry in plugin_entries():
        if entry.name in seen:
            out.append(entry)
        seen.add(entry.name)
    return out


_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

# ``module:Class`` imports ``module``, which runs its code (as ``python -m module`` would).
# No bench system lives in the standard library, and importing some of it is itself the harm
# (``antigravity`` opens a browser, ``this`` prints): every standard-library module, and these,
# are refused by name, before anything is imported.
REFUSED_MODULES = frozenset({*sys.stdlib_module_names, "__main__"})


def refused_target(spec: str) -> str | None:
    """Why the ``module:Class`` spec is refused without importing it, or None."""
    top = spec.partition(":")[0].split(".")[0]
    if top in REFUSED_MODULES:
        return (
            f"{top} is a standard-library module; module:Class imports and runs the module's "
            "code, so such targets (os:system and the like) are refused before any import"
        )
    return None


def resolve(spec: str) -> SystemEntry:
    """The entry for a system name or a ``package.module:ClassName`` spec.

    A spec imports its module (and so runs its code) when the system is used; targets in the
    standard library are refused here, before any import."""
    if ":" in spec:
        if not _TARGET.match(spec):
            raise BenchError(f"system {spec!r}: expected NAME or package.module:ClassName")
        why = refused_target(spec)
        if why:
            raise BenchError(f"system {spec!r}: refused: {why}")
        return SystemEntry(spec, spec, "module")
    found = entries()
    if spec not in found:
        raise BenchError(
            f"unknown system {spec!r} (known: {', '.join(sorted(found))}; "
            "or give package.module:ClassName)"
        )
    return found[spec]


def check_class(cls: object, where: str) -> type:
    """``cls`` itself when it is a class implementing the protocol; else a one-line error."""
    if not isinstance(cls, type):
        raise SystemLoadError(where, f"is not a class (got {type(cls).__name__})")
    info = getattr(cls, "info", None)
    if not isinstance(info, SystemInfo):
        raise SystemLoadError(where, "is not a bench system: no class attribute info: SystemInfo")
    missing = [m for m in ("load", "extract", "close") if not callable(getattr(cls, m, None))]
    if missing:
        raise SystemLoadError(where, f"is not a bench system: missing {', '.join(missing)}()")
    bad = [label for label in info.labels if label not in ALL_LABELS]
    if bad:
        raise SystemLoadError(where, f"info.labels are not our labels: {', '.join(bad)}")
    return cls


class SystemLoadError(BenchError):
    """A system that cannot be imported or is not a system; ``reason`` omits the system name."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.reason = reason


def load_class(entry: SystemEntry) -> type:
    """Import an entry's class; import failures and non-systems are one-line errors."""
    module_name, _, attr = entry.target.partition(":")
    where = f"system {entry.name!r} ({entry.origin}, {entry.target})"
    if entry.origin == "module":
        where = f"system {entry.target!r}"
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise SystemLoadError(where, f"cannot import {module_name}: {one_line(exc)}") from None
    if not hasattr(module, attr):
        raise SystemLoadError(where, f"module {module_name} has no attribute {attr!r}")
    return check_class(getattr(module, attr), where)


def _requirement_problem(req_text: str) -> str | None:
    """Why the installed distributions do not satisfy ``req_text``, or None when they do."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(req_text)
    except InvalidRequirement:
        return f"invalid requirement {req_text!r}"
    try:
        version = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        return f"{req.name} is not installed"
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return f"{req.name} {version} is installed, {req_text} is needed"
    return None


def availability(info: SystemInfo, deep: bool = False) -> Availability:
    """Whether the dependencies of a system are installed; ``deep`` also imports them."""
    if info.python:
        from packaging.specifiers import SpecifierSet

        here = platform.python_version()
        if not SpecifierSet(info.python).contains(here, prereleases=True):
            return Availability(False, f"needs Python {info.python}, this is Python {here}")
    install = "pip install " + " ".join(f"'{r}'" for r in info.requires) if info.requires else ""
    for req in info.requires:
        problem = _requirement_problem(req)
        if problem:
            return Availability(False, problem, install)
    for module in info.imports:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return Availability(False, f"module {module} is not importable", install)
        if deep:
            try:
                importlib.import_module(module)
            except Exception as exc:
                return Availability(False, f"import {module}: {one_line(exc)}", install)
    return Availability(True, "", install)


def list_systems(deep: bool = False) -> list[SystemListing]:
    """Every named system with its info and availability; broken ones are listed, not raised."""
    out = []
    for entry in entries().values():
        try:
            cls = load_class(entry)
        except SystemLoadError as exc:
            out.append(SystemListing(entry, None, Availability(False, exc.reason)))
            continue
        info: SystemInfo = cls.info  # type: ignore[attr-defined]
        out.append(SystemListing(entry, info, availability(info, deep)))
    return out


def create_system(spec: str, options: Mapping[str, str] | None = None) -> System:
    """Construct a system by name or ``module:Class`` with validated options (not loaded)."""
    entry = resolve(spec)
    cls = load_class(entry)
    info: SystemInfo = cls.info  # type: ignore[attr-defined]
    checked = validate_options(info, options or {})
    avail = availability(info)
    if not avail.ok:
        hint = f"; {avail.install}" if avail.install else ""
        raise BenchError(f"system {info.name!r} is unavailable: {avail.reason}{hint}")
    try:
        system = cls(checked)
    except BenchError:
        raise
    except Exception as exc:
        raise BenchError(f"system {info.name!r}: cannot construct: {one_line(exc)}") from None
    if not isinstance(getattr(system, "options", None), Mapping):
        raise BenchError(f"system {info.name!r}: instance has no options mapping")
    return system


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
    if info.note:
        out["note"] = info.note
    return out
