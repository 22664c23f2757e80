"""The registry of systems: built-ins, entry-point plugins and ``module:Class`` names.

Built-ins live in ``systems/`` and are named here as ``"module:Class"`` strings, imported only
when used; third-party plugins register through the ``bench.systems`` entry-point group;
``package.module:ClassName`` names any class directly. See docs/systems.md.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from bench.errors import BenchError, one_line
from bench.protocol import System, SystemInfo, validate_options
from bench.schema import ALL_LABELS

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

# The optional extra of pyproject.toml that installs what a built-in needs (docs/systems.md).
BUILTIN_EXTRAS: dict[str, str] = {
    "spacy": "spacy",
    "rules": "rules",
    "recognizers": "recognizers",
    "duckling": "duckling",
    "dateparser": "dateparser",
    "quantulum3": "quantulum3",
    "spacy-md": "spacy-md",
    "gazetteer": "gazetteer",
}


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


def install_hint(info: SystemInfo, extra: str | None = None) -> str:
    """The one pip command that installs what a system needs: ``pip install 'bench[extra]'``
    for a built-in with an extra, else its requirements."""
    if extra:
        return f"pip install 'bench[{extra}]'"
    return "pip install " + " ".join(f"'{r}'" for r in info.requires) if info.requires else ""


def extra_of(entry: SystemEntry) -> str | None:
    """The extra of pyproject.toml that installs a built-in's dependencies, if it has one."""
    return BUILTIN_EXTRAS.get(entry.name) if entry.origin == "builtin" else None


def availability(info: SystemInfo, deep: bool = False, extra: str | None = None) -> Availability:
    """Whether the dependencies of a system are installed; ``deep`` also imports them."""
    if info.python:
        from packaging.specifiers import SpecifierSet

        here = platform.python_version()
        if not SpecifierSet(info.python).contains(here, prereleases=True):
            return Availability(False, f"needs Python {info.python}, this is Python {here}")
    install = install_hint(info, extra)
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
        out.append(SystemListing(entry, info, availability(info, deep, extra_of(entry))))
    return out


def create_system(spec: str, options: Mapping[str, str] | None = None) -> System:
    """Construct a system by name or ``module:Class`` with validated options (not loaded)."""
    entry = resolve(spec)
    cls = load_class(entry)
    info: SystemInfo = cls.info  # type: ignore[attr-defined]
    checked = validate_options(info, options or {})
    avail = availability(info, extra=extra_of(entry))
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
