"""``bench diff A B``: predicted spans added, removed, relabelled, moved and revalued between
two runs, and which of those changes moved the score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def diff(
    a: Annotated[
        str, typer.Argument(help="Old run: a predictions file, a result file or a result label.")
    ],
    b: Annotated[
        str, typer.Argument(help="New run: a predictions file, a result file or a result label.")
    ],
    results: Annotated[
        Path, typer.Option("--results", help="Directory where result labels are looked up.")
    ] = Path("results"),
    gold: Annotated[Path, typer.Option("--gold", help="Directory of gold files.")] = Path("gold"),
    texts: Annotated[
        Path, typer.Option("--texts", help="Directory of the documents' texts.")
    ] = Path("seeds"),
    layer: Annotated[
        list[str] | None, typer.Option("--layer", "-l", help="Only this layer (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the diff as JSON.")] = False,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when some change moved the score.")
    ] = False,
) -> None:
    """Show, per document, how B's predicted spans differ from A's and which changes fixed
    or broke a match against the gold (docs/run.md, "Diffs of predictions")."""
    from bench.report.diff import diff_predictions, render_text

    out = diff_predictions(
        a, b, results_dir=results, gold_dir=gold, texts_dir=texts, layers=layer or None
    )
    typer.echo(out.model_dump_json(indent=2) if as_json else render_text(out), nl=as_json)
    if exit_code and any(c.effect for d in out.documents for c in d.changes):
        raise typer.Exit(1)
