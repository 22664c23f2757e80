"""The ``bench`` command line: a thin typer shell over the library.

Sub-commands live one per module in this package and import heavy libraries only inside
their functions, so ``bench --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from bench.errors import BenchError, single_line
from bench.escape import visible

app = typer.Typer(
    name="bench",
    help="Benchmark extractors of entities, dates and numbers: gold, scoring, throughput.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's help renderer (rich.markdown, markdown_it, ...) would double
    # the start-up time of every command (docs/scale.md, "Start-up").
    rich_markup_mode=None,
)


def _register() -> None:
    from bench.cli import compare, corpus, gold, report, run, schema, score, systems

    app.add_typer(gold.app, name="gold")
    app.add_typer(corpus.app, name="corpus")
    app.command(name="score")(score.score)
    app.command(name="systems")(systems.systems)
    app.command(name="run")(run.run)
    app.command(name="report")(report.report)
    app.add_typer(schema.app, name="schema")
    app.command(name="compare")(compare.compare)


_register()


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code."""
    try:
        app()
    except BenchError as exc:
        print(f"error: {visible(single_line(str(exc)))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
