"""``bench compare``: a candidate's results against a baseline's; exit 1 on a regression."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bench.report.compare import Comparison
    from bench.report.matrix import Matrix

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def compare(
    baseline: Annotated[
        Path, typer.Argument(help="Baseline result file, or a directory of result files.")
    ],
    candidate: Annotated[
        Path | None,
        typer.Argument(
            help="Candidate result file, or a directory of result files (not with --systems)."
        ),
    ] = None,
    systems: Annotated[
        str | None,
        typer.Option(
            "--systems",
            help="Compare these results of BASELINE (a directory) with one another, pair by "
            "pair: comma-separated labels, e.g. spacy,rules,recognizers.",
        ),
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", help="Score compared and gated: f1, precision or recall.")
    ] = "f1",
    mode: Annotated[
        str, typer.Option("--mode", help="Match mode: strict, exact, partial or type.")
    ] = "strict",
    layer: Annotated[
        list[str] | None,
        typer.Option("--layer", "-l", help="Compare only this layer (repeatable)."),
    ] = None,
    max_drop: Annotated[
        float,
        typer.Option("--max-drop", help="Largest tolerated drop of a gated score (0.01 = 1 pt)."),
    ] = 0.01,
    max_slowdown: Annotated[
        float | None,
        typer.Option(
            "--max-slowdown", help="Fail when words/s falls by more than this (0.2 = 20%)."
        ),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write the Markdown summary here.")
    ] = None,
    no_significance: Annotated[
        bool,
        typer.Option(
            "--no-significance", help="Fail on the drop alone (p and CI are still shown)."
        ),
    ] = False,
    alpha: Annotated[
        float, typer.Option("--alpha", help="A drop is significant when p < alpha.")
    ] = 0.05,
    gold: Annotated[Path, typer.Option("--gold", help="Directory of gold files.")] = Path("gold"),
    texts: Annotated[
        Path, typer.Option("--texts", help="Directory of the documents' texts.")
    ] = Path("seeds"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the comparison as JSON instead of tables.")
    ] = False,
) -> None:
    """Compare per-layer and per-label scores with paired significance; exit 1 on a regression.

    Exit codes: 0 no regression, 1 a regression, 2 bad input (e.g. results on other gold).
    With --systems, the results of one directory are compared pair by pair instead: the
    matrix of paired differences with Holm-corrected p-values (docs/metrics.md); exit 0.
    """
    from bench.corpus.gold import write_atomic
    from bench.errors import BenchError
    from bench.report.compare import CompareSettings, render_markdown
    from bench.report.compare import compare as run_compare

    if systems is not None:
        if candidate is not None:
            raise BenchError(
                f"{candidate}: --systems compares results within one directory; give no candidate"
            )
        _compare_many(baseline, systems, layer, metric, mode, alpha, gold, texts, markdown, as_json)
        return
    if candidate is None:
        raise BenchError("give a candidate result file or directory, or --systems A,B,C")
    settings = CompareSettings(
        metric=metric,
        mode=mode,
        layers=tuple(layer) if layer else None,
        max_drop=max_drop,
        max_slowdown=max_slowdown,
        significance=not no_significance,
        alpha=alpha,
    )
    result = run_compare(baseline, candidate, settings, gold_dir=gold, texts_dir=texts)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _print_tables(result)
    md = render_markdown(result)
    if markdown is not None:
        write_atomic(markdown, md)
    summary = os.environ.get(STEP_SUMMARY_ENV)
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(md + "\n")
        except OSError as exc:
            raise BenchError(f"{summary}: cannot append the step summary: {exc.strerror}") from None
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _compare_many(
    results: Path,
    systems: str,
    layer: list[str] | None,
    metric: str,
    mode: str,
    alpha: float,
    gold: Path,
    texts: Path,
    markdown: Path | None,
    as_json: bool,
) -> None:
    from bench.corpus.gold import write_atomic
    from bench.report.compare import CompareSettings
    from bench.report.matrix import compare_many, render_markdown

    settings = CompareSettings(
        metric=metric, mode=mode, layers=tuple(layer) if layer else None, alpha=alpha
    )
    names = [x.strip() for x in systems.split(",") if x.strip()]
    m = compare_many(results, names, settings, gold_dir=gold, texts_dir=texts)
    if as_json:
        typer.echo(m.model_dump_json(indent=2))
    else:
        _print_matrix(m)
    if markdown is not None:
        write_atomic(markdown, render_markdown(m))


def _print_matrix(m: Matrix) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from bench.escape import visible
    from bench.report.compare import fmt_ci, fmt_delta, fmt_p
    from bench.report.matrix import matrix_cell, method_text, score_name, single_text

    def t(text: str) -> str:  # data: no markup, no terminal control
        return escape(visible(text))

    console = Console(highlight=False)
    console = Console(highlight=False, width=max(console.width, 112))  # a pipe has 80

    def table(title: str | None = None) -> Table:
        return Table(
            title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left"
        )

    for lm in m.layers:
        names = [x for x in m.systems if x in lm.scores]
        grid = table(f"{t(lm.layer)}: {score_name(m)}, column minus row")
        grid.add_column("")
        grid.add_column("score", justify="right")
        for x in names:
            grid.add_column(t(x), justify="right", no_wrap=True)
        for row in names:
            score = lm.scores[row]
            grid.add_row(
                t(row),
                "-" if score is None else f"{score:.3f}",
                *[matrix_cell(lm, row, col) for col in names],
            )
        console.print(grid)
        pairs = table()
        heads = ["pair", "Δ", "95% CI of Δ", "p AR", "p boot", "p Holm AR", "p Holm boot"]
        for i, head in enumerate(heads):
            pairs.add_column(head, justify="left" if i == 0 else "right", no_wrap=True)
        for c in lm.pairs:
            pairs.add_row(
                f"{t(c.b)} − {t(c.a)}",
                fmt_delta(c.delta) + ("*" if c.significant else ""),
                fmt_ci(c.delta_ci),
                fmt_p(c.p_ar),
                fmt_p(c.p_bootstrap),
                fmt_p(c.p_holm),
                fmt_p(c.p_bootstrap_holm),
            )
        console.print(pairs)
        if lm.not_scored:
            console.print(f"not scored on {t(lm.layer)}: {', '.join(map(t, lm.not_scored))}")
        console.print()
    for line in single_text(m, t):
        console.print(line, soft_wrap=True)
    console.print(method_text(m), soft_wrap=True)
    console.print(f"gold {t(m.gold)}", soft_wrap=True)


def _print_tables(c: Comparison) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from bench.escape import visible
    from bench.report.compare import (
        fmt_ci,
        fmt_delta,
        fmt_p,
        fmt_rate,
        fmt_score,
        gate_text,
        score_name,
        speed_verdict,
        verdict,
    )

    def t(text: str) -> str:  # data: no markup, no terminal control
        return escape(visible(text))

    console = Console(highlight=False)
    for s in c.systems:
        title = f"{t(s.label)}: {'REGRESSION' if s.failed else 'ok'}"
        table = Table(
            title=title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1),
            collapse_padding=True,
        )
        heads = [score_name(c), "gold", "base", "cand", "Δ", "95% CI of Δ", "p", ""]
        for i, head in enumerate(heads):
            table.add_column(head, justify="left" if i in (0, 7) else "right", no_wrap=True)
        main = [r for r in s.rows if r.kind != "label"]
        labels = [r for r in s.rows if r.kind == "label"]
        for k, r in enumerate([*main, *labels]):
            mark = verdict(r)
            table.add_row(
                t(r.name),
                str(r.gold),
                fmt_score(r.baseline),
                fmt_score(r.candidate),
                fmt_delta(r.delta),
                fmt_ci(r.delta_ci),
                fmt_p(r.p_value),
                f"[bold red]{mark}[/]" if mark == "REGRESSION" else mark,
                end_section=k == len(main) - 1,
            )
        console.print(table)
        sp = s.speed
        mark = speed_verdict(sp)
        console.print(
            f"words/s: {fmt_rate(sp.baseline)} -> {fmt_rate(sp.candidate)} "
            f"({'-' if sp.change is None else f'{sp.change:+.1%}'})"
            + (", cached timings" if sp.baseline_cached or sp.candidate_cached else "")
            + (f", [bold red]{mark}[/]" if mark == "REGRESSION" else f", {mark}" if mark else ""),
            soft_wrap=True,
        )
        console.print(f"baseline {t(s.baseline)}, candidate {t(s.candidate)}", soft_wrap=True)
        for change in s.changes:
            console.print(f"changed: {t(change)}", soft_wrap=True)
        if any(s.failures):
            console.print(f"failed documents: baseline {s.failures[0]}, candidate {s.failures[1]}")
        console.print()
    if c.only_baseline:
        console.print(f"not compared, baseline only: {', '.join(map(t, c.only_baseline))}")
    if c.only_candidate:
        console.print(f"not compared, candidate only: {', '.join(map(t, c.only_candidate))}")
    if c.systems:
        s0 = c.systems[0]
        console.print(f"paired over {s0.units} {s0.unit}s; gold {t(c.gold)}")
    console.print(gate_text(c), soft_wrap=True)
    failed = [t(s.label) for s in c.systems if s.failed]
    if failed:
        console.print(f"[bold red]regression:[/] {', '.join(failed)}")
    else:
        console.print(f"no regression in {len(c.systems)} system(s)")
