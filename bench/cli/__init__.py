"""The ``bench`` command line: a thin typer shell over the library.

Sub-commands live one per module in this package and import heavy libraries only inside
their functions, so ``bench --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from bench.errors import BenchError, ParameterError, single_line
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
    from bench.cli import (
        compare,
        corpus,
        diff,
        gold,
        predictions,
        report,
        run,
        schema,
        score,
        systems,
    )

    app.add_typer(gold.app, name="gold")
    app.add_typer(corpus.app, name="corpus")
    app.add_typer(predictions.app, name="predictions")
    app.command(name="score")(score.score)
    app.command(name="systems")(systems.systems)
    app.command(name="run")(run.run)
    app.command(name="report")(report.report)
    app.add_typer(schema.app, name="schema")
    app.command(name="compare")(compare.compare)
    app.command(name="diff")(diff.diff)


_register()


# Library parameters whose flag is not their name with dashes.
_FLAGS = {"layers": "--layer", "doc_ids": "--doc", "options": "--option"}
_FLAGS["label_map"] = "--label-map"


def flag(param: str) -> str:
    """The command-line flag of a library parameter: ``batch_size`` -> ``--batch-size``."""
    return _FLAGS.get(param, "--" + param.replace("_", "-"))


def message(exc: BenchError) -> str:
    """The error as the command line shows it: parameter names become ``--flags``."""
    if isinstance(exc, ParameterError):
        return f"{flag(exc.param)}: {exc.problem}"
    return str(exc)


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code."""
    try:
        app()
    except BenchError as exc:
        print(f"error: {visible(single_line(message(exc)))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
