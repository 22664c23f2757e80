"""The ``bench`` command line: a thin typer shell over the library.

Sub-commands live one per module in this package and import heavy libraries only inside
their functions, so ``bench --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from bench.errors import BenchError

app = typer.Typer(
    name="bench",
    help="Benchmark extractors of entities, dates and numbers: gold, scoring, throughput.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from bench.cli import compare, gold, report, run, schema, score, systems

    app.add_typer(gold.app, name="gold")
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
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
