"""``bench report``: rebuild the leaderboard, plot, error pages and README table from results."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer


def report(
    results: Annotated[Path, typer.Option(help="Directory of result files.")] = Path("results"),
    gold: Annotated[Path, typer.Option(help="Directory of gold files.")] = Path("gold"),
    texts: Annotated[Path, typer.Option(help="Directory of the documents' texts.")] = Path("seeds"),
    readme: Annotated[
        Path | None,
        typer.Option(
            help="README whose leaderboard block to rewrite; its block must link to --results "
            "(or, without a link yet, --results must be results/ beside it)."
        ),
    ] = None,
    plot: Annotated[bool, typer.Option(help="Draw f1_vs_speed.png.")] = True,
    errors: Annotated[bool, typer.Option(help="Write errors/<label>.html.")] = True,
    pair: Annotated[
        tuple[str, str] | None,
        typer.Option(
            metavar="A B",
            help="Only write errors/pairs/A--B.html: results A and B side by side, where they "
            "differ.",
        ),
    ] = None,
) -> None:
    """Regenerate LEADERBOARD.md, leaderboard.csv, f1_vs_speed.png and errors/ in --results.

    Nothing outside --results is written, except the README's table when --readme is given.
    With --pair A B, only the side-by-side page of two results is written.
    """
    from bench.escape import visible
    from bench.files import locked
    from bench.report.rebuild import build_pair_page, build_report

    if pair is not None:
        with locked(results) if results.is_dir() else nullcontext():
            page = build_pair_page(results, pair, gold_dir=gold, texts_dir=texts)
        typer.echo(f"wrote {page}")
        return

    # One writer of a results directory at a time (a missing one is build_report's error).
    with locked(results) if results.is_dir() else nullcontext():
        out = build_report(
            results,
            readme=readme,
            gold_dir=gold,
            texts_dir=texts,
            plot=plot,
            error_pages=errors,
        )
    for p in out.written:
        typer.echo(f"wrote {p}")
    if out.unchanged:
        typer.echo(f"unchanged: {len(out.unchanged)} file(s) already as written")
    for note in out.notes:
        typer.echo(f"note: {visible(note)}", err=True)
