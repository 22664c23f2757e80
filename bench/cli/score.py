"""``bench score``: score a predictions file against gold; a table, or JSON with ``--json``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from bench.scoring.report import ScoreReport


def score(
    predictions: Annotated[
        Path, typer.Option("--predictions", "-p", help="Predictions JSONL, one line per document.")
    ],
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
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
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
) -> None:
    """Score predictions in the SemEval modes (strict, exact, partial, type), values and CIs."""
    import os

    # Scoring runs numpy's own loops and small matrix products: OpenBLAS's threads (one per
    # core, started as numpy is imported) cost CPU time and buy nothing (docs/metrics.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from bench.limits import check_bootstrap
    from bench.scoring.engine import score_files
    from bench.scoring.resample import check_seed

    check_seed(seed)
    check_bootstrap(bootstrap)  # before reading anything

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
    _print_tables(report)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


_COUNT_HEADS = {"correct": "corr", "incorrect": "inc", "partial": "part", "missed": "miss"}
_COUNT_HEADS |= {"spurious": "spur", "possible": "gold", "actual": "pred"}


def _table(title: str, heads: list[str], left: int = 1) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1)
    )
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i < left else "right", no_wrap=True)
    return table


def _mode_tables(rows: dict[str, dict], ci: dict | None, confidence: float) -> list[Table]:
    heads = ["", "mode", "P", "R", "F1"]
    if ci is not None:
        heads.append(f"F1 {round(confidence * 100)}% CI")
    scores = _table("Scores", heads, left=2)
    counts = _table(
        "Counts (gold = possible, pred = actual)", ["", "mode", *_COUNT_HEADS.values()], left=2
    )
    for key, modes in rows.items():
        for i, (mode, s) in enumerate(modes.items()):
            first = [key if i == 0 else "", mode]
            cells = first + [_fmt(s[n]) for n in ("precision", "recall", "f1")]
            if ci is not None:
                iv = ci.get(key, {}).get(mode, {}).get("f1")
                cells.append(
                    "-" if not iv or iv["low"] is None else f"{iv['low']:.3f}-{iv['high']:.3f}"
                )
            last = i == len(modes) - 1
            scores.add_row(*cells, end_section=last)
            counts.add_row(*first, *(str(s[n]) for n in _COUNT_HEADS), end_section=last)
    return [scores, counts]


def _print_tables(report: ScoreReport) -> None:
    from rich.console import Console

    data = report.model_dump(mode="json")
    console = Console(highlight=False)
    ci = data["ci"]
    ci_rows = {"overall": ci["overall"], **ci["by_layer"]} if ci else None
    rows = {"overall": data["overall"], **data["by_layer"]}
    for table in _mode_tables(rows, ci_rows, ci["confidence"] if ci else 0.95):
        console.print(table)

    labels = _table("By label", ["label", "gold", "pred", "strict F1", "type F1"])
    for label, modes in data["by_label"].items():
        strict = modes["strict"]
        if strict["possible"] == 0 and strict["actual"] == 0:
            continue
        labels.add_row(
            label,
            str(strict["possible"]),
            str(strict["actual"]),
            _fmt(strict["f1"]),
            _fmt(modes["type"]["f1"]),
        )
    console.print(labels)

    if data["values"]:
        heads = ["layer", "matched", "correct", "accuracy", "P", "R", "F1"]
        values = _table("Values (pairs of one layer; right value = true positive)", heads)
        for layer, v in data["values"].items():
            values.add_row(
                layer,
                str(v["matched"]),
                str(v["correct"]),
                *(_fmt(v[n]) for n in ("accuracy", "precision", "recall", "f1")),
            )
        console.print(values)

    if data["relaxed"]:
        heads = ["layer", "matched", "P", "R", "F1"]
        relaxed = _table("Relaxed (TempEval-3: any overlap, any label, one-to-one)", heads)
        for layer, r in data["relaxed"].items():
            relaxed.add_row(
                layer, str(r["matched"]), *(_fmt(r[n]) for n in ("precision", "recall", "f1"))
            )
        console.print(relaxed)

    macro = data["macro"]
    console.print(
        "macro F1 (strict): by label "
        f"{_fmt(macro['by_label']['strict']['f1'])} over {macro['by_label']['strict']['classes']}"
        f" labels, by document {_fmt(macro['by_doc']['strict']['f1'])} over "
        f"{macro['by_doc']['strict']['classes']} documents"
    )
    if report.ignored_predictions:
        console.print(f"{report.ignored_predictions} prediction(s) in ignore regions dropped")
    if ci:
        console.print(
            f"CIs: {ci['method']}, {ci['resamples']} resamples of {ci['units']} {ci['unit']}s"
        )
    console.print(f"signature: {report.signature}", soft_wrap=True)
