"""``bench gold ...``: validate, show, count, compare, add, diff, export and import gold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Validate, review, count and compare gold; add documents; diff, export, import.",
    no_args_is_help=True,
)

TextsOpt = Annotated[Path, typer.Option("--texts", help="Directory of the documents' texts.")]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Directory of gold files.")]


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Gold files or directories.")] = None,
    texts: TextsOpt = Path("seeds"),
) -> None:
    """Check gold files against every rule; print each violation as FILE:LINE: field: problem."""
    from bench.corpus.gold import gold_paths, validate_gold_file
    from bench.corpus.texts import CORPUS_FILE, registered_documents
    from bench.errors import BenchError

    files = gold_paths(paths or [Path("gold")])
    if not files:
        typer.echo("error: no gold files given or found", err=True)
        raise typer.Exit(1)
    try:
        registered = registered_documents(texts)  # read once, not once per file
    except BenchError as exc:
        typer.echo(str(exc))
        typer.echo(f"1 violation in {texts / CORPUS_FILE}", err=True)
        raise typer.Exit(1) from None
    bad = 0
    n_spans = 0
    for path in files:
        check = validate_gold_file(path, texts, registered)
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

    from bench.annotate.review import render_gold
    from bench.corpus.gold import validate_gold_file
    from bench.corpus.texts import check_doc_id
    from bench.errors import BenchError
    from bench.schema import LAYERS

    check = validate_gold_file(gold / f"{check_doc_id(doc_id)}.json", texts)
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
    from bench.annotate.review import replace_between, stats_markdown
    from bench.corpus.gold import load_gold_dir
    from bench.errors import BenchError
    from bench.files import write_atomic

    docs = load_gold_dir(gold, texts)
    table = stats_markdown(d.gold for d in docs.values())
    typer.echo(table, nl=False)
    if readme is not None:
        try:
            updated = replace_between(readme.read_text("utf-8"), "corpus", table)
        except (OSError, ValueError) as exc:
            raise BenchError(f"{readme}: {exc}") from None
        write_atomic(readme, updated)


@app.command()
def agree(
    dir_a: Annotated[Path, typer.Argument(help="First annotation (directory of gold files).")],
    dir_b: Annotated[Path, typer.Argument(help="Second annotation of the same documents.")],
    texts: TextsOpt = Path("seeds"),
    adjudicated: Annotated[
        Path | None, typer.Option(help="Adjudicated gold: show which side it took.")
    ] = None,
) -> None:
    """Agreement of two annotations: span F1, value agreement, token kappa, disagreements."""
    from bench.annotate.agreement import agree as compute
    from bench.annotate.agreement import disagreements_markdown, figures_markdown
    from bench.corpus.gold import load_gold_dir

    a = load_gold_dir(dir_a, texts)
    b = load_gold_dir(dir_b, texts)
    ag = compute(a, b, dir_a.name or str(dir_a), dir_b.name or str(dir_b))
    adj = load_gold_dir(adjudicated, texts) if adjudicated else None
    typer.echo(figures_markdown(ag))
    typer.echo(disagreements_markdown(ag, adj), nl=False)


@app.command("agreement-report")
def agreement_report(
    passes: Annotated[Path, typer.Option(help="Directory of annotation passes.")] = Path(
        "gold/passes"
    ),
    gold: GoldOpt = Path("gold"),
    texts: TextsOpt = Path("seeds"),
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("gold/AGREEMENT.md"),
) -> None:
    """Write gold/AGREEMENT.md: agreement between all passes and with the adjudicated gold."""
    from bench.annotate.agreement import load_passes, report_markdown
    from bench.corpus.gold import load_gold_dir
    from bench.errors import BenchError
    from bench.files import write_atomic

    found = load_passes(passes, texts) if passes.is_dir() else {}
    if len(found) < 2:
        raise BenchError(f"{passes}: needs at least two passes (sub-directories of gold files)")
    text = report_markdown(found, load_gold_dir(gold, texts), "bench gold agreement-report")
    write_atomic(out, text)
    typer.echo(f"wrote {out}", err=True)


@app.command()
def add(
    source: Annotated[
        Path, typer.Argument(help="The article's text, UTF-8 (copied byte for byte).")
    ],
    date: Annotated[
        str, typer.Option("--date", help="Document date YYYY-MM-DD: relative dates resolve to it.")
    ],
    doc_id: Annotated[
        str | None, typer.Option("--doc-id", help="Id (default: NNN_<16 hex of sha256>).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the first line).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Publisher, e.g. 'Al Jazeera'.")] = None,
    language: Annotated[str, typer.Option(help="Language code.")] = "en",
    pre_annotate: Annotated[
        str | None,
        typer.Option("--pre-annotate", help="System whose predictions pre-fill the draft gold."),
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="System option key=value (repeatable).")
    ] = None,
    texts: TextsOpt = Path("seeds"),
    gold: GoldOpt = Path("gold"),
) -> None:
    """Add a document: copy its text into seeds/, register it, write a draft gold file."""
    import datetime as dt

    from bench.annotate.add import add_document
    from bench.errors import BenchError
    from bench.protocol import parse_option_args
    from bench.registry import create_system

    try:
        document_date = dt.date.fromisoformat(date)
    except ValueError:
        raise BenchError(f"--date: {date!r} is not a date YYYY-MM-DD") from None
    system = None
    if pre_annotate:
        system = create_system(pre_annotate, parse_option_args(option or []))
    elif option:
        raise BenchError("--option: only with --pre-annotate")
    result = add_document(
        source,
        texts,
        gold,
        document_date=document_date,
        doc_id=doc_id,
        title=title,
        outlet=outlet,
        language=language,
        system=system,
    )
    typer.echo(
        f"added {result.doc_id}: {result.text_path}, {result.gold_path}, {result.corpus_path}"
    )
    if system is not None:
        typer.echo(f"draft: {result.spans} span(s) from {pre_annotate}")
        for reason, n in sorted(result.dropped.items()):
            typer.echo(f"  dropped {n}: {reason}")
        if result.missing_values:
            typer.echo(
                f"  {result.missing_values} span(s) need a value: "
                f"bench gold validate {result.gold_path}"
            )
    typer.echo(f"next: review it (bench gold show {result.doc_id}), then set status to annotated")


@app.command()
def formats() -> None:
    """List the annotation-tool formats of `bench gold export` / `bench gold import`."""
    from bench.corpus.formats import FORMATS, get_format

    for name in FORMATS:
        fmt = get_format(name)
        typer.echo(f"{name:<12} {fmt.summary}")
        typer.echo(f"{'':<12} values: {fmt.carries_values}")
        if fmt.loses:
            typer.echo(f"{'':<12} not carried: {fmt.loses}")


@app.command("export")
def export_(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="A format of `bench gold formats`.")],
    out: Annotated[Path, typer.Argument(help="New (or empty) directory to write into.")],
    gold: GoldOpt = Path("gold"),
    texts: TextsOpt = Path("seeds"),
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Only this document (repeatable).")
    ] = None,
) -> None:
    """Export gold for an annotation tool: Label Studio, doccano, brat, CoNLL, DocBin, HF."""
    from bench.corpus.formats.exchange import export_gold

    files = export_gold(fmt, gold, texts, out, doc)
    for path in files:
        typer.echo(str(path))
    typer.echo(f"ok: {fmt} export in {out} ({len(files)} file(s))", err=True)


@app.command("import")
def import_(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="A format of `bench gold formats`.")],
    path: Annotated[
        Path, typer.Argument(help="The tool's export: a file or our export directory.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory to write gold files into.")] = Path(
        "gold"
    ),
    texts: TextsOpt = Path("seeds"),
    force: Annotated[bool, typer.Option(help="Replace existing gold files.")] = False,
    status: Annotated[
        str | None, typer.Option(help="Set status: draft, annotated or adjudicated.")
    ] = None,
    annotator: Annotated[str | None, typer.Option(help="Set the annotator.")] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="Format option key=value (repeatable).")
    ] = None,
) -> None:
    """Import gold from an annotation tool; every text hash and gold rule is checked first."""
    from bench.corpus.formats.exchange import import_gold
    from bench.errors import BenchError
    from bench.protocol import parse_option_args

    outcome = import_gold(
        fmt,
        path,
        texts,
        out,
        force=force,
        status=status,
        annotator=annotator,
        options=parse_option_args(option or []),
    )
    if outcome.violations:
        # Every violation on stdout, one line each; the error itself is one line, exit 2.
        for v in outcome.violations:
            typer.echo(str(v))
        more = len(outcome.violations) - 1
        tail = f" (+{more} more above)" if more else ""
        raise BenchError(f"{outcome.violations[0]}{tail}; nothing written")
    for p in outcome.written:
        typer.echo(str(p))
    for line in outcome.notices:  # a value dropped or changed: one line per span
        typer.echo(f"warning: {line}", err=True)
    typer.echo(f"ok: {len(outcome.written)} gold file(s) written to {out}", err=True)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Old gold file or directory.")],
    new: Annotated[Path, typer.Argument(help="New gold file or directory.")],
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when there are differences.")
    ] = False,
) -> None:
    """Show spans added, removed, relabeled and revalued between two versions of gold."""
    from bench.annotate.diff import diff_paths, render

    text = render(diff_paths(old, new))
    typer.echo(text or "no differences", nl=not text)
    if text and exit_code:
        raise typer.Exit(1)
