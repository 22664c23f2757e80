"""``bench predictions ...``: system outputs in other formats as bench predictions files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="System outputs in other formats (TimeML, CoNLL columns) as predictions JSONL.",
    no_args_is_help=True,
)


@app.command(name="import")
def import_(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="timeml or conll.")],
    path: Annotated[Path, typer.Argument(help="A .tml file or directory, or a CoNLL file.")],
    corpus: Annotated[Path, typer.Option("--corpus", help="The corpus the output is for.")],
    out: Annotated[Path, typer.Option("--out", help="The predictions file to write (.jsonl).")],
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Format option key=value (conll: tag_column=N, ...)."),
    ] = None,
) -> None:
    """Import a system's output, every text checked against the corpus's."""
    from bench.corpus.importing import import_predictions
    from bench.protocol import parse_option_args

    done = import_predictions(fmt, path, corpus, out, parse_option_args(option or []))
    typer.echo(f"wrote {out}: {done.documents} document(s), {done.spans} spans", err=True)
