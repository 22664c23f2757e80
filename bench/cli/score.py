"""``bench score``: score a predictions file against gold; a table, or JSON with ``--json``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def score(
    predictions: Annotated[
        Path, typer.Option("--predictions", "-p", help="Predictions JSONL, one line per document.")
    ],
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="Score against this corpus (.jsonl, .parquet, dataset, or gold/ + texts/ "
            "directory) with its label set, instead of --gold/--texts.",
        ),
    ] = None,
    label_map: Annotated[
        str | None,
        typer.Option(
            "--label-map", help="Map predicted labels onto the corpus's: a preset or a JSON file."
        ),
    ] = None,
    gold: Annotated[Path, typer.Option("--gold", help="Directory of gold files.")] = Path("gold"),
    texts: Annotated[
        Path, typer.Option("--texts", help="Directory of the documents' texts.")
    ] = Path("seeds"),
    layer: Annotated[
        list[str] | None,
        typer.Option("--layer", "-l", help="Score only this layer (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", help="Bootstrap resamples for CIs (0: none).")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the bootstrap (and of --sample).")
    ] = 0,
    unit: Annotated[
        str, typer.Option("--unit", help="Resampling unit: auto, sentence or document.")
    ] = "auto",
    ignore: Annotated[
        bool, typer.Option("--ignore/--no-ignore", help="Drop predictions in ignore regions.")
    ] = True,
    tokens: Annotated[
        bool,
        typer.Option(
            "--tokens", help="Snap predictions to the gold's recorded tokens (as conlleval sees)."
        ),
    ] = False,
    min_overlap: Annotated[
        float | None,
        typer.Option(
            "--min-overlap",
            help="Least overlap, in percent of the gold span's length, for two spans to pair.",
        ),
    ] = None,
    per_label: Annotated[
        bool, typer.Option("--per-label/--no-per-label", help="A row per label in the table.")
    ] = True,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N gold documents.")
    ] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Only N gold documents drawn with --seed.")
    ] = None,
    subset: Annotated[
        bool,
        typer.Option("--subset", help="Only the gold documents the predictions have a line for."),
    ] = False,
) -> None:
    """Score predictions in the SemEval modes (strict, exact, partial, type), values and CIs."""
    import os

    # Scoring runs numpy's own loops and small matrix products: OpenBLAS's threads (one per
    # core, started as numpy is imported) cost CPU time and buy nothing (docs/metrics.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from bench.corpus.subset import left_out
    from bench.limits import check_bootstrap
    from bench.scoring.engine import score_corpus, score_files
    from bench.scoring.report import parse_signature
    from bench.scoring.resample import check_seed

    check_seed(seed)
    check_bootstrap(bootstrap)  # before reading anything
    if label_map and corpus is None:
        from bench.errors import BenchError

        raise BenchError("--label-map: needs --corpus (--corpus . for this repository's seeds)")
    if corpus is not None and (limit is not None or sample is not None or subset):
        from bench.errors import BenchError

        raise BenchError("--limit, --sample, --subset: not with --corpus (seeds and gold dirs)")
    if corpus is not None:
        report = score_corpus(
            corpus,
            predictions,
            layers=layer,
            label_map=label_map,
            bootstrap=bootstrap,
            seed=seed,
            ignore=ignore,
            unit=unit,
            tokens=tokens,
            min_overlap=min_overlap,
        )
    else:
        report = score_files(
            gold,
            texts,
            predictions,
            layers=layer,
            bootstrap=bootstrap,
            seed=seed,
            ignore=ignore,
            unit=unit,
            tokens=tokens,
            min_overlap=min_overlap,
            limit=limit,
            sample=sample,
            only_present=subset,
        )
    how = parse_signature(report.signature).get("subset", "")
    if subset and "present:" in how:
        typer.echo(
            f"note: --subset: scored the {report.documents} document(s) with a line in "
            f"{predictions}; left out {left_out(how)} gold document(s) ({how})",
            err=True,
        )
    if report.missing_predictions:
        shown = ", ".join(report.missing_predictions[:5])
        more = len(report.missing_predictions) - 5
        typer.echo(
            f"warning: {predictions}: no line for {len(report.missing_predictions)} gold "
            f"document(s), scored as predicting nothing: {shown}"
            + (f" (+{more} more)" if more > 0 else ""),
            err=True,
        )
    if as_json:
        typer.echo(report.to_json(), nl=False)
        return
    from bench.report.terminal import print_score

    print_score(report, per_label=per_label)
