"""``bench corpus ...``: check a corpus file or directory as a stream; generate a synthetic one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Corpora beyond the seeds: validate one as a stream, generate a synthetic one.",
    no_args_is_help=True,
)


@app.command()
def validate(
    path: Annotated[
        Path,
        typer.Argument(help="A directory (gold/ + texts/), .jsonl, .parquet or saved dataset."),
    ],
    limit: Annotated[
        int, typer.Option(help="Stop after this many violations (0: report all).")
    ] = 100,
) -> None:
    """Check every document of a corpus, read as a stream; print each violation on one line."""
    from bench.corpus.stream import open_corpus

    corpus = open_corpus(path)
    docs = spans = bad = 0
    for out in corpus.outcomes():
        for v in out.violations:
            bad += 1
            typer.echo(str(v))
            if limit and bad >= limit:
                typer.echo(f"stopped after {bad} violation(s) (--limit)", err=True)
                raise typer.Exit(1)
        if out.document is not None:
            docs += 1
            spans += len(out.document.gold.spans)
    if bad:
        typer.echo(f"{bad} violation(s); {docs} valid document(s) in {path}", err=True)
        raise typer.Exit(1)
    labels = corpus.label_set().name
    typer.echo(
        f"ok: {corpus.kind} corpus {path}: {docs} document(s), {spans} spans, label set {labels}",
        err=True,
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="File to write: .jsonl or .parquet.")],
    docs: Annotated[int, typer.Option("--docs", help="Number of documents.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same corpus.")] = 0,
) -> None:
    """Write a synthetic news corpus with complete gold (for scale benchmarks), streamed."""
    from bench.corpus.stream import synthetic_documents, write_corpus
    from bench.errors import BenchError
    from bench.scoring.resample import check_seed

    if docs < 1:
        raise BenchError(f"--docs: must be at least 1, got {docs}")
    check_seed(seed)
    n = write_corpus(synthetic_documents(docs, seed), out)
    typer.echo(f"wrote {out}: {n} document(s)", err=True)


@app.command(name="import")
def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="conll, timeml, hf-tokens, or a tool format with texts: labelstudio, doccano, "
            "brat, docbin.",
        ),
    ],
    path: Annotated[Path, typer.Argument(help="The file or directory to read.")],
    out: Annotated[Path, typer.Option("--out", help="The corpus to write (.jsonl).")],
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", "-o", help="Format option key=value (repeatable; docs/formats.md)."
        ),
    ] = None,
) -> None:
    """Import a corpus of texts with gold into bench's JSON Lines corpus format."""
    from bench.corpus.importing import import_corpus
    from bench.protocol import parse_option_args

    done = import_corpus(fmt, path, out, parse_option_args(option or []))
    assert done.label_set is not None
    layers = "; ".join(f"{k}: {', '.join(v)}" for k, v in done.label_set.layers.items())
    typer.echo(
        f"wrote {out}: {done.documents} document(s), {done.spans} spans, label set "
        f"{done.label_set.name} ({layers})",
        err=True,
    )
