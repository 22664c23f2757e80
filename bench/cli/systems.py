"""``bench systems``: every system bench can run, its labels, options and availability."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def systems(
    names: Annotated[list[str] | None, typer.Argument(help="Only these systems.")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Also import each system's modules (slower).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List every system with its labels and options; if unavailable, why and what to install."""
    from bench.errors import BenchError
    from bench.protocol import resolve_label_map
    from bench.registry import list_systems, shadowed_plugins

    rows = list_systems(deep=check)
    if names:
        known = {r.entry.name for r in rows}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BenchError(f"unknown system {unknown[0]!r} (known: {', '.join(sorted(known))})")
        rows = [r for r in rows if r.entry.name in names]
    if as_json:
        out = []
        for r in rows:
            info = r.info
            out.append(
                {
                    "name": r.entry.name,
                    "target": r.entry.target,
                    "origin": r.entry.origin,
                    "available": r.availability.ok,
                    "reason": r.availability.reason or None,
                    "install": r.availability.install or None,
                    "version": info.version if info else None,
                    "layers": list(info.layers) if info else [],
                    "labels": list(info.labels) if info else [],
                    "options": {o.name: o.default for o in info.options} if info else {},
                    "label_map": resolve_label_map(info, {}) if info else {},
                }
            )
        typer.echo(json.dumps(out, indent=2))
        return
    for r in rows:
        state = "available" if r.availability.ok else "unavailable"
        typer.echo(f"{r.entry.name}  [{state}]  {r.entry.origin}: {r.entry.target}")
        info = r.info
        if info is not None:
            if info.description:
                typer.echo(f"    {info.description}")
            typer.echo(f"    version {info.version}; layers: {', '.join(info.layers)}")
            typer.echo(f"    labels: {' '.join(info.labels)}")
            for o in info.options:
                shown = "required" if o.required else f"default {o.default}"
                kind = "|".join(o.choices) if o.choices else o.kind
                typer.echo(f"    --option {o.name}=<{kind}>  {o.help} ({shown})")
        if not r.availability.ok:
            typer.echo(f"    unavailable: {r.availability.reason}")
            if r.availability.install:
                typer.echo(f"    install: {r.availability.install}")
    for e in shadowed_plugins():
        typer.echo(f"warning: plugin {e.name!r} ({e.origin}: {e.target}) ignored: name taken")
