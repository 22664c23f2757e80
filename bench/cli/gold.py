"""``bench gold ...``: validate, show and count gold annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Validate, review and count gold annotations.", no_args_is_help=True)

TextsOpt = Annotated[Path, typer.Option("--texts", help="Directory of the documents' texts.")]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Directory of gold files.")]


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Gold files or directories.")] = None,
    texts: TextsOpt = Path("seeds"),
) -> None:
    """Check gold files against every rule; print each violation as FILE:LINE: field: problem."""
    from bench.corpus import gold_paths, validate_gold_file

    files = gold_paths(paths or [Path("gold")])
    if not files:
        typer.echo("error: no gold files given or found", err=True)
        raise typer.Exit(1)
    bad = 0
    n_spans = 0
    for path in files:
        check = validate_gold_file(path, texts)
        for v in check.violations:
            typer.echo(str(v))
        bad += len(check.violations)
        if check.gold is not None and not check.violations:
            n_spans += len(check.gold.spans)
    if bad:
        typer.echo(f"{bad} violation(s) in {len(files)} file(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(files)} gold file(s), {n_spans} spans", err=True)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id, e.g. 000_1598703d18e677fe.")],
    gold: GoldOpt = Path("gold"),
    texts: TextsOpt = Path("seeds"),
    layer: Annotated[list[str] | None, typer.Option(help="Only these layers.")] = None,
) -> None:
    """Print a document with its gold spans marked [text]{LABEL=value}, by layer colour."""
    from rich.console import Console

    from bench.corpus import validate_gold_file
    from bench.errors import BenchError
    from bench.review import render_gold
    from bench.schema import LAYERS

    check = validate_gold_file(gold / f"{doc_id}.json", texts)
    if check.violations:
        raise BenchError(str(check.violations[0]))
    assert check.gold is not None and check.text is not None
    for name in layer or []:
        if name not in LAYERS:
            raise BenchError(f"--layer: unknown layer {name!r} (one of {', '.join(LAYERS)})")
    Console(highlight=False).print(
        render_gold(check.gold, check.text, layer or LAYERS), soft_wrap=True
    )


@app.command()
def stats(
    gold: GoldOpt = Path("gold"),
    texts: TextsOpt = Path("seeds"),
    readme: Annotated[
        Path | None,
        typer.Option(
            help="Also write the table into this file between <!-- corpus:... --> markers."
        ),
    ] = None,
) -> None:
    """Count gold spans per layer, label and document (markdown table)."""
    from bench.corpus import load_gold_dir, write_atomic
    from bench.errors import BenchError
    from bench.review import replace_between, stats_markdown

    docs = load_gold_dir(gold, texts)
    table = stats_markdown(g for g, _ in docs.values())
    typer.echo(table, nl=False)
    if readme is not None:
        try:
            updated = replace_between(readme.read_text("utf-8"), "corpus", table)
        except (OSError, ValueError) as exc:
            raise BenchError(f"{readme}: {exc}") from None
        write_atomic(readme, updated)
