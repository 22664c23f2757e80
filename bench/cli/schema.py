"""``bench schema ...``: the JSON Schema files of bench's file formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="JSON Schema of the file formats, generated from the models.", no_args_is_help=True
)


@app.command("export")
def export_(
    out: Annotated[Path, typer.Option("--out", help="Directory of the schema files.")] = Path(
        "docs/schema"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when a file is missing or stale.")
    ] = False,
) -> None:
    """Write docs/schema/*.schema.json from the pydantic models (GoldDocument, CorpusMeta, …)."""
    from bench.schemafiles import export_schemas, stale_files

    if check:
        stale = stale_files(out)
        for path in stale:
            typer.echo(f"{path}: out of date; run `bench schema export`")
        if stale:
            raise typer.Exit(1)
        typer.echo(f"ok: schema files in {out} are up to date", err=True)
        return
    for path in export_schemas(out):
        typer.echo(str(path))
